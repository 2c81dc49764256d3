"""Ingestion of new or changed documents: sentences, chunks and attributions (parse), then one
forward pass per chunk giving its vector and its sentences' vectors (embed).

``local_ingest`` runs it in this process (the default); ``distributed.RayIngest`` runs the same
functions as a Ray Data pipeline. Either gives, per document, an ``Ingested``: what the index
writer needs. Nothing here reads or writes the index.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..documents.chunking import chunk_document, context_header, embedding_text, sentence_spans
from ..language.attribution import Attribution, extract
from ..progress import OnStep, Stage
from ..records import Chunk, Document
from .embedding import Embedder

EMBED_BLOCK = 64  # chunks per progress step (a display moves every 2-3 s); the model batches inside it


@dataclass(frozen=True)
class ChunkerConfig:
    max_tokens: int
    min_tokens: int
    splitter: str = "punkt+abbrev+table-rows/3"  # 3: each line of a table (aligned by space too) a sentence
    tables: str = "bars+aligned+csv+xlsx/16"  # how tables are read (``documents.tables``): a change re-reads all
    header: str = "name+page+2 lines/2"  # how chunks of named documents are embedded (2: 1-based pages)


@dataclass(frozen=True)
class Planned:
    """One document of a build: its chunks and sentences, and whether its vectors are reused."""

    doc: Document
    chunks: list[Chunk]
    sentences: list[tuple[int, int]]
    reused: bool
    attributions: list[Attribution] = field(default_factory=list)
    error: str = ""  # why it could not be parsed (then it has no chunks and is skipped by name)

    @property
    def where(self) -> str:
        """The file (and page) a skip names: "notes.txt", "report.pdf page 5"."""
        return self.doc.file if self.doc.page is None else f"{self.doc.file} page {self.doc.page_label}"


@dataclass(frozen=True)
class Ingested:
    """A new document, parsed and embedded: its plan, one vector per chunk (float32) and one unit
    vector per sentence (float32; the index stores them as float16)."""

    plan: Planned
    vectors: np.ndarray
    sentence_vectors: np.ndarray


def record(p: Planned) -> dict[str, Any]:
    """What a plan adds to its document in JSON: sentence spans and attributions (a row of the
    index's ``documents.jsonl``, and what a Ray worker sends back)."""
    return {"sentences": p.sentences, "attributions": [a.to_dict() for a in p.attributions],
            **({"error": p.error} if p.error else {})}


def from_record(d: dict[str, Any]) -> tuple[list[tuple[int, int]], list[Attribution]]:
    """The sentence spans and attributions ``record`` wrote (empty where a row has none)."""
    return [(a, b) for a, b in d.get("sentences", [])], [Attribution.from_dict(a) for a in d.get("attributions", [])]


# (new documents, embedder, chunker, progress, the build's parsing stage) -> each one's Ingested, by id
Ingest = Callable[[list[Document], Embedder, ChunkerConfig, "OnStep | None", Stage], dict[str, Ingested]]


def parse(d: Document, embedder: Embedder, chunker: ChunkerConfig) -> Planned:
    """Split, chunk and read the attributions of one new document. One that cannot be parsed (a
    library's time limit on pathological text, say) comes back with ``error`` and no chunks:
    that file is skipped by name and the rest of the collection indexes."""
    return attribute(split(d, embedder, chunker))


def split(d: Document, embedder: Embedder, chunker: ChunkerConfig) -> Planned:
    """The sentences and chunks of one new document (all that embedding needs); its
    attributions come after (``attribute``)."""
    try:
        sents = sentence_spans(d.text, d.tables)
        return Planned(d, chunk_document(d, embedder.count_tokens, chunker.max_tokens, chunker.min_tokens, sents),
                       sents, False)
    except Exception as e:  # noqa: BLE001  (any failure of one document is reported, never fatal)
        return _unparsed(d, e)


def attribute(p: Planned) -> Planned:
    """A split plan with its attributions read (the dependency parse: the slow part of parsing)."""
    if p.error:
        return p
    try:
        return replace(p, attributions=extract(p.doc.text, p.sentences))
    except Exception as e:  # noqa: BLE001
        return _unparsed(p.doc, e)


def _unparsed(d: Document, e: Exception) -> Planned:
    return Planned(d, [], [], False, error=f"could not be parsed ({type(e).__name__}: {e})"[:300])


def embed(plans: list[Planned], embedder: Embedder, on_step: OnStep | None = None) -> list[Ingested]:
    """Each plan's chunk vectors and sentence vectors, from one forward pass per chunk (each
    block of ``EMBED_BLOCK`` chunks told to ``on_step``)."""
    texts, spans = [], []
    for p in plans:
        header = context_header(p.doc, embedder.count_tokens)
        for c in p.chunks:
            texts.append(embedding_text(p.doc, c, header))
            shift = c.start - (len(header) + 1 if header else 0)
            spans.append([(max(s, c.start) - shift, min(e, c.end) - shift) for s, e in p.sentences
                          if e > c.start and s < c.end])
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    pieces: list[np.ndarray] = [np.zeros((0, embedder.dim), dtype=np.float32)] * len(texts)
    embedding = Stage(on_step if texts else None, "embedding", len(texts), "chunk")
    # Blocks of similar length over the whole run, longest first: the model's batches then pad
    # little (blocks in reading order padded 1.45x the tokens, sorted 1.0x; evals/bench).
    order = np.argsort([-embedder.count_tokens(t) for t in texts], kind="stable")
    for i in range(0, len(texts), EMBED_BLOCK):
        block = order[i : i + EMBED_BLOCK]
        vecs, ps = embedder.embed_spans([texts[j] for j in block], [spans[j] for j in block])
        vectors[block] = np.asarray(vecs, dtype=np.float32)
        for j, piece in zip(block, ps, strict=True):
            pieces[j] = piece
        embedding.advance(len(block))
    out, row = [], 0
    for p in plans:
        n = len(p.chunks)
        out.append(Ingested(p, vectors[row : row + n], sentence_vectors(p, pieces[row : row + n], embedder.dim)))
        row += n
    return out


def sentence_vectors(p: Planned, pieces: list[np.ndarray], dim: int) -> np.ndarray:
    """One unit vector per sentence of ``p`` from the pieces its chunks gave (a sentence longer
    than a chunk has a piece in each: their sum, normalised)."""
    out = np.zeros((len(p.sentences), dim), dtype=np.float32)
    for c, vecs in zip(p.chunks, pieces, strict=True):
        inside = [i for i, (s, e) in enumerate(p.sentences) if e > c.start and s < c.end]
        out[inside] += vecs
    return np.asarray(out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12), dtype=np.float32)


def local_ingest(docs: list[Document], embedder: Embedder, chunker: ChunkerConfig, on_step: OnStep | None,
                 parsing: Stage) -> dict[str, Ingested]:
    """Split every document (told to ``parsing``), then embed them all (the "embedding" stage)
    while a second thread reads their attributions: the model releases the interpreter while it
    runs, so the parse takes no turn of its own. A document whose parse fails is skipped by name."""
    plans = []
    for d in docs:
        plans.append(split(d, embedder, chunker))
        parsing.advance()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="attribution")
    try:
        attributed = [pool.submit(attribute, p) for p in plans]
        embedded = embed(plans, embedder, on_step)
        done = [f.result() for f in attributed]
    finally:  # interrupted: stop after the document being parsed, never wait for the rest
        pool.shutdown(wait=False, cancel_futures=True)
    return {p.doc.id: (replace(x, plan=p) if not p.error else Ingested(p, x.vectors[:0], x.sentence_vectors[:0]))
            for x, p in zip(embedded, done, strict=True)}
