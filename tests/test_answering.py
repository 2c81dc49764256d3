"""The answering seam, part by part, without a model: value equality and the conflict rules
(table-driven), the policy's decisions at their thresholds, the verifier dropping what its span
does not support, and a conversation analysed once per turn."""

from __future__ import annotations

import json
from typing import Any

import pytest

from assistant.answering import Candidate, Policy, conversation
from assistant.answering.policy import by_rule, differ, figures_differ, restated
from assistant.answering.scoring import Calibration, Logistic
from assistant.answering.verify import verify
from assistant.language import lexical
from assistant.language.entities import Span, answer_spans, same_value
from assistant.language.question import analyze
from assistant.records import Document, Draft, Segment


def span(kind: str, key: str, text: str = "x") -> Span:
    return Span(kind, 0, len(text), text, key)


@pytest.mark.parametrize(("a", "b", "same"), [
    (span("date", "????-04-29"), span("date", "2015-04-29"), True),  # "April 29" is a partial "April 29, 2015"
    (span("date", "2015-04-29"), span("date", "2016-04-29"), False),
    (span("date", "2015"), span("date", "2015-04-29"), True),  # a year is a coarser form of the day
    (span("date", "2015-04"), span("date", "2015-05-01"), False),
    (span("name", "simona halep"), span("name", "halep"), True),  # names share a word
    (span("name", "simona halep"), span("speaker", "halep"), True),
    (span("name", "maria lopez"), span("name", "anna berg"), False),
    (span("figure", "1990000|count"), span("figure", "1990000|count"), True),
    (span("figure", "1990000|count"), span("figure", "1820000|count"), False),
    (span("figure", "1600000|count"), span("date", "1600000|count"), True),  # other kinds compare keys
    (span("name", "japan"), span("figure", "japan"), True),
])
def test_same_value(a: Span, b: Span, same: bool) -> None:
    assert same_value(a, b) is same and same_value(b, a) is same


def cand(text: str, question: str, title: str, prob: float = 0.5, **features: float) -> Candidate:
    doc = Document(id=title, text=text, sha256="-", name=title)
    spans = tuple(answer_spans(text, analyze(question)))
    f = {"lex": 0.5, "near": 0.5, **features}
    return Candidate(doc, 0, len(text), f, prob, spans, terms=frozenset(lexical.terms(text)))


CARS = "How many cars did Japan export to the United States last year?"
PRIZE = "Who won the Zorgon prize?"


@pytest.mark.parametrize(("q", "a", "b", "figures", "restate", "rule", "differs"), [
    (CARS, "Japan exported 1.99 million cars last year.", "Japan exported 1.82 million cars last year.",
     True, True, True, True),
    (CARS, "Japan exported 1.99 million cars last year.", "About 1.99 million cars went to the U.S. last year.",
     False, False, False, False),  # the same figure, other words: agreement
    (CARS, "Japan exported 1.99 million cars last year.", "Japan held a 21 percent share of the market.",
     False, False, False, False),  # a count and a percentage are not rival answers
    (PRIZE, "The Zorgon prize was won by Maria Lopez.", "The Zorgon prize was won by Anna Berg.",
     False, True, True, True),  # the same sentence with another name
    (PRIZE, "The Zorgon prize was won by Maria Lopez.", "Anna Berg chaired the jury in Geneva that year.",
     False, False, False, True),  # rival names; whether it is a conflict is the fitted model's call
])
def test_conflict_rules(q: str, a: str, b: str, figures: bool, restate: bool, rule: bool, differs: bool) -> None:
    x, y = cand(a, q, "a"), cand(b, q, "b")
    assert figures_differ(x, y) is figures
    assert restated(x, y) is restate
    assert by_rule(x, y) is rule
    assert differ(x, y) is differs


def policy(found_threshold: float = 0.5, pair_threshold: float = 0.5) -> Policy:
    sentence = Logistic(("lex",), (4.0,), -2.0)
    found = Logistic(("score",), (1.0,), 0.0, found_threshold)
    pair = Logistic(("sim",), (0.0,), -30.0, pair_threshold)  # the model never says conflict
    return Policy(Calibration("test", sentence, found, pair, keep_ratio=0.5))


def test_policy_ranks_by_probability_then_position() -> None:
    low, high, tie = (cand("a b.", CARS, "z", lex=0.1), cand("c d.", CARS, "y", lex=0.9),
                      cand("e f.", CARS, "a", lex=0.1))
    ranked = policy().rank([low, high, tie])
    assert [c.doc.id for c in ranked] == ["y", "a", "z"]
    assert ranked[0].prob == round(1 / (1 + 2.718281828459045 ** -(4 * 0.9 - 2)), 6)


def test_the_reader_reads_only_the_best_few_under_the_model_without_it() -> None:
    prerank = Logistic(("lex",), (4.0,), -2.0)
    sentence = Logistic(("lex", "reader"), (1.0, 8.0), -4.0)
    cal = Calibration("test", sentence, Logistic(bias=30.0), prerank=prerank)
    cands = [cand(f"Sentence {i}.", CARS, f"d{i}", lex=i / 10, reader=0.0) for i in range(12)]
    asked: list[list[str]] = []

    def read(sentences: list[Candidate]) -> list[float]:
        asked.append([c.text for c in sentences])
        return [0.9 if c.text == "Sentence 5." else 0.1 for c in sentences]  # the reader prefers a middling one

    ranked = Policy(cal).rank(cands, read)
    # READ_TOP = 8 sentences, the best under the model without the reader, in one batch
    assert len(asked) == 1 and sorted(asked[0]) == sorted(f"Sentence {i}." for i in range(4, 12))
    assert ranked[0].doc.id == "d5"  # its reading outweighs the word overlap
    assert {c.doc.id: c.features["reader"] for c in ranked}["d0"] == 0.0  # not read: 0
    assert Policy(cal).rank(cands)[0].doc.id == "d11"  # no reader given: nothing read
    plain = Calibration("test", prerank, Logistic(bias=30.0))  # a model without the reader never reads
    assert not plain.reads and Policy(plain).rank(cands, read)[0].doc.id == "d11" and len(asked) == 1


def test_a_calibration_with_the_reader_round_trips_its_json() -> None:
    from assistant.answering.candidates import FEATURES
    from assistant.answering.policy import FOUND_FEATURES, PAIR_FEATURES

    cal = Calibration("m", Logistic(("lex", "reader"), (1.0, 2.0), -1.0), Logistic(("score",), (1.0,), 0.0, 0.4),
                      prerank=Logistic(("lex",), (3.0,), -1.5))
    back = Calibration.from_dict(json.loads(cal.to_json()), FEATURES, FOUND_FEATURES, PAIR_FEATURES)
    assert back == cal and back.reads


def test_found_is_the_threshold_inclusive() -> None:
    p = policy(found_threshold=0.6)
    assert p.found(0.6) and not p.found(0.599999)


def test_a_rule_conflict_is_flagged_whatever_the_model_says() -> None:
    p = policy()
    ranked = p.rank([cand("Japan exported 1.99 million cars last year.", CARS, "a", lex=0.9),
                     cand("Japan exported 1.82 million cars last year.", CARS, "b", lex=0.9)])
    sides, conflict_p = p.conflict_sides(ranked)
    assert [c.doc.id for c in sides] == ["a", "b"] and conflict_p == 1.0
    agree = p.rank([cand("Japan exported 1.99 million cars last year.", CARS, "a", lex=0.9),
                    cand("About 1.99 million cars went to the U.S. last year.", CARS, "b", lex=0.9)])
    assert p.conflict_sides(agree) == ([], None)


DOC = Document("a.txt", "Japan exported 1.99 million cars. Taizo Watanabe said so.", "-")


def seg(claim: str, start: int, end: int, **kw: Any) -> Segment:
    return Segment(claim, DOC, start, end, 0.9, **kw)


def test_verify_drops_a_fabricated_claim_and_what_leans_on_it() -> None:
    true = seg("Japan exported 1.99 million cars.", 0, 33)
    invented = seg("Japan exported 2.5 million cars.", 0, 33)  # not in its span
    wrong_figure = seg("1.9 million", 0, 33)  # a figure the span does not give ("1.9" is not "1.99")
    note = seg("Taizo Watanabe", 34, 48, supports=1, label="he")  # annotates the invented claim
    out = verify(Draft(True, [true, invented, note, wrong_figure], found_p=0.8))
    assert out.segments == [true] and out.found and out.found_p == 0.8
    nothing = verify(Draft(True, [invented], found_p=0.7))
    assert not nothing.found and nothing.segments == [] and nothing.found_p == 0.7
    outside = verify(Draft(True, [seg("cars", 40, 999)]))  # a span past the document's end
    assert not outside.found


def test_a_pdf_line_break_inside_a_claim_is_shown_as_a_space_and_offsets_stay_exact() -> None:
    from assistant.answering.verify import render

    pdf = Document("f.pdf", "Japan exported 1.99\nmillion cars\n\nlast year.", "-")
    draft = verify(Draft(True, [Segment(pdf.text, pdf, 0, len(pdf.text), 0.9)]))
    answer = render("How many?", draft, {})
    assert answer.claims[0].text == "Japan exported 1.99 million cars last year."
    assert answer.citations[0].quote == pdf.text and answer.citations[0].end == len(pdf.text)
    moved = Segment("1.99 million cars", pdf, 0, len(pdf.text), 0.9)  # not in the text with those spaces
    assert verify(Draft(True, [moved])).found and not verify(Draft(True, [
        Segment("1.99 millioncars", pdf, 0, len(pdf.text), 0.9)])).found  # squashing never joins words


def test_a_conversation_is_analysed_once_per_turn(monkeypatch: pytest.MonkeyPatch, fake_bot) -> None:  # type: ignore[no-untyped-def]
    calls: dict[str, int] = {"analyze": 0, "is_follow_up": 0}
    real_analyze, real_follow = conversation.analyze, conversation.is_follow_up

    def counted_analyze(q: str):  # type: ignore[no-untyped-def]
        calls["analyze"] += 1
        return real_analyze(q)

    def counted_follow(q: str) -> bool:
        calls["is_follow_up"] += 1
        return real_follow(q)

    monkeypatch.setattr(conversation, "analyze", counted_analyze)
    monkeypatch.setattr(conversation, "is_follow_up", counted_follow)
    history: list[conversation.Turn] = []
    for q in ["Who is Takashi Ishihara?", "What did his spokesman say?", "And what did he say about quotas?"]:
        history.append(fake_bot.ask(q, history))
    assert calls == {"analyze": 3, "is_follow_up": 2}  # the first turn has nothing to lean on
    assert [t.follows for t in history] == [False, True, True]
    assert history[2].query == ("And what did he say about quotas? What did his spokesman say? "
                                "Who is Takashi Ishihara?")  # leans two back, as the answerer does
    assert history[2].previous is history[1].answer


@pytest.mark.parametrize(("question", "follows"), [
    # elliptical or anaphoric: they lean on the turn before
    ("Who said that?", True), ("Who said it?", True), ("What did his spokesman say?", True),
    ("What did he say about quotas?", True), ("Why?", True), ("And in 1980?", True),
    ("What else did he say?", True), ("How much did it cost?", True), ("Why did they reject it?", True),
    ("What did the ministry say about it?", True), ("Was it higher than in 1980?", True),
    ("Who said it would be 1.6 million?", True),
    # whole questions: an "it" or "that" that points at nothing earlier
    ("Who said it is simply unfair to blame Japan?", False),
    ("Who said it was a mistake to limit exports?", False),
    ("Who said that the quota was unfair?", False),
    ("How many cars did Japan export to the United States last year?", False),
    ("What did the Reagan administration expect Japan to do?", False),
    ("Who is Takashi Ishihara?", False),
])
def test_a_question_is_a_follow_up_only_when_it_leans_on_the_turn_before(question: str, follows: bool) -> None:
    assert conversation.is_follow_up(question) is follows


def test_a_question_about_the_text_beside_a_table_is_not_answered_by_a_cell() -> None:
    """"Of the 50 restaurants acquired in 2017, how many were sold?" names a row ("Restaurants
    sold to franchisees") but asks about what the text says of acquired ones: the words the cell's
    headers leave out, and the text uses, send the answer to the text."""
    from assistant.answering.cells import elsewhere
    from assistant.documents.tables import bar_tables, headers

    text = ("Of the 50 restaurants acquired in 2017, 42 were sold to franchisees.\n\n"
            "Restaurants | 2018 | 2017\nRestaurants sold to franchisees | 135 | 178\n")
    (table,) = bar_tables(text)
    doc = Document("r.txt", text, "x", tables=(table,))
    under = headers(table, text, 1, 2)
    assert under == ("Restaurants sold to franchisees", "2017")
    assert elsewhere(analyze("Of the 50 restaurants acquired in 2017, how many were sold to franchisees?"),
                     doc, table, under) == {"50", "acquir"}
    assert elsewhere(analyze("How many restaurants were sold to franchisees in 2017?"), doc, table, under) == set()
