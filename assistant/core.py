"""The composition root: the one place that builds the assistant from settings.

Example::

    bot = Assistant.open()
    reply = bot.ask("How many cars did Japan export to the U.S. last year?")
    reply.found, [c.source for c in reply.citations]
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .answer import Composer
from .corpus import Skipped
from .embedding import Embedder, OnnxEmbedder, SentenceTransformerEmbedder, export_onnx
from .errors import AssistantError, QuestionError
from .index import ChunkerConfig, IndexStats, LexicalConfig, LoadedIndex, build_index, open_index, require_index
from .question import Question, analyze, is_follow_up, own_words, resolve
from .records import Answer, Hit
from .retrieval import HybridRetriever
from .scoring import Calibration, load_calibration
from .settings import PACKAGED_MODEL_ID, Settings
from .verify import render, verify

_WORD = re.compile(r"[^\W_]")  # a letter or a digit, in any script


def make_embedder(settings: Settings) -> Embedder:
    """The real model: the packaged MiniLM unless ``settings.model_path`` names another folder,
    on OpenVINO (exported once to ONNX) unless ``settings.embed_backend`` is "torch"."""
    path = settings.resolved_model_path()
    model_id = settings.model_path or PACKAGED_MODEL_ID
    if settings.embed_backend == "torch":
        return SentenceTransformerEmbedder(path, model_id=model_id, batch_size=settings.embed_batch_size)
    if settings.embed_backend != "openvino":
        raise AssistantError(f"Unknown embed_backend {settings.embed_backend!r}; use 'openvino' or 'torch'.")
    weights = Path(path) / "model.safetensors"
    key = hashlib.sha256(f"{path}|{weights.stat().st_size if weights.exists() else 0}".encode()).hexdigest()[:12]
    onnx = export_onnx(path, settings.model_cache / key)
    return OnnxEmbedder(path, onnx, model_id=model_id, batch_size=settings.embed_batch_size)


def chunker_config(settings: Settings) -> ChunkerConfig:
    return ChunkerConfig(settings.chunk_max_tokens, settings.chunk_min_tokens)


def lexical_config(settings: Settings) -> LexicalConfig:
    return LexicalConfig(title_weight=settings.title_weight)


def index_corpus(
    settings: Settings,
    embedder: Embedder | None = None,
    rebuild: bool = False,
    progress: bool = True,
    on_skip: Callable[[Skipped], None] | None = None,
    limit_pages: int | None = None,
    on_wait: Callable[[], None] | None = None,
) -> IndexStats:
    """Build or update the index of ``settings.corpus_dir`` in ``settings.index_dir`` (waiting
    for another build of the same index to finish first; ``on_wait`` is told when it does)."""
    return build_index(
        settings.corpus_dir, settings.index_dir, embedder or make_embedder(settings),
        chunker_config(settings), rebuild=rebuild, progress=progress, on_skip=on_skip,
        limit_pages=limit_pages, lex=lexical_config(settings), on_wait=on_wait,
    )


class Assistant:
    """Answers questions over one index; every edge (CLI, UI, evals) calls ``ask``."""

    def __init__(self, settings: Settings, embedder: Embedder, index: LoadedIndex,
                 mode: str = "hybrid", calibration: Calibration | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.index = index
        self.retriever = HybridRetriever(index, embedder, settings.candidates, settings.rrf_k, mode,
                                         settings.lexical_weight, settings.reserve)
        self.calibration = calibration or load_calibration(embedder.model_id, settings.calibration)
        self.composer = Composer(index, self.calibration, settings.max_answer_sentences)

    @classmethod
    def open(cls, index_dir: str | Path | None = None, settings: Settings | None = None,
             embedder: Embedder | None = None, mode: str = "hybrid",
             calibration: Calibration | None = None) -> Assistant:
        """Open the index (default ``index/``); raises IndexMissingError & co. with the fix."""
        settings = settings or Settings()
        if index_dir is not None:
            settings = settings.model_copy(update={"index_dir": Path(index_dir)})
        require_index(settings.index_dir)  # fail fast, before loading a model
        embedder = embedder or make_embedder(settings)
        index = open_index(settings.index_dir, embedder.model_id, embedder.dim, chunker_config(settings),
                           lexical_config(settings))
        return cls(settings, embedder, index, mode, calibration)

    def prepare(self, question: str, history: Sequence[Answer] = (), k: int | None = None) -> Prepared:
        """Everything ``ask`` knows before composing: the question's analysis in the conversation,
        the query embedding and the retrieved passages. (The calibration script replays it.)"""
        q = check_question(question, self.settings.max_question_chars)
        follow = bool(history) and is_follow_up(q)
        query = f"{q} {_context(q, history)}".strip()
        vec = self.embedder.embed([query])[0]
        hits = self.retriever.retrieve(query, k or self.settings.top_k, vec)
        return Prepared(q, resolve(q, [a.question for a in history[-2:]]), hits, vec,
                        history[-1] if follow else None)

    def ask(self, question: str, history: Sequence[Answer] = (), k: int | None = None) -> Answer:
        """Answer ``question``; ``history`` holds earlier replies of the conversation, oldest first."""
        t0 = time.perf_counter()
        p = self.prepare(question, history, k)
        t1 = time.perf_counter()
        draft = verify(self.composer.compose(p.analysis, p.hits, p.vec, p.previous))
        t2 = time.perf_counter()
        timings = {k: round(v * 1e3, 3) for k, v in (("retrieve", t1 - t0), ("compose", t2 - t1), ("total", t2 - t0))}
        return render(p.question, draft, timings, tuple(h.chunk.doc_id for h in p.hits))


@dataclass(frozen=True)
class Prepared:
    question: str
    analysis: Question
    hits: list[Hit]
    vec: np.ndarray
    previous: Answer | None  # the turn a follow-up leans on


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


def check_history(questions: Sequence[str], settings: Settings) -> list[str]:
    """Earlier questions of a conversation sent to the API, each checked like a question, at most
    ``settings.max_history`` of them (QuestionError naming the item or the limit)."""
    if len(questions) > settings.max_history:
        raise QuestionError(f"The conversation has {len(questions)} earlier questions; the limit is "
                            f"{settings.max_history}. Start a new conversation.")
    return [check_question(q, settings.max_question_chars, f"History item {i} (of {len(questions)})")
            for i, q in enumerate(questions, 1)]


def _context(question: str, history: Sequence[Answer]) -> str:
    """What a follow-up leans on, for retrieval: the earlier questions it continues (up to two,
    newest first) and, for one without words of its own ("Why?"), the sentence last quoted."""
    parts: list[str] = []
    current = question
    for turn in reversed(history[-2:]):
        if not is_follow_up(current):
            break
        parts.append(turn.question)
        current = turn.question
    if parts and history[-1].claims and not own_words(analyze(question)):  # "Why?": about what was quoted
        parts.append(next((c.text for c in history[-1].claims if c.role != "answer"), ""))
    return " ".join(parts)
