"""Where the shipped classifier comes from and the sha256 of each of its files.

The PINS block is rewritten by ``calibrate.py`` (which writes the last two files after ``train.py`` wrote
the first two) through ``shared.model_source.write_pins``: never paste a hash here by hand.
"""

from __future__ import annotations

from pathlib import Path

from shared.model_source import ModelSpec

MODEL_DIR = Path(__file__).resolve().parents[1] / "model"
ENV_VAR = "TUMOR_DETECT_MODEL"  # a model folder or a Hub id with the same files; not pinned (the operator's choice)

INPUT_CHECK_FILE = "input_check.safetensors"
CALIBRATION_FILE = "calibration.json"
# Written by train.py: a plain transformers EfficientNetForImageClassification.
NETWORK_FILES = ("config.json", "model.safetensors")
# Written by calibrate.py: the input check, and the temperature and thresholds.
CALIBRATION_FILES = (INPUT_CHECK_FILE, CALIBRATION_FILE)
MODEL_FILES = NETWORK_FILES + CALIBRATION_FILES

# BEGIN PINS (written by the training script; do not edit by hand)
PINS = {
    "config.json": "a8fa0260720ef4fb1db1dfa8bc66417e649146a2b59e31d6b9e10e72270286e0",
    "model.safetensors": "1181d686a6b5c476a39059db71a753701031115d1358928dbccb898d395d85ac",
    "input_check.safetensors": "8bbadaeefc01d4396d64439d63d6c04e9fcd79176ed4a4d45d89653a4364033c",
    "calibration.json": "0dceead7863cf5e9fabc13a8f1ad6c1ed4a2b10be3c4952f65593d2d3102a767",
}
# END PINS

MODEL_SPEC = ModelSpec(
    name="tumor_detect classifier",
    env_var=ENV_VAR,
    local_candidates=(MODEL_DIR,),
    pinned=PINS,
    required_files=MODEL_FILES,
)


def pin_shipped_files(folder: Path, names: tuple[str, ...] = MODEL_FILES) -> dict[str, str] | None:
    """After a script wrote model files to ``folder``: if it is the shipped model folder, rewrite the PINS
    block with the sha256 of ``names`` there and return them; another folder (an experiment) pins nothing."""
    if Path(folder).resolve() != MODEL_DIR:
        return None
    from shared.model_source import write_pins

    return write_pins(Path(__file__), MODEL_DIR, names)
