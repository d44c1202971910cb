"""A company's own examples and answers (CSV in, checked rows out): the plain-language checks a
non-developer sees before training. Gradio-free; the app, the CLI and the tests share it."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

OUT_OF_SCOPE = "out_of_scope"
MAX_FILE_BYTES = 5 * 1024 * 1024  # 45 intents x 50 examples is ~250 KB; 5 MB is generous
MAX_ROWS = 20_000
MAX_INTENTS = 300
MIN_INTENTS = 2
MIN_EXAMPLES = 3  # fewer cannot be split for the held-out check
FEW_EXAMPLES = 5  # the expected range is 5 to 50
MAX_EXAMPLES_PER_INTENT = 200  # more only slows training: a random sample is kept
LONG_CHARS = 300  # the encoder reads ~128 tokens; longer rows are usually pasted documents
MAX_CHARS = 1000
MAX_INTENT_CHARS = 60
MAX_ANSWER_CHARS = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_INTENT_OK = re.compile(r"^[^\W_][\w .&'/-]*$")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_SPACE = re.compile(r"\s+")
TEXT_HEADERS = ("text", "example", "question", "utterance")
INTENT_HEADERS = ("intent", "label", "category", "topic")
ANSWER_HEADERS = ("answer", "reply", "response")


class DataError(ValueError):
    """The file cannot be used; the message says why in plain language."""


@dataclass
class Examples:
    texts: list[str] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(self.intents).items()))

    @property
    def labels(self) -> list[str]:
        return sorted({i for i in self.intents if i != OUT_OF_SCOPE})


def decode(raw: bytes, what: str = "file") -> tuple[str, list[str]]:
    """Text of an uploaded CSV: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 with a warning."""
    if not raw or not raw.strip():
        raise DataError(f"The {what} is empty.")
    if len(raw) > MAX_FILE_BYTES:
        raise DataError(
            f"The {what} is {len(raw) / 2**20:.1f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB. "
            f"A few dozen examples per intent are enough."
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), []
    if b"\x00" in raw:
        raise DataError(f"The {what} looks like a binary file, not a CSV text file.")
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    text = raw.decode("cp1252", errors="replace")
    return text, [
        f"The {what} is not UTF-8 (it looks like an older Excel export); it was read as Windows-1252. "
        "Check accented letters, or save it again as 'CSV UTF-8'."
    ]


def clean_cell(value: str) -> str:
    value = unicodedata.normalize("NFC", str(value or ""))
    value = "".join(ch if ch.isprintable() or ch.isspace() else " " for ch in value)
    return _SPACE.sub(" ", value).strip()


def _find_column(header: list[str], names: tuple[str, ...]) -> int | None:
    norm = [h.strip().strip('"').casefold() for h in header]
    for name in names:
        if name in norm:
            return norm.index(name)
    return None


def read_rows(text: str, columns: tuple[tuple[str, ...], tuple[str, ...]], what: str) -> list[tuple[str, str]]:
    """(first column, second column) pairs from CSV text whose header names both columns."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise DataError(f"The {what} is empty.") from exc
    a, b = _find_column(header, columns[0]), _find_column(header, columns[1])
    if a is None or b is None:
        want = f"'{columns[0][0]}' and '{columns[1][0]}'"
        raise DataError(
            f"The {what} needs a header row with the columns {want}; found: {', '.join(header[:6]) or 'nothing'}."
        )
    rows = []
    try:
        for i, row in enumerate(reader):
            if i >= MAX_ROWS:
                raise DataError(f"The {what} has more than {MAX_ROWS:,} rows; a few dozen per intent are enough.")
            if len(row) > max(a, b):
                rows.append((row[a], row[b]))
    except csv.Error as exc:
        raise DataError(f"The {what} is not a valid CSV file (line {reader.line_num}).") from exc
    return rows


def normalise_intent(value: str) -> str:
    return clean_cell(value).replace(" ", "_").lower()


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _sample(items, k: int = 3) -> str:
    return "; ".join(f"'{x[:60]}'" for x in list(items)[:k])


def check_examples(pairs: list[tuple[str, str]], seed: int = 0) -> Examples:
    """Clean and check (text, intent) rows. Raises DataError when training cannot go ahead; everything
    else becomes a plain-language warning (and the fix applied: duplicates dropped, long rows cut)."""
    import random

    out = Examples()
    warn = out.warnings
    empty = formula = tags = long = 0
    bad_intents: list[str] = []
    seen: dict[str, str] = {}
    dupes, conflicts = 0, set()
    rows: list[tuple[str, str]] = []
    for raw_text, raw_intent in pairs:
        text, intent_cell = clean_cell(raw_text), clean_cell(raw_intent)
        if not text or not intent_cell:
            empty += bool(text or intent_cell)
            continue
        if text.startswith(FORMULA_START) or intent_cell.startswith(FORMULA_START):
            formula += 1
            text = text.lstrip("=+@").strip() or text
        if _TAG.search(text):
            tags += 1
            text = _SPACE.sub(" ", _TAG.sub(" ", text)).strip()
            if not text:
                continue
        if len(text) > LONG_CHARS:
            long += 1
            text = text[:MAX_CHARS]
        intent = normalise_intent(intent_cell)
        if len(intent) > MAX_INTENT_CHARS or not _INTENT_OK.match(intent):
            bad_intents.append(intent_cell)
            continue
        key = text.casefold()
        if key in seen:
            if seen[key] == intent:
                dupes += 1
            else:
                conflicts.add(key)
            continue
        seen[key] = intent
        rows.append((text, intent))
    if bad_intents:
        raise DataError(
            f"{_plural(len(bad_intents), 'row')} have an intent name that is not a short plain name "
            f"(letters, digits, spaces, - or _; at most {MAX_INTENT_CHARS} characters): {_sample(bad_intents)}."
        )
    rows = [(t, i) for t, i in rows if t.casefold() not in conflicts]
    if not rows:
        raise DataError("No usable rows: every row needs a text and an intent.")
    counts = Counter(i for _, i in rows)
    intents = [i for i in counts if i != OUT_OF_SCOPE]
    if len(intents) < MIN_INTENTS:
        raise DataError(
            f"The file has {_plural(len(intents), 'intent')}; a bot needs at least {MIN_INTENTS} topics to choose "
            "from (off-topic questions are handled for you)."
        )
    if len(intents) > MAX_INTENTS:
        raise DataError(
            f"The file has {len(intents):,} intents; this tool handles up to {MAX_INTENTS}. Merge similar topics, "
            "or check that the 'intent' column holds topic names and not the questions themselves."
        )
    too_few = sorted(i for i in intents if counts[i] < MIN_EXAMPLES)
    if too_few:
        raise DataError(
            f"These intents have fewer than {MIN_EXAMPLES} examples: {', '.join(too_few[:10])}"
            f"{' ...' if len(too_few) > 10 else ''}. Add a few more ways customers ask it (5 to 50 is best)."
        )
    few = sorted(i for i in intents if counts[i] < FEW_EXAMPLES)
    if few:
        warn.append(
            f"{_plural(len(few), 'intent')} have fewer than {FEW_EXAMPLES} examples ({', '.join(few[:8])}"
            f"{' ...' if len(few) > 8 else ''}): the bot will be less sure about them. 10 or more is better."
        )
    rng = random.Random(seed)
    capped = [i for i in counts if counts[i] > MAX_EXAMPLES_PER_INTENT]
    if capped:
        keep: dict[str, set[int]] = {}
        for intent in capped:
            idx = [k for k, (_, i) in enumerate(rows) if i == intent]
            keep[intent] = set(rng.sample(idx, MAX_EXAMPLES_PER_INTENT))
        rows = [r for k, r in enumerate(rows) if r[1] not in keep or k in keep[r[1]]]
        warn.append(
            f"{_plural(len(capped), 'intent')} have more than {MAX_EXAMPLES_PER_INTENT} examples; a random "
            f"{MAX_EXAMPLES_PER_INTENT} of each are used (more barely helps and slows training)."
        )
    if dupes:
        warn.append(f"{_plural(dupes, 'duplicate row')} (same text, same intent) were dropped.")
    if conflicts:
        warn.append(
            f"{_plural(len(conflicts), 'text')} appear under two different intents and were left out: "
            f"{_sample(sorted(conflicts))}. Decide which topic each belongs to."
        )
    if empty:
        warn.append(f"{_plural(empty, 'row')} had a text but no intent (or the reverse) and were skipped.")
    if formula:
        warn.append(
            f"{_plural(formula, 'cell')} start with =, +, - or @ like a spreadsheet formula; they are read as "
            "plain text, never evaluated."
        )
    if tags:
        warn.append(f"{_plural(tags, 'row')} contain HTML tags; the tags were removed and only the words are used.")
    if long:
        warn.append(
            f"{_plural(long, 'row')} are longer than {LONG_CHARS} characters; examples work best as one short "
            f"question (rows are cut at {MAX_CHARS:,} characters, and the model reads about the first 100 words)."
        )
    out.texts = [t for t, _ in rows]
    out.intents = [i for _, i in rows]
    return out


def read_examples(raw: bytes, seed: int = 0) -> Examples:
    """Bytes of an examples CSV (header text,intent) -> checked examples (DataError if unusable)."""
    text, warnings = decode(raw, "examples file")
    ex = check_examples(read_rows(text, (TEXT_HEADERS, INTENT_HEADERS), "examples file"), seed)
    ex.warnings[:0] = warnings
    return ex


def read_answers(raw: bytes, intents: list[str]) -> tuple[dict[str, str], list[str]]:
    """Bytes of an answers CSV (header intent,answer) -> ({intent: answer}, warnings)."""
    text, warnings = decode(raw, "answers file")
    pairs = read_rows(text, (INTENT_HEADERS, ANSWER_HEADERS), "answers file")
    return check_answers(pairs, intents, warnings)


def check_answers(
    pairs: list[tuple[str, str]], intents: list[str], warnings: list[str] | None = None
) -> tuple[dict[str, str], list[str]]:
    warnings = list(warnings or [])
    answers: dict[str, str] = {}
    unknown, tags, long = set(), 0, 0
    for raw_intent, raw_answer in pairs:
        intent, answer = normalise_intent(raw_intent), clean_cell(raw_answer)
        if not intent or not answer:
            continue
        if intent not in intents:
            unknown.add(intent[:40])
            continue
        if _TAG.search(answer):
            tags += 1
            answer = _SPACE.sub(" ", _TAG.sub(" ", answer)).strip()
        if len(answer) > MAX_ANSWER_CHARS:
            long += 1
            answer = answer[:MAX_ANSWER_CHARS]
        if answer:
            answers[intent] = answer
    if unknown:
        warnings.append(
            f"Answers for intents that are not in the examples were ignored: {', '.join(sorted(unknown)[:8])}."
        )
    if tags:
        warnings.append(f"{_plural(tags, 'answer')} contained HTML tags; they were removed (answers are plain text).")
    if long:
        warnings.append(f"{_plural(long, 'answer')} were cut at {MAX_ANSWER_CHARS:,} characters.")
    missing = [i for i in intents if i not in answers]
    if missing and len(missing) < len(intents):
        warnings.append(
            f"{_plural(len(missing), 'intent')} have no answer yet ({', '.join(missing[:6])}"
            f"{' ...' if len(missing) > 6 else ''}): the bot names the topic and offers a person from your team."
        )
    return answers, warnings


def _space_dir():
    from .. import SPACE_DIR

    return SPACE_DIR


EXAMPLE_CSV = _space_dir() / "examples" / "company_example.csv"
EXAMPLE_ANSWERS_CSV = _space_dir() / "examples" / "company_example_answers.csv"
