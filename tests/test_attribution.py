"""Attribution: who says what, found with spaCy's parse, and "he" / "the spokesman" resolved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.attribution import Attribution, extract
from assistant.chunking import sentence_spans
from assistant.core import Assistant
from assistant.present import UNNAMED_LEAD, answer_text
from assistant.question import analyze
from assistant.records import UNNAMED

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _atts(text: str) -> list[Attribution]:
    return extract(text, sentence_spans(text))


def _said(text: str, words: str) -> Attribution:
    """The attribution whose content holds ``words``."""
    at = text.index(words)
    return next(a for a in _atts(text) if a.content[0] <= at < a.content[1])


def test_named_speaker_with_the_role_the_text_gives() -> None:
    text = (CORPUS / "001_52db62ef3900da48.txt").read_text(encoding="utf-8")
    a = _said(text, "It is simply unfair to blame Japan")
    assert a.how == "named" and a.speaker is not None
    assert a.speaker.name == "Taizo Watanabe"
    assert a.speaker.role == "a spokesman for the Ministry of Foreign Affairs"
    assert text[a.speaker.start : a.speaker.end] == "Taizo Watanabe"


def test_he_is_resolved_to_the_person_last_quoted() -> None:
    text = (CORPUS / "001_52db62ef3900da48.txt").read_text(encoding="utf-8")
    a = _said(text, "in recent years Japan had been pressured")
    assert text[a.source[0] : a.source[1]] == "He"
    assert a.how == "pronoun" and a.speaker is not None and a.speaker.name == "Taizo Watanabe"


def test_a_source_the_text_does_not_name_stays_unnamed() -> None:
    text = (CORPUS / "000_936d9f47e3d9f400.txt").read_text(encoding="utf-8")
    a = _said(text, "That is not negotiable at all")
    assert a.how == "unnamed" and a.speaker is None
    assert a.source_text(text).startswith("an official of the Ministry of International trade")


def test_gender_and_surname_from_the_text() -> None:
    text = ("Mr. John Smith met Mrs. Ann Jones in Paris on Monday. Smith said the talks went well. "
            "Jones said little. She told reporters the deal was close. He said nothing more.")
    atts = {text[a.source[0] : a.source[1]]: a for a in _atts(text)}
    assert atts["Smith"].speaker is not None and atts["Smith"].speaker.name == "John Smith"
    assert atts["She"].speaker is not None and atts["She"].speaker.name == "Ann Jones"
    assert atts["He"].speaker is not None and atts["He"].speaker.name == "John Smith"


def test_a_record_round_trips_through_its_json() -> None:
    text = (CORPUS / "001_52db62ef3900da48.txt").read_text(encoding="utf-8")
    for a in _atts(text):
        assert Attribution.from_dict(json.loads(json.dumps(a.to_dict()))) == a


def test_prose_without_cues_is_not_parsed() -> None:
    assert _atts("Revenue rose to $4.2 billion in 2023. Margins were 12 percent.") == []


@pytest.mark.parametrize("q", ["According to whom, the quota is not negotiable?",
                               "Who said “it is simply unfair to blame Japan”?", "Who wrote that the talks failed?"])
def test_who_said_questions_ask_for_the_speaker(q: str) -> None:
    assert (analyze(q).expects, analyze(q).subtype) == ("name", "speaker")


@pytest.mark.model
def test_who_said_names_the_speaker_and_role_first(bot: Assistant) -> None:
    reply = bot.ask("Who said “it is simply unfair to blame Japan for this situation”?", []).reply
    first = reply.claims[0]
    assert first.role == "answer" and first.text.startswith("Taizo Watanabe, a spokesman for the Ministry")
    cite = reply.citation(first.n)
    assert cite is not None and cite.quote == first.text  # verified like every claim: a span of the text
    assert any("simply unfair to blame Japan" in c.text for c in reply.claims[1:])


@pytest.mark.model
def test_an_unnamed_source_is_said_to_be_unnamed(bot: Assistant) -> None:
    reply = bot.ask("According to whom is the figure “not negotiable at all”?", []).reply
    first = reply.claims[0]
    assert first.role == "answer" and first.label == UNNAMED
    assert first.text.startswith("an official of the Ministry")
    assert answer_text(reply).startswith(UNNAMED_LEAD)
