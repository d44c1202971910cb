"""The intent inventory and the data it is trained and evaluated on (kit paths come as arguments)."""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .. import SPACE_DIR
from .examples import read_examples

OUT_OF_SCOPE = "out_of_scope"
HUMAN = "talk_to_human"
SMALL_TALK = ("greeting", "thank_you", "goodbye", "are_you_a_bot", "what_can_i_ask_you")
BANKING_DOMAINS = ("banking", "credit_cards")
# CLINC150 intents that Banking77 already covers: they train (and are scored) as the Banking77 intent.
CLINC_TO_BANKING77 = {
    "report_lost_card": "lost_or_stolen_card",
    "pin_change": "change_pin",
    "card_declined": "declined_card_payment",
    "exchange_rate": "exchange_rate",
}
CLINC_OOS = "oos"  # CLINC150's label for its out-of-scope queries


class Source:
    """Where a row of a split came from (plain strings, so numpy compares them directly)."""

    BANKING77 = "banking77"
    CLINC_BANK = "clinc_bank"  # CLINC150 banking / credit_cards domains
    CLINC_SMALL_TALK = "clinc_small_talk"
    CLINC_OTHER = "clinc_other"  # the other CLINC150 domains (off-topic for the bank)
    CLINC_OOS = CLINC_OOS  # CLINC150's out-of-scope queries
    HUMAN = "human"  # our hand-written "talk to a person" lines
    COLLOQUIAL = "colloquial"  # our hand-written colloquial customer messages (training only)
    OFF_TOPIC = (CLINC_OTHER, CLINC_OOS)


HUMAN_FILE = SPACE_DIR / "data" / "talk_to_human.txt"
# How customers really write (slang, typos, stories, indirect reports), written by hand for this project: training
# rows only, never the probes that judge them (tests/bank_bot/colloquial_probes.py; a test checks none repeats one).
COLLOQUIAL_FILE = SPACE_DIR / "data" / "colloquial" / "train.csv"

DEFAULT_DATA = Path(__file__).resolve().parents[4].parent / "shared" / "data"


def add_kit_arguments(parser, cache: bool = False) -> None:
    """The data kit's --banking77, --clinc and --domains paths, defaulting to ../shared/data (the training and
    evaluation scripts all read the same three files); ``cache``: also --cache, the shipped encoder's vectors of
    them (the trials that score the shipped encoder share one)."""
    parser.add_argument("--banking77", type=Path, default=DEFAULT_DATA / "banking77" / "train.csv")
    parser.add_argument("--clinc", type=Path, default=DEFAULT_DATA / "clinc150" / "data_full_trainval.json")
    parser.add_argument("--domains", type=Path, default=DEFAULT_DATA / "clinc150" / "domains.json")
    if cache:
        help_text = "an .npz of the shipped encoder's sentence vectors (reused, updated)"
        parser.add_argument("--cache", type=Path, help=help_text)


@dataclass
class Split:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    # where each row came from: a Source value
    sources: list[str] = field(default_factory=list)
    clinc_intents: list[str] = field(default_factory=list)  # original CLINC intent ("" if none)

    def add(self, text: str, label: str, source: str, clinc_intent: str = "") -> None:
        self.texts.append(text)
        self.labels.append(label)
        self.sources.append(source)
        self.clinc_intents.append(clinc_intent)

    def __len__(self) -> int:
        return len(self.texts)


def read_banking77(path: Path) -> list[tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [(row["text"], row["category"]) for row in csv.DictReader(fh)]


def read_domains(path: Path) -> dict[str, str]:
    """intent -> domain, from the kit's domains.json ({domain: [intents]})."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return {intent: domain for domain, intents in raw.items() for intent in intents}


def read_human(path: Path = HUMAN_FILE) -> list[str]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#")]


def clinc_label(intent: str, domain: str | None) -> str:
    """Map a CLINC150 intent to our inventory."""
    if intent == CLINC_OOS or domain is None:
        return OUT_OF_SCOPE
    if intent in CLINC_TO_BANKING77:
        return CLINC_TO_BANKING77[intent]
    if domain in BANKING_DOMAINS or intent in SMALL_TALK:
        return intent
    return OUT_OF_SCOPE


def clinc_source(intent: str, domain: str | None) -> str:
    if intent == CLINC_OOS or domain is None:
        return Source.CLINC_OOS
    if domain in BANKING_DOMAINS:
        return Source.CLINC_BANK
    if intent in SMALL_TALK:
        return Source.CLINC_SMALL_TALK
    return Source.CLINC_OTHER


def add_clinc(split: Split, pairs, domains: dict[str, str]) -> None:
    for text, intent in pairs:
        domain = domains.get(intent)
        split.add(text, clinc_label(intent, domain), clinc_source(intent, domain), intent)


def build_splits(
    banking77_csv: Path,
    clinc_json: Path,
    domains_json: Path,
    val_fraction: float = 0.15,
    seed: int = 0,
    holdout_oos_intents: float = 0.0,
    colloquial: Path | None = None,
) -> tuple[Split, Split]:
    """Training and validation splits.

    Banking77: a stratified ``val_fraction`` of train.csv. CLINC150: its own train / val and
    oos_train / oos_val. Hand-written handoff lines: every fifth goes to validation.
    ``holdout_oos_intents`` > 0 removes that share of the off-topic CLINC intents from training
    entirely (they stay in validation), to measure declines on intents never seen. ``colloquial``: a
    ``text,intent`` CSV of hand-written colloquial rows (``COLLOQUIAL_FILE``), all added to training.
    """
    rng = random.Random(seed)
    train, val = Split(), Split()
    by_label: dict[str, list[str]] = defaultdict(list)
    for text, label in read_banking77(banking77_csv):
        by_label[label].append(text)
    for label in sorted(by_label):
        texts = by_label[label][:]
        rng.shuffle(texts)
        n_val = round(len(texts) * val_fraction)
        for t in texts[:n_val]:
            val.add(t, label, Source.BANKING77)
        for t in texts[n_val:]:
            train.add(t, label, Source.BANKING77)

    domains = read_domains(domains_json)
    clinc = json.loads(Path(clinc_json).read_text(encoding="utf-8"))
    unseen: set[str] = set()
    if holdout_oos_intents > 0:
        other = sorted(i for i, d in domains.items() if clinc_source(i, d) == Source.CLINC_OTHER)
        unseen = set(rng.sample(other, round(len(other) * holdout_oos_intents)))
    add_clinc(train, [p for p in clinc.get("train", []) + clinc.get("oos_train", []) if p[1] not in unseen], domains)
    add_clinc(val, clinc.get("val", []) + clinc.get("oos_val", []), domains)

    for i, text in enumerate(read_human()):
        (val if i % 5 == 4 else train).add(text, HUMAN, Source.HUMAN)
    if colloquial is not None:
        for row in read_examples(colloquial):
            train.add(row.text, row.intent, Source.COLLOQUIAL)
    return train, val


def inventory(domains_json: Path, banking77_labels) -> list[str]:
    """Every label the classifier knows, in a fixed order."""
    domains = read_domains(domains_json)
    clinc_bank = sorted(i for i, d in domains.items() if d in BANKING_DOMAINS and i not in CLINC_TO_BANKING77)
    return sorted(set(banking77_labels)) + clinc_bank + list(SMALL_TALK) + [HUMAN, OUT_OF_SCOPE]
