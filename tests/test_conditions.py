"""The question's own conditions, checked before any answer is chosen (issue 32): a person, place,
organisation or year that no document found mentions is a refusal naming it; the documents' own
words (a form of the name, an acronym spelled out, a defined term) still let an answer through."""

from __future__ import annotations

import pytest

from assistant.answering.candidates import Candidate
from assistant.answering.conditions import unmentioned_name
from assistant.language.question import analyze
from assistant.records import STRICTNESS, Answer, Document

FILING = ("Annual report of Kestrel Holdings\n\nThe Company's common stock trades on the NASDAQ Global Select "
          "Market. Property, plant and equipment rose in 2019. Revenue in the United States grew; sales in "
          "American stores and at the U.S. outlets rose by USD 3 million in FY2019.")


def _name_condition(question: str, text: str = FILING) -> tuple[str, str] | None:
    doc = Document("r.txt", text, "x")
    why = unmentioned_name(analyze(question), [Candidate(doc, 0, len(text), {}, 0.5)])
    return None if why is None else (why.kind, why.text)


@pytest.mark.parametrize(("question", "kind", "named"), [
    ("What did Kiichi Miyazawa say about car exports?", "person", "Kiichi Miyazawa"),
    ("How many Japanese cars were sold in Germany?", "place", "Germany"),
    ("What was Toyota's profit in 1980?", "name", "Toyota"),
    ("What did the Bank of Japan decide?", "name", "Bank of Japan"),
])
def test_a_name_no_document_mentions_is_refused_by_name_at_every_level(fake_bot, question, kind, named):
    for level in STRICTNESS:
        a = fake_bot.ask(question, strictness=level).reply
        assert not a.found and not a.claims, level
        assert [(r.kind, r.text) for r in a.refused_for] == [(kind, f"None of the documents found mention {named}.")]
        assert a.found_p is None  # a condition decided, not the found model
        assert Answer.from_dict(a.to_dict()) == a


def test_a_refusal_by_name_is_said_to_people(fake_bot):
    from assistant.answering.present import answer_text

    text = answer_text(fake_bot.ask("How many Japanese cars were sold in Germany?").reply)
    assert text.startswith("Not found in the documents: None of the documents found mention Germany.")


@pytest.mark.parametrize("question", [
    "Which market is the Company's common stock traded in?",  # a defined term, not a name
    "What was the change in PPE in 2019?",  # spelled out: Property, plant and equipment
    "How much did revenue in America grow?",  # "American"
    "What did US outlets sell?",  # "U.S."
    "What was revenue in USD in FY2019?",  # a currency code and a period are not names
    "Summarize the discussion about revenue.",  # a sentence's first word is capitalised anyway
    "We ask about Kestrel. Please compute the revenue growth.",
    "Which market lists Kestrel Holdings' stock?",
    "Which market lists the Kestrel Holdings Group stock?",  # a long name: one word may be missing
])
def test_the_documents_own_words_let_a_question_through(question):
    assert _name_condition(question) is None


@pytest.mark.parametrize(("question", "named"), [
    ("What was the change in PPE at Falcon Corp in 2019?", "Falcon Corp"),
    ("What was the change in EBITDA in 2019?", "EBITDA"),  # an acronym the text never spells out
    ("What did the Falcon Kestrel Group report?", "Falcon Kestrel Group"),  # two of its three words missing
    ("How much did revenue in Canada grow?", "Canada"),
    ("What is the price of a Honda Civic?", "Honda Civic"),  # a word of it: "Honda" alone is not the car
])
def test_a_name_the_documents_lack_is_named(question, named):
    assert _name_condition(question) is not None and _name_condition(question)[1].endswith(f"mention {named}.")


def test_nothing_found_is_no_condition():
    assert unmentioned_name(analyze("What did Kiichi Miyazawa say?"), []) is None
