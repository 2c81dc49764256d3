"""Question analysis, typed spans and composer rules on tiny corpora with the fast fake embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.conversation import Turn, begin, is_follow_up
from assistant.answering.present import answer_text as text
from assistant.core import Assistant, index_corpus
from assistant.language.entities import answer_spans, dates, names, person_like, year_clash
from assistant.language.question import Question, analyze
from assistant.settings import Settings


def resolve(question: str, earlier: list[str]) -> Question:
    """The analysis of ``question`` after the ``earlier`` questions (oldest first), unanswered."""
    history: list[Turn] = []
    for q in earlier:
        history.append(begin(q, history))
    return begin(question, history).resolved


def _bot(tmp_path: Path, files: dict[str, str], fake_embedder) -> Assistant:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "c"
    corpus.mkdir()
    for name, body in files.items():
        (corpus / name).write_text(body)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "i")
    index_corpus(settings, fake_embedder, progress=False)
    return Assistant.open(settings=settings, embedder=fake_embedder)


@pytest.mark.parametrize(("q", "expects", "subtype"), [
    ("How many cars did Japan export?", "figure", "count"),
    ("What share of the market did Japan hold?", "figure", "percent"),
    ("How many cars could they sell if Japan kept its market share?", "figure", "count"),
    ("How big a pay premium do carmakers offer?", "figure", "any"),
    ("What quota would the bill set?", "figure", "any"),
    ("What was Tesla's revenue in Q3 2019?", "figure", "money"),
    ("What is the population of Tokyo?", "figure", "count"),
    ("Who won the women's singles Wimbledon in 2019?", "name", "person"),
    ("Who acquired Instagram?", "name", "org"),
    ("Who said the request was not negotiable?", "name", "speaker"),
    ("What was the export rate according to the officials who accompanied Ito?", "figure", "any"),
    ("Super Bowl 2021 location", "name", "place"),
    ("When was Xenoblade Chronicles X released in Japan?", "date", ""),
    ("What is the premiere date of The Walking Dead Season 11?", "date", ""),
    ("Why do you have to pay child support?", "reason", ""),
    ("Who is Takashi Ishihara?", "definition", ""),
    ("Was there a material bad debt expense in 2019?", "yesno", ""),
    ("What did his spokesman say?", "other", ""),
    # a report's amount in a year is a figure; "share-based" and "per share" are no percentage
    ("What was the hosting related costs in 2018?", "figure", "money"),
    ("What was the share based compensation expense in 2017?", "figure", "any"),
    ("What is Trade receivables?", "definition", ""),
])
def test_expected_answer_type(q, expects, subtype):
    a = analyze(q)
    assert (a.expects, a.subtype) == (expects, subtype)


def test_type_words_leave_the_focus_only_in_the_question_phrase():
    assert "year" in analyze("How many cars did Japan export last year?").focus  # "last year" is focus
    assert analyze("In what year did the strike happen?").focus == ("strike", "happen")


@pytest.mark.parametrize(("q", "follow"), [
    ("What did his spokesman say?", True), ("What did he say about quotas?", True),
    ("And the first quarter?", True), ("Why?", True), ("Who said that?", True),
    ("Who is Takashi Ishihara?", False), ("What did Taizo Watanabe say?", False),
])
def test_follow_up_detection(q, follow):
    assert is_follow_up(q) is follow


def test_follow_ups_carry_the_topic():
    why = resolve("Why?", ["What did the ministry reject?"])
    assert why.expects == "reason" and set(why.focus) >= {"ministri", "reject"}
    then = resolve("And in 1980?", ["How many cars did Japan export in 1979?"])
    assert then.expects == "figure" and then.years == (1980,) and "1979" not in then.focus
    own = resolve("What wages did he say U.S. companies pay?", ["What did Taizo Watanabe say about blaming Japan?"])
    assert "watanab" not in own.focus  # a question of its own is about its own words
    short = resolve("What did his spokesman say?", ["Who is Takashi Ishihara?"])
    assert short.expects == "other" and {"spokesman", "ishihara"} <= set(short.focus)


def test_answer_spans_lie_outside_the_question_words():
    q = analyze("Who won the women's singles Wimbledon in 2019?")
    spans = answer_spans("Romania's Simona Halep won the women's singles title at Wimbledon in 2019.", q)
    assert [s.text for s in spans] == ["Romania", "Simona Halep"]
    assert [person_like(s) for s in spans] == [False, True]
    assert year_clash("Angelique Kerber won Wimbledon in 2018, before Serena Williams.", q)
    assert not year_clash("Halep won Wimbledon in 2019.", q)
    assert [d.key for d in dates("released on 29 April 2015, not Jun 16, 2015")] == ["2015-04-29", "2015-06-16"]
    assert [n.text for n in names("The U.S. Open champion Dominic Thiem of Austria won.")] == [
        "U.S. Open", "Dominic Thiem", "Austria"]


def test_identical_sentence_in_two_documents_is_quoted_once(tmp_path, fake_embedder):
    same = "Capital spending is discussed later in the section on investing activities."
    bot = _bot(tmp_path, {"a.txt": same + "\n\nOther text.", "b.txt": same + "\n\nMore text."}, fake_embedder)
    reply = bot.ask("Where is capital spending discussed?").answer
    assert reply.found and sum(c.text == same for c in reply.claims) == 1


@pytest.mark.parametrize(("a", "b", "question", "on"), [
    ("Acme shipped 1.99 million widgets to Europe last year, officials said.",
     "Acme shipped 1.82 million widgets to Europe last year, the report said.",
     "How many widgets did Acme ship to Europe last year?", "figure"),
    ("Acme shipped 1.65 billion widgets to Europe last year, officials said.",
     "Acme shipped 10.65 billion widgets to Europe last year, the report said.",
     "How many widgets did Acme ship to Europe last year?", "figure"),  # any ratio
    ("The Zorgon plant opened on March 3, 2019, in the port district.",
     "The Zorgon plant opened on April 9, 2019, in the port district.",
     "When did the Zorgon plant open?", "date"),
    ("The Zorgon prize was won by Maria Lopez of Seville.",
     "The Zorgon prize was won by Anna Berg of Seville.",
     "Who won the Zorgon prize?", "name"),
])
def test_sources_giving_different_values_are_a_conflict(tmp_path, fake_embedder, a, b, question, on):
    bot = _bot(tmp_path, {"a.txt": a, "b.txt": b}, fake_embedder)
    reply = bot.ask(question).answer
    assert reply.conflict and reply.conflict_on == on, text(reply)
    assert {c.source for c in reply.citations} == {"a.txt", "b.txt"}
    assert all(c.role == "conflict" for c in reply.claims)
    assert text(reply).startswith(f"The sources differ on this {on}:")


def test_values_that_answer_different_questions_are_no_conflict(tmp_path, fake_embedder):
    bot = _bot(tmp_path, {
        "a.txt": "Kerber won the women's singles title at Wimbledon in 2018.",
        "b.txt": "Halep won the women's singles title at Wimbledon in 2019.",
    }, fake_embedder)
    reply = bot.ask("Who won the women's singles title at Wimbledon in 2019?").answer
    assert reply.found and not reply.conflict
    assert "Halep" in reply.claims[0].text


def test_unrelated_magnitudes_are_not_a_conflict(tmp_path, fake_embedder):
    bot = _bot(tmp_path, {
        "a.txt": "Acme shipped 1.99 million widgets to Europe last year.",
        "b.txt": "Acme shipped widgets to Europe last year at a 60 percent margin.",
    }, fake_embedder)
    assert not bot.ask("How many widgets did Acme ship to Europe last year?").answer.conflict


def test_who_answer_names_the_person_first(tmp_path, fake_embedder):
    bot = _bot(tmp_path, {"a.txt": "At the ceremony on Friday the Zorgon prize went to Maria Lopez of Seville."},
               fake_embedder)
    reply = bot.ask("Who won the Zorgon prize?").answer
    assert reply.claims[0].role == "answer" and reply.claims[0].text == "Maria Lopez"
    assert text(reply).startswith("Maria Lopez: At the ceremony")


def test_the_sentence_cache_keeps_only_the_documents_used_last(tmp_path, fake_embedder):
    from assistant.answering import Candidates

    bot = _bot(tmp_path, {f"d{i}.txt": f"Document {i} says {i} things. It ends here." for i in range(3)}, fake_embedder)
    docs = sorted(bot.index.documents.values(), key=lambda d: d.id)
    cands = Candidates(bot.index, cache_size=2)
    first = cands.sentences(docs[0])
    cands.sentences(docs[1])
    cands.sentences(docs[0])  # used again: docs[1] is now the oldest
    cands.sentences(docs[2])
    assert list(cands._sentences) == [docs[0].id, docs[2].id]
    assert cands.sentences(docs[0]) is first and len(first) == 2  # kept, not re-analysed


def test_a_sentence_without_a_word_is_never_offered(tmp_path, fake_embedder):
    """A lone "." (a PDF's stray full stop) is not a candidate, so it is never quoted or listed
    as related (the issue saw Related list a 1-character "." passage)."""
    from assistant.answering.conversation import begin

    bot = _bot(tmp_path, {"a.txt": "The Zorgon depot stores spare parts.\n\n.\n\nThe depot opened in 2019.\n"},
               fake_embedder)
    turn = begin("What was the Zorgon profit in 1980?", [])
    hits = bot.retriever.retrieve(turn.query, 8)
    cands = bot.answerer.candidates.of(turn.resolved, hits, fake_embedder.embed([turn.query])[0])
    texts = [c.text for c in cands]
    assert "The depot opened in 2019." in texts and "." not in texts
