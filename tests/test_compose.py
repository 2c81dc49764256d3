"""Composer rules on tiny corpora with the fast fake embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer import figure_kind, is_follow_up, wants_figure
from assistant.core import Assistant, index_corpus
from assistant.settings import Settings


def _bot(tmp_path: Path, files: dict[str, str], fake_embedder) -> Assistant:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "c"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "i")
    index_corpus(settings, fake_embedder, progress=False)
    return Assistant.open(settings=settings, embedder=fake_embedder)


def test_identical_sentence_in_two_documents_is_quoted_once(tmp_path, fake_embedder):
    same = "Capital spending is discussed later in the section on investing activities."
    bot = _bot(tmp_path, {"a.txt": same + "\n\nOther text.", "b.txt": same + "\n\nMore text."}, fake_embedder)
    reply = bot.ask("Where is capital spending discussed?")
    assert reply.found and reply.text.count(same) == 1


def test_different_figures_for_the_same_quantity_are_a_conflict(tmp_path, fake_embedder):
    bot = _bot(tmp_path, {
        "a.txt": "Acme shipped 1.99 million widgets to Europe last year, officials said.",
        "b.txt": "Acme shipped 1.82 million widgets to Europe last year, the report said.",
    }, fake_embedder)
    reply = bot.ask("How many widgets did Acme ship to Europe last year?")
    assert reply.conflict and "1.99 million" in reply.text and "1.82 million" in reply.text
    assert {c.source for c in reply.citations} == {"a.txt", "b.txt"}


def test_unrelated_magnitudes_are_not_a_conflict(tmp_path, fake_embedder):
    bot = _bot(tmp_path, {
        "a.txt": "Acme shipped 1.99 million widgets to Europe last year.",
        "b.txt": "Acme shipped widgets to Europe last year at a 60 percent margin.",
    }, fake_embedder)
    assert not bot.ask("How many widgets did Acme ship to Europe last year?").conflict


@pytest.mark.parametrize(("q", "figure", "kind"), [
    ("How many cars did Japan export?", True, False),
    ("What share of the market did Japan hold?", True, True),
    ("What quota would the bill set?", True, None),
    ("Who is Takashi Ishihara?", False, None),
])
def test_question_types(q, figure, kind):
    assert wants_figure(q) is figure and figure_kind(q) is kind


@pytest.mark.parametrize(("q", "follow"), [
    ("What did his spokesman say?", True), ("What did he say about quotas?", True),
    ("And the first quarter?", True), ("Who is Takashi Ishihara?", False),
    ("What did Taizo Watanabe say?", False),
])
def test_follow_up_detection(q, follow):
    assert is_follow_up(q) is follow
