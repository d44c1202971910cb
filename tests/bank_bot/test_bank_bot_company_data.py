"""Checks on a company's own examples and answers: every kind of bad input gets a plain-language message."""

from __future__ import annotations

import pytest

from bankbot.company import data as cd
from bankbot.company.data import DataError, read_answers, read_examples


def csv_bytes(rows, header="text,intent", encoding="utf-8") -> bytes:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header.split(","))
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def company(n_intents=3, per_intent=6):
    return [(f"question {k} about topic {i} please", f"topic_{i}") for i in range(n_intents) for k in range(per_intent)]


def test_the_shipped_example_company_reads_cleanly():
    ex = read_examples(cd.EXAMPLE_CSV.read_bytes())
    assert len(ex.labels) >= 6 and ex.warnings == []
    answers, warnings = read_answers(cd.EXAMPLE_ANSWERS_CSV.read_bytes(), ex.labels)
    assert set(answers) < set(ex.labels)  # one intent is left without an answer on purpose: the default
    assert any("no answer yet" in w for w in warnings)


@pytest.mark.parametrize("raw", [b"", b"   \n\n", b"\xef\xbb\xbf"])
def test_empty_file(raw):
    with pytest.raises(DataError, match="empty"):
        read_examples(raw)


def test_header_only_has_no_usable_rows():
    with pytest.raises(DataError, match="No usable rows"):
        read_examples(b"text,intent\n")


@pytest.mark.parametrize("header", ["question,answer", "foo,bar", "text", "sentence,label2"])
def test_missing_columns_names_what_is_needed(header):
    with pytest.raises(DataError, match="'text' and 'intent'"):
        read_examples(csv_bytes([("a", "b")], header=header))


def test_header_aliases_and_semicolons_are_accepted():
    raw = "Question;Label\n" + "\n".join(f"{t};{i}" for t, i in company())
    assert len(read_examples(raw.encode()).labels) == 3


def test_one_intent_is_refused():
    with pytest.raises(DataError, match="at least 2"):
        read_examples(csv_bytes(company(1)))


def test_out_of_scope_rows_do_not_count_as_an_intent():
    rows = company(1) + [("what is the weather", "out_of_scope")] * 1 + [("tell me a joke", "out_of_scope")]
    with pytest.raises(DataError, match="at least 2"):
        read_examples(csv_bytes(rows))


def test_ten_thousand_intents_are_refused():
    rows = [(f"question number {i}", f"intent_{i}") for i in range(10_000)]
    with pytest.raises(DataError, match="10,000 intents"):
        read_examples(csv_bytes(rows))


def test_fifty_megabyte_file_is_refused_before_parsing():
    raw = b"text,intent\n" + b"x" * (50 * 1024 * 1024)
    with pytest.raises(DataError, match="50.* MB; the limit is 5 MB"):
        read_examples(raw)


def test_too_many_rows_is_refused():
    rows = [(f"q {i}", f"intent_{i % 50}") for i in range(cd.MAX_ROWS + 5)]
    with pytest.raises(DataError, match="more than 20,000 rows"):
        read_examples(csv_bytes(rows))


def test_windows_1252_is_read_with_a_warning():
    rows = company() + [("café opening hours for my résumé", "topic_0")]
    ex = read_examples(csv_bytes(rows, encoding="cp1252"))
    assert "café opening hours for my résumé" in ex.texts
    assert any("not UTF-8" in w for w in ex.warnings)


def test_utf16_with_bom_is_read():
    ex = read_examples(csv_bytes(company(), encoding="utf-16"))
    assert len(ex.texts) == 18 and not ex.warnings


def test_binary_file_is_refused():
    with pytest.raises(DataError, match="binary"):
        read_examples(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)


def test_formulas_are_plain_text_and_flagged():
    rows = company() + [('=HYPERLINK("http://x.example","click")', "topic_1"), ("@SUM(A1:A9) refund", "topic_2")]
    ex = read_examples(csv_bytes(rows))
    assert any("formula" in w for w in ex.warnings)
    assert all(not t.startswith(("=", "@")) for t in ex.texts)


def test_formula_as_intent_name_is_refused():
    rows = company() + [("my question", "=cmd|' /C calc'!A0")] * 3
    with pytest.raises(DataError, match="intent name"):
        read_examples(csv_bytes(rows))


def test_html_in_examples_is_stripped_and_flagged():
    rows = company() + [("<b>where</b> is my <script>alert(1)</script> parcel", "topic_0")]
    ex = read_examples(csv_bytes(rows))
    assert any("HTML" in w for w in ex.warnings)
    assert not any("<" in t for t in ex.texts)


def test_html_as_intent_name_is_refused():
    rows = company() + [("hello there", "<img src=x onerror=alert(1)>")] * 3
    with pytest.raises(DataError, match="intent name"):
        read_examples(csv_bytes(rows))


def test_duplicates_are_dropped_and_conflicts_left_out():
    rows = company() + [("question 0 about topic 0 please", "topic_0"), ("Question 1 about topic 0 please", "topic_2")]
    ex = read_examples(csv_bytes(rows))
    assert any("duplicate" in w for w in ex.warnings)
    assert any("two different intents" in w for w in ex.warnings)
    assert "question 1 about topic 0 please" not in [t.casefold() for t in ex.texts]


def test_too_few_examples_is_an_error_and_few_a_warning():
    rows = company(3, 6) + [("only one", "lonely"), ("only two", "lonely")]
    with pytest.raises(DataError, match="fewer than 3 examples: lonely"):
        read_examples(csv_bytes(rows))
    ex = read_examples(csv_bytes(company(3, 6) + [(f"ask {k}", "small") for k in range(3)]))
    assert any("fewer than 5" in w for w in ex.warnings)


def test_overlong_rows_are_cut_and_flagged():
    ex = read_examples(csv_bytes(company() + [("word " * 1000, "topic_0")]))
    assert any("longer than 300" in w for w in ex.warnings)
    assert max(len(t) for t in ex.texts) <= cd.MAX_CHARS


def test_huge_intents_are_sampled():
    rows = company(2, 6) + [(f"many {k}", "big") for k in range(cd.MAX_EXAMPLES_PER_INTENT + 50)]
    ex = read_examples(csv_bytes(rows))
    assert ex.counts()["big"] == cd.MAX_EXAMPLES_PER_INTENT


def test_intent_names_are_normalised():
    rows = [(f"q {k} {i}", name) for k in range(5) for i, name in enumerate(["Opening Hours", "Lost-Luggage"])]
    assert read_examples(csv_bytes(rows)).labels == ["lost-luggage", "opening_hours"]


def test_broken_quoting_is_a_clear_error():
    raw = b'text,intent\n"unterminated quote, topic_0\n' + b"x" * 200_000
    with pytest.raises(DataError):
        read_examples(raw)


def test_answers_checks():
    labels = ["topic_0", "topic_1"]
    raw = csv_bytes(
        [("topic_0", "<b>Open</b> 9 to 5"), ("unknown", "x"), ("Topic 1", "y" * 3000)], header="intent,answer"
    )
    answers, warnings = read_answers(raw, labels)
    assert answers["topic_0"] == "Open 9 to 5" and len(answers["topic_1"]) == cd.MAX_ANSWER_CHARS
    assert any("not in the examples" in w for w in warnings) and any("HTML" in w for w in warnings)
    with pytest.raises(DataError, match="'intent' and 'answer'"):
        read_answers(csv_bytes([("a", "b")], header="x,y"), labels)
