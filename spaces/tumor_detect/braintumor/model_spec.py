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
    "config.json": "44d4a570b266c259b62b9d63af61098b4183074d43366bf45216f2a25faafa0a",
    "model.safetensors": "dadf15714f9acbfa29be6b8a5a60f9bccd74aa5e162abdce9dd4d8e10e259d8a",
    "input_check.safetensors": "82d5600173abaa0ac9fcfe830e2672147420d5051d942d16f4cea83c39f56bfa",
    "calibration.json": "e89c07b1a1ed4d000785edf10a9ddac1be0e70e09e0fd74114064376cbdd605f",
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
