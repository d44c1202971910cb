"""Which drafts of a probe set are close paraphrases of a message the bot or its author has already seen.

    python spaces/bank_bot/probe_overlap.py tests/bank_bot/harm_probes_8.py \\
        --against tests/bank_bot/colloquial_probes.py tests/bank_bot/colloquial_probes_{2,3,4,5,7}.py \\
        tests/bank_bot/harm_probes_6.py

A probe set only judges a change when its messages are new: a draft that shares most of its content words with a
training row or an earlier probe measures recall, not generalisation. The rule (as probe sets 5 and 7 used it): the
Jaccard similarity of the two sets of content words (lower case, apostrophes dropped, a short list of function words
removed) is at least 0.4. Compared with every Banking77 and CLINC150 training row of the kit, the handoff lines, every
colloquial training and tried row, and every message of the ``--against`` sets. Prints each close pair.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict
from pathlib import Path

from probe_report import load_probes

THRESHOLD = 0.4
# Function words only: what a sentence is about stays in
STOP = set(
    """a an the and or but if so to of in on at for from by with into onto out up down off over about as is are was
    were be been being am do does did done have has had having i me my mine we us our you your u ur he him his she her
    they them their it its this that these those there here what whats which who whom how when where why can could
    would should will shall may might must just not no yes any some all im ive id ill dont didnt cant wont isnt
    arent wasnt hasnt havent pls please get got yet still then than too very also""".split()
)
LISTS = ("COLLOQUIAL", "OFF_TOPIC_AND_HARMFUL", "BENIGN", "CLOSE_FREEZE_CANCEL", "OTHERS_DATA_FOREIGN")


def content_words(text: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))
    return frozenset(w for w in words if w not in STOP)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def messages_of(path: Path) -> list[str]:
    module = load_probes(path)
    out: list[str] = []
    for name in LISTS:
        out += list(getattr(module, name, []))
    return out


def close_pairs(drafts: list[str], seen: list[str], threshold: float = THRESHOLD) -> list[tuple[float, str, str]]:
    """(similarity, draft, seen message) for every pair at or above ``threshold``, closest first."""
    seen_words = [(content_words(s), s) for s in seen]
    pairs = []
    for d in drafts:
        dw = content_words(d)
        pairs += [(round(j, 2), d, s) for sw, s in seen_words if (j := jaccard(dw, sw)) >= threshold]
    return sorted(pairs, reverse=True)


def close_to_any(drafts: list[str], seen: list[str], threshold: float = THRESHOLD) -> set[str]:
    """The drafts at or above ``threshold`` of some seen message. Only pairs sharing a content word can reach a
    positive threshold, so each draft is compared with those alone (tens of thousands of seen messages in seconds)."""
    seen_words = [content_words(s) for s in seen]
    by_word: dict[str, list[int]] = defaultdict(list)
    for k, words in enumerate(seen_words):
        for w in words:
            by_word[w].append(k)
    close = set()
    for d in drafts:
        dw = content_words(d)
        shared = Counter(k for w in dw for k in by_word.get(w, ()))
        if any(n / (len(dw) + len(seen_words[k]) - n) >= threshold for k, n in shared.items()):
            close.add(d)
    return close


def main(argv=None) -> list:
    from bankbot.models.data import COLLOQUIAL_FILE, HUMAN_FILE, add_kit_arguments, build_splits
    from bankbot.models.examples import read_examples

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("drafts", type=Path, help="the new probe set (.py)")
    p.add_argument("--against", type=Path, nargs="*", default=[], help="earlier probe sets (.py)")
    add_kit_arguments(p)
    args = p.parse_args(argv)
    train, _ = build_splits(args.banking77, args.clinc, args.domains, seed=0)
    seen = list(train.texts)
    lines = HUMAN_FILE.read_text(encoding="utf-8").splitlines()
    seen += [line for line in lines if line.strip() and not line.startswith("#")]
    for path in sorted(COLLOQUIAL_FILE.parent.glob("*.csv")):
        seen += [r.text for r in read_examples(path)]
    for path in args.against:
        seen += messages_of(path)
    drafts = messages_of(args.drafts)
    pairs = close_pairs(drafts, seen)
    for sim, d, s in pairs:
        print(f"{sim:.2f}  {d!r}  ~  {s!r}")
    print(f"{len({d for _, d, _ in pairs})} of {len(set(drafts))} drafts within Jaccard {THRESHOLD} of a seen message")
    return pairs


if __name__ == "__main__":
    main()
