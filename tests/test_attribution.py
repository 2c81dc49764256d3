"""Attribution: who says what, found with spaCy's parse, and "he" / "the spokesman" resolved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answering.present import UNNAMED_LEAD, answer_text
from assistant.core import Assistant
from assistant.documents.chunking import sentence_spans
from assistant.language.attribution import Attribution, extract
from assistant.language.question import analyze
from assistant.records import UNNAMED, squash

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
    assert cite is not None and first.text in squash(cite.quote)  # verified like every claim: inside its sentence
    assert any("simply unfair to blame Japan" in c.text for c in reply.claims[1:])


@pytest.mark.model
def test_an_unnamed_source_is_said_to_be_unnamed(bot: Assistant) -> None:
    reply = bot.ask("According to whom, “that is not negotiable at all”?", []).reply
    first = reply.claims[0]
    assert first.role == "answer" and first.label == UNNAMED
    assert first.text.startswith("an official of the Ministry")
    assert answer_text(reply).startswith(UNNAMED_LEAD)


def test_quotes_signed_with_a_dash_are_attributed_to_the_signer() -> None:
    text = "Voices.\n“Fear. I am truly afraid.” ― Edwin G. Monroy “Maybe, a wall.”\n―\u00a0Steve Quinlan.\n"
    got = [(a.speaker.name if a.speaker else None, text[a.content[0] : a.content[1]]) for a in _atts(text)]
    assert got == [("Edwin G. Monroy", "“Fear. I am truly afraid."), ("Steve Quinlan", "“Maybe, a wall.")]


def test_transcript_lines_are_said_by_their_label() -> None:
    lines = ["PhD A: I think the mic is fine.", "Grad B: The back-end needs work.", "PhD A: Agreed, mostly.",
             "Professor C: Let us move on.", "Grad B: Fine.", "PhD A: One more thing about the data."]
    text = "\n".join(lines) + "\n"
    who = [a.speaker.name for a in _atts(text) if a.speaker and text[a.source[0] : a.source[1]] == a.speaker.name]
    assert who == ["PhD A", "Grad B", "PhD A", "Professor C", "Grad B", "PhD A"]
    assert _atts("Note: figures are unaudited.\nRevenue rose.\n") == []  # one label is not a transcript


@pytest.mark.parametrize(("q", "by"), [("What did Taizo Watanabe say about blaming Japan?", "Taizo Watanabe"),
                                       ("How did PhD B approach the back-end?", "PhD B"),
                                       ("According to Mansfield, how many cars?", "Mansfield"),
                                       ("What did the group talk about?", "")])
def test_what_did_x_say_names_the_speaker(q: str, by: str) -> None:
    assert analyze(q).said_by == by


def test_what_else_did_he_say_asks_about_the_speaker_just_named() -> None:
    from assistant.answering.conversation import answered, begin
    from assistant.records import Answer, Citation, Claim

    first = begin("What did Mansfield say about the quota?", [])
    assert begin("What else did he say?", [first]).resolved.said_by == "Mansfield"
    who = begin("Who said “that is not negotiable”?", [])
    cite = Citation(1, "000.txt", 0, 14, "Taizo Watanabe", 1.0)
    said = answered(who, Answer(who.question, True, (Claim("Taizo Watanabe", 1, "answer"),), (cite,)))
    assert begin("What else did he say?", [said]).resolved.said_by == "Taizo Watanabe"


@pytest.mark.model
def test_what_else_did_he_say_quotes_another_statement_of_the_same_speaker(bot: Assistant) -> None:
    first = bot.ask("Who said “it is simply unfair to blame Japan for this situation”?", [])
    reply = bot.ask("What else did he say?", [first]).reply
    assert reply.found and not any("simply unfair" in c.text for c in reply.claims)
    quoted = [reply.citation(c.n) for c in reply.claims if c.role == "quote"]
    assert quoted and all(c is not None and c.source.startswith("001") for c in quoted)
    assert "Watanabe" in answer_text(reply)  # named, or "he" explained as Taizo Watanabe


def test_the_nominee_is_the_one_whose_role_also_matches_its_adjective() -> None:
    text = ("Democratic presidential nominee Hillary Clinton spoke in Ohio. Republican nominee Donald Trump said "
            "she lies. The Democratic nominee said he was a fraud.")
    a = _said(text, "he was a fraud")
    assert a.how == "nominal" and a.speaker is not None and a.speaker.name == "Hillary Clinton"
    assert a.speaker.role == "Democratic presidential nominee"


@pytest.mark.parametrize(("sentence", "figure", "read"), [
    ("Our offices occupy an owned facility of approximately 150,000 square feet.", "150,000",
     "approximately 150,000 square feet"),
    ("The plant produced more than 48,250 turbines in 2023.", "48,250", "more than 48,250 turbines"),
    ("Japan exported 1.82 million cars to the United States.", "1.82 million", "1.82 million cars"),
    ("Maintenance costs fell to 7.5 million euros.", "7.5 million euros", "7.5 million euros"),
    ("Sales rose 12 percent, to $4 billion.", "$4 billion", "$4 billion"),  # nothing attached: as found
])
def test_a_figure_is_read_with_its_qualifier_and_what_it_counts(sentence: str, figure: str, read: str) -> None:
    from assistant.answering.values import quantity

    a = sentence.index(figure)
    x, y = quantity(sentence, a, a + len(figure))
    assert sentence[x:y] == read


@pytest.mark.model
def test_a_figure_question_is_answered_with_the_figure_first(bot: Assistant) -> None:
    """The short answer first when the cited sentence holds exactly one figure of the asked kind:
    a claim of its own, inside the quote it cites (verified like every claim). The noun the figure
    counts is said only when the question does not name it already ("21 percent", not "21
    percent share", for "What share ...?")."""
    reply = bot.ask("What share of the U.S. market did Japan reach last year?", []).reply
    first, quote = reply.claims[0], reply.claims[1]
    assert (first.role, first.text) == ("answer", "21 percent")
    cite = reply.citation(first.n)
    assert cite is not None and first.n == quote.n and first.text in squash(cite.quote)
    assert answer_text(reply).startswith("21 percent: If Japan merely kept its 21 percent share")


QUOTED = ("An attorney for Pagliano, Mark MacDougall, said his client was ready to appear.\n\n"
          "\"Bryan already asserted his Fifth Amendment right on the record. He was ready to do it again today. "
          "That's all there is to it,\" MacDougall said in a statement.\n\n"
          "He said:\n\n\"We have a situation where we have our inner cities.\"\n")


def test_every_sentence_of_a_long_quote_is_said_by_whom_the_quote_is_attributed_to() -> None:
    """Inside a quotation of several sentences the speaker is the one named where it closes (or
    opens), not a name its own words report ('Bryan already asserted ...')."""
    from assistant.answering.candidates import _quoted_by

    spans = sentence_spans(QUOTED)
    atts = extract(QUOTED, spans)
    k = next(i for i, (s, e) in enumerate(spans) if QUOTED[s:e].startswith('"Bryan'))
    said, wholly = _quoted_by(QUOTED, spans, k, atts)
    assert wholly  # so it outranks the sentence's own "Bryan ... asserted"
    assert [a.speaker.name for a in said if a.speaker] == ["Mark MacDougall"]
    assert any(a.speaker and a.speaker.name == "Bryan" for a in atts if spans[k][0] <= a.cue[0] < spans[k][1])
    w = next(i for i, (s, e) in enumerate(spans) if QUOTED[s:e].startswith('"We have'))
    assert _quoted_by(QUOTED, spans, w, atts) == ((), False)  # one sentence, the cue before it: not this rule


def test_he_is_never_a_person_his_own_statement_names_after_him() -> None:
    """'He said Obama hopes ...': he is not Obama, though Obama was the last person quoted."""
    text = ("Barack Obama said the trip was useful. Josh Earnest, the White House spokesman, briefed reporters "
            "on the plane. He said Obama hopes that his successor will push for the same goals.")
    he = next(a for a in extract(text, sentence_spans(text)) if text[a.source[0] : a.source[1]] == "He")
    assert he.how == "pronoun" and he.speaker is not None and he.speaker.name == "Josh Earnest"


def test_commented_is_a_reporting_cue_so_he_is_the_one_who_commented() -> None:
    """'Trump has also commented on ...' quotes Trump: the next "he told a crowd" is Trump, not
    the last person quoted before him."""
    text = ("Officer Betty Shelby said the driver refused to follow commands. Donald Trump has also commented on "
            "the death. On Wednesday, he told a crowd in Cleveland that he was troubled by the situation.")
    atts = extract(text, sentence_spans(text))
    he = next(a for a in atts if text[a.source[0] : a.source[1]] == "he" and text[a.cue[0] : a.cue[1]] == "told")
    assert he.speaker is not None and he.speaker.name == "Donald Trump"


@pytest.mark.parametrize(("sentence", "date", "read"), [
    ("In the third quarter of 2019, the company opened a plant in Ohio.", "2019", "the third quarter of 2019"),
    ("The storm moved offshore on December 12, and later passed Long Island.", "December 12", "December 12"),
    ("The Rams beat the Titans, their first championship since 1951.", "1951", None),  # a bound, not when
    ("Sales will grow until 2030.", "2030", None),
])
def test_a_date_is_read_as_the_text_says_it_and_a_bound_is_not_a_date(sentence: str, date: str,
                                                                      read: str | None) -> None:
    from assistant.answering.values import date_phrase

    a = sentence.index(date)
    got = date_phrase(sentence, a, a + len(date))
    assert (sentence[got[0]:got[1]] if got else None) == read


def test_a_capitalised_pair_is_a_person_only_where_the_parse_says_so() -> None:
    """ "Who is the lead actress?" is not answered "Outstanding Performance"."""
    from assistant.answering.values import is_person

    award = "The nomination was for Outstanding Performance By A Female Actor In A Leading Role."
    played = "The grandfather was played by Jack Albertson in the film."
    assert not is_person(award, award.index("Outstanding"), award.index(" By"))
    assert is_person(played, played.index("Jack"), played.index(" in the"))


@pytest.mark.parametrize(("q", "wants"), [
    ("How many cars did Japan export last year?", True),
    ("Who is the lead actress in The Shape of Water?", True),
    ("When did the storm hit?", True),
    ("What did Morneau say about the debt?", False),  # asks what was said, not a value
    ("What did Huw Davies think about capacity in 2016 when talking about childcare?", False),
    ("Summarize the Project Manager's perspective on the prototype.", False),
    ("Why did exports fall?", False),
])
def test_a_short_answer_is_given_only_to_a_question_that_asks_for_one_value(q: str, wants: bool) -> None:
    assert analyze(q).wants_value is wants
