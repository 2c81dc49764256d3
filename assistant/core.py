"""The composition root: the one place that builds the assistant from settings.

Example::

    bot = build()
    turn = bot.ask("How many cars did Japan export to the U.S. last year?")
    turn.answer.found, [c.source for c in turn.answer.citations]
    follow = bot.ask("Who said so?", history=[turn])
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .answering import Answerer, Calibration, Candidates, ExtractiveAnswerer, Policy, load_calibration
from .answering.conversation import Turn, answered, begin
from .answering.reader import shared_reader
from .answering.retrieval import HybridRetriever, Retriever
from .answering.verify import render, verify
from .documents.corpus import Skipped
from .errors import AssistantError, QuestionError
from .indexing.build import IndexStats, build_index
from .indexing.embedding import Embedder, make_embedder
from .indexing.ingest import Ingest, local_ingest
from .indexing.load import ChunkerConfig, LexicalConfig, LoadedIndex, open_index, require_index
from .indexing.store import StoreConfig
from .progress import OnStep
from .records import STRICTNESS, Hit, Strictness
from .settings import Settings

_WORD = re.compile(r"[^\W_]")  # a letter or a digit, in any script


def chunker_config(settings: Settings) -> ChunkerConfig:
    return ChunkerConfig(settings.chunk_max_tokens, settings.chunk_min_tokens)


def retrieval_key(settings: Settings) -> dict[str, float]:
    """The settings that shape the candidates a calibration is fitted on."""
    return {k: getattr(settings, k) for k in ("top_k", "candidates", "rrf_k", "lexical_weight", "reserve",
                                               "sentence_weight", "title_weight")}


def check_fit(calibration: Calibration, settings: Settings) -> Calibration:
    """The calibration, if it was fitted with these retrieval settings (or says nothing of them);
    else AssistantError naming what differs: its thresholds would not mean what they say."""
    want = retrieval_key(settings)
    if calibration.retrieval and calibration.retrieval != want:
        diff = ", ".join(f"{k} {calibration.retrieval.get(k)} (now {v})" for k, v in want.items()
                         if calibration.retrieval.get(k) != v)
        raise AssistantError(f"The answer models were fitted with other retrieval settings: {diff}. Set them back, "
                             "or refit with `make calibrate` under the new ones.")
    return calibration


def lexical_config(settings: Settings) -> LexicalConfig:
    return LexicalConfig(title_weight=settings.title_weight)


def store_config(settings: Settings) -> StoreConfig:
    return StoreConfig(settings.store, settings.milvus_uri, settings.ann_min, settings.segment_min,
                       settings.segment_rows)


def index_corpus(
    settings: Settings,
    embedder: Embedder | None = None,
    rebuild: bool = False,
    progress: bool | OnStep = True,
    on_skip: Callable[[Skipped], None] | None = None,
    limit_pages: int | None = None,
    on_wait: Callable[[], None] | None = None,
    ray: str = "",
    optimize: bool = False,
) -> IndexStats:
    """Build or update the index of ``settings.corpus_dir`` in ``settings.index_dir`` (waiting
    for another build of the same index to finish first; ``on_wait`` is told when it does).
    ``ray``: parse and embed new documents on that Ray cluster ("local": a private one of
    ``settings.ray_workers`` workers); "" = in this process. ``optimize``: merge an index's
    segments into one now (``segments``)."""
    ingest: Ingest = local_ingest
    if ray:
        from .indexing.distributed import RayIngest

        ingest = RayIngest(ray, settings, settings.ray_workers)
    return build_index(
        settings.corpus_dir, settings.index_dir, embedder or make_embedder(settings),
        chunker_config(settings), rebuild=rebuild, progress=progress, on_skip=on_skip,
        limit_pages=limit_pages, lex=lexical_config(settings), on_wait=on_wait, store=store_config(settings),
        ingest=ingest, optimize=optimize, max_text_mb=settings.max_text_mb,
    )


def build(settings: Settings | None = None, *, embedder: Embedder | None = None, index: LoadedIndex | None = None,
          retriever: Retriever | None = None, answerer: Answerer | None = None,
          calibration: Calibration | None = None) -> Assistant:
    """The assistant over ``settings.index_dir``, each part the default unless given: the real
    embedder, the opened index, hybrid retrieval, the extractive answerer with the calibration
    fitted for the embedding model. Raises IndexMissingError & co. with the fix.

    Benchmarks pass a retriever (``HybridRetriever(..., mode="dense")``), the calibration script an
    answerer with the policy it is fitting; nothing else wires parts together.
    """
    settings = settings or Settings()
    if index is None:
        require_index(settings.index_dir)  # fail fast, before loading a model
    embedder = embedder or make_embedder(settings)
    if index is None:
        index = open_index(settings.index_dir, embedder.model_id, embedder.dim, chunker_config(settings),
                           lexical_config(settings))
    retriever = retriever or HybridRetriever.from_settings(index, embedder, settings)
    if answerer is None:
        policy = Policy(calibration or check_fit(load_calibration(embedder.model_id, settings.calibration), settings))
        reader = shared_reader() if policy.calibration.reads else None
        answerer = ExtractiveAnswerer(Candidates(index), policy, settings.max_answer_sentences, reader)
    return Assistant(settings, embedder, index, retriever, answerer)


class Assistant:
    """Answers questions over one index; every edge (CLI, UI, evals) calls ``ask``."""

    def __init__(self, settings: Settings, embedder: Embedder, index: LoadedIndex, retriever: Retriever,
                 answerer: Answerer) -> None:
        self.settings = settings
        self.embedder = embedder
        self.index = index
        self.retriever = retriever
        self.answerer = answerer

    @classmethod
    def open(cls, index_dir: str | Path | None = None, settings: Settings | None = None,
             embedder: Embedder | None = None) -> Assistant:
        """``build`` with the defaults, over ``index_dir`` (default ``index/``)."""
        settings = settings or Settings()
        if index_dir is not None:
            settings = settings.model_copy(update={"index_dir": Path(index_dir)})
        return build(settings, embedder=embedder)

    def begin(self, question: str, history: Sequence[Turn] = ()) -> Turn:
        """The checked question as a turn of the conversation, analysed (once), not yet answered."""
        return begin(check_question(question, self.settings.max_question_chars), history)

    def retrieve(self, turn: Turn, k: int | None = None) -> Retrieved:
        """The turn's query embedding and its ``k`` best passages."""
        vec = self.embedder.embed([turn.query])[0]
        return Retrieved(self.retriever.retrieve(turn.query, k or self.settings.top_k, vec), vec)

    def ask(self, question: str, history: Sequence[Turn] = (), k: int | None = None,
            strictness: Strictness | None = None) -> Turn:
        """Answer ``question``; ``history`` holds the earlier turns of the conversation, oldest
        first; ``strictness`` how sure an answer must be (default ``settings.strictness``). The
        returned turn carries the verified answer."""
        t0 = time.perf_counter()
        turn = self.begin(question, history)
        level = check_strictness(strictness or self.settings.strictness)
        found = self.retrieve(turn, k)
        t1 = time.perf_counter()
        draft = verify(self.answerer.answer(turn, found.hits, found.vec, level))
        t2 = time.perf_counter()
        spans = (("retrieve", t1 - t0), ("compose", t2 - t1), ("total", t2 - t0))
        timings = {stage: round(seconds * 1e3, 3) for stage, seconds in spans}
        return answered(turn, render(turn.question, draft, timings, tuple(h.chunk.doc_id for h in found.hits)))


@dataclass(frozen=True)
class Retrieved:
    hits: list[Hit]
    vec: np.ndarray  # the query's embedding


def check_question(question: str, limit: int, what: str = "The question") -> str:
    """The stripped question, or QuestionError saying what is wrong with it.

    >>> check_question("  Who said it? ", 100)
    'Who said it?'
    >>> check_question("???!!!...", 100)
    Traceback (most recent call last):
    ...
    assistant.errors.QuestionError: The question has no words. Type a question about the documents.
    """
    q = (question or "").strip()
    if not q:
        raise QuestionError(f"{what} is empty. Type a question about the documents.")
    if len(q) > limit:
        raise QuestionError(
            f"{what} is {len(q):,} characters long; the limit is {limit:,}. "
            "Ask about one thing at a time, in a sentence or two."
        )
    if not _WORD.search(q):
        raise QuestionError(f"{what} has no words. Type a question about the documents.")
    return q


def check_strictness(level: object) -> Strictness:
    """``level`` if it names a strictness level, else QuestionError listing them.

    >>> check_strictness("strict")
    'strict'
    >>> check_strictness("very")
    Traceback (most recent call last):
    ...
    assistant.errors.QuestionError: Strictness 'very' is not a level: use one of lenient, balanced, strict.
    """
    for s in STRICTNESS:
        if level == s:
            return s
    raise QuestionError(f"Strictness {level!r} is not a level: use one of {', '.join(STRICTNESS)}.")


def check_history(questions: Sequence[str], settings: Settings) -> list[str]:
    """Earlier questions of a conversation sent to the API, each checked like a question, at most
    ``settings.max_history`` of them (QuestionError naming the item or the limit)."""
    if len(questions) > settings.max_history:
        raise QuestionError(f"The conversation has {len(questions)} earlier questions; the limit is "
                            f"{settings.max_history}. Start a new conversation.")
    return [check_question(q, settings.max_question_chars, f"History item {i} (of {len(questions)})")
            for i, q in enumerate(questions, 1)]
