"""The numbered answer properties of issue 2, on the real model and the three articles."""

from __future__ import annotations

import pytest

from assistant.answering.present import answer_json
from assistant.answering.present import answer_text as text
from assistant.errors import QuestionError
from assistant.language.figures import contains_figure, quantities

from .answer_checks import assert_every_claim_is_in_its_citation, decisions

pytestmark = pytest.mark.model

FIGURES = [
    # question, figure as the passage states it, article that states it
    ("What share of the U.S. car market did Japan hold last year?", "21 percent", "002"),
    ("How many auto sales do American representatives project this year?", "9.5 million", "002"),
    ("What starting figure will Hormats use in the negotiations?", "1.4 million", "001"),
    ("How much higher are wages at U.S. auto companies than the industrial average?", "60 percent", "001"),
    ("How many car sales would Japanese makers sacrifice by holding to 1.82 million?", "200,000", "002"),
    ("What cut in auto exports did the Reagan administration reportedly request?", "20 percent", "000"),
    ("What level of exports are the Japanese said to favor?", "1.8 million", "000"),
]


@pytest.mark.parametrize(("question", "figure", "source"), FIGURES)
def test_figure_is_stated_exactly_as_in_the_cited_passage(bot, question, figure, source):
    reply = bot.ask(question).answer
    assert reply.found, text(reply)
    assert figure in text(reply)  # verbatim, not reformatted
    assert any(c.source.startswith(source) and figure in c.quote for c in reply.citations)
    assert_every_claim_is_in_its_citation(reply)


def test_letter_l_figure_is_quoted_verbatim(bot):
    reply = bot.ask("What reduction in exports from last year to this year would require a deeper slash?").answer
    assert reply.found
    assert "l.6 million" in text(reply) and contains_figure(text(reply), "1.6 million")
    assert_every_claim_is_in_its_citation(reply)


def test_speaker_is_named_when_the_passage_names_them(bot):
    reply = bot.ask("Who said the U.S. request was not negotiable at all?").answer
    assert "Ministry of International trade and Industry" in text(reply)
    reply = bot.ask("What did the Nissan spokesman say about Ishihara's opinion?").answer
    assert "a spokesman for the company" in text(reply) and "out of the question" in text(reply)


def test_he_is_resolved_to_the_person_named_earlier(bot):
    first = bot.ask("What did Taizo Watanabe say about blaming Japan?")
    assert "Taizo Watanabe" in text(first.answer)
    reply = bot.ask("What did he say about quotas?", history=[first]).answer
    assert "dismal" in text(reply)
    assert '("he" is Taizo Watanabe, a spokesman for the Ministry of Foreign Affairs' in text(reply)
    name = [c for c in reply.citations if c.quote.startswith("Taizo Watanabe")]
    assert name and name[0].source.startswith("001")
    assert_every_claim_is_in_its_citation(reply)


def test_conflicting_figures_are_each_cited_and_flagged(bot):
    reply = bot.ask("How many cars did Japan export to the United States last year?").answer
    assert reply.found and reply.conflict
    assert "sources differ" in text(reply)
    assert "1.99 million" in text(reply)
    assert "1.9 million" in text(reply) or "1.82 million" in text(reply)
    sources = {c.source[:3] for c in reply.citations}
    assert len(sources) >= 2 and "000" in sources
    assert_every_claim_is_in_its_citation(reply)


def test_same_figure_in_several_articles_is_not_a_conflict(bot):
    reply = bot.ask("What export limit did the Reagan administration ask Japan to accept?").answer
    assert reply.found and not reply.conflict
    assert "1.6 million" in text(reply)


@pytest.mark.parametrize(
    "question",
    [
        "What was Toyota's profit in 1980?",
        "How many cars did Japan export to Europe last year?",
        "What is the population of Tokyo?",
        "Who won the 1980 World Series?",
    ],
)
def test_unanswerable_question_says_so_and_states_no_figure(bot, question):
    reply = bot.ask(question).answer
    assert not reply.found, text(reply)
    assert reply.citations == ()
    assert quantities(text(reply)) == []
    assert reply.related and all(c.quote for c in reply.related)


def test_follow_up_uses_the_conversation(bot):
    first = bot.ask("Who is Takashi Ishihara?")
    assert "Nissan" in text(first.answer)
    reply = bot.ask("What did his spokesman say?", history=[first]).answer
    assert "out of the question" in text(reply)
    assert reply.citations[0].source.startswith("002")


def test_json_shape(bot):
    d = answer_json(bot.ask("What share of the market did Japan hold last year?").answer)
    assert set(d) >= {"question", "answer", "found", "citations", "timings_ms"}
    assert set(d["timings_ms"]) == {"retrieve", "compose", "total"}
    c = d["citations"][0]
    assert set(c) >= {"n", "source", "start", "end", "quote", "score"}
    assert isinstance(c["score"], float) and isinstance(c["start"], int)


@pytest.mark.parametrize(("question", "why"), [("", "is empty"), ("   \n", "is empty"),
                                              ("x" * 2001, "2,001 characters long"), ("???!!!...", "has no words")])
def test_bad_questions_raise_a_typed_error(bot, question, why):
    with pytest.raises(QuestionError, match=why):
        bot.ask(question)


def test_answers_are_deterministic(bot):
    q = "How many cars did Japan export to the United States last year?"
    assert decisions(bot.ask(q).answer) == decisions(bot.ask(q).answer)


def test_follow_ups_carry_the_topic(bot):
    first = bot.ask("What did Taizo Watanabe say about blaming Japan?")
    who = bot.ask("Who said that?", history=[first]).answer
    assert who.found and who.claims[0].role == "answer" and "Taizo Watanabe" in who.claims[0].text
    assert who.citations[0].quote == first.answer.citations[0].quote  # the speaker of the sentence just quoted
    figure = bot.ask("How many cars did Japan export to the United States last year?")
    why = bot.ask("Why?", history=[figure]).answer
    assert why.found  # the articles discuss the reasons around that figure
    spans = {(c.source, c.start, c.end) for c in why.citations}
    quoted = {(c.source, c.start, c.end) for c in figure.answer.citations}
    assert not spans & quoted  # something new, not the sentences just quoted
    assert_every_claim_is_in_its_citation(why)


def test_a_question_of_its_own_is_answered_as_if_asked_first(bot):
    """"Who said it is simply unfair to blame Japan?" after a figure question is not about that
    figure: the same answer as when it opens the conversation (it once named "statistics")."""
    alone = bot.ask("Who said it is simply unfair to blame Japan?")
    after = bot.ask("Who said it is simply unfair to blame Japan?",
                    history=[bot.ask("How many cars did Japan export to the United States last year?")])
    assert not after.follows
    assert after.text == alone.text and "Taizo Watanabe" in after.text


def test_who_question_names_the_person_first(bot):
    reply = bot.ask("Who will coordinate negotiations for the U.S. side?").answer
    assert reply.found and reply.claims[0].role == "answer"
    assert reply.claims[0].text in reply.claims[1].text  # copied from the sentence that follows
    assert_every_claim_is_in_its_citation(reply)


def test_answers_round_trip_through_their_json(bot):
    import json

    from assistant.records import Answer

    first = bot.ask("What did Taizo Watanabe say about blaming Japan?")
    for turn in (first, bot.ask("What did he say about quotas?", history=[first]),
                 bot.ask("How many cars did Japan export to the United States last year?"),
                 bot.ask("Who will coordinate negotiations for the U.S. side?"),
                 bot.ask("What is the population of Tokyo?")):
        a = turn.answer
        assert Answer.from_dict(a.to_dict()) == a
        assert Answer.from_dict(json.loads(json.dumps(answer_json(a)))) == a
