"""The on-disk index: build it incrementally, swap it in atomically, open it safely.

Layout::

    index/
      CURRENT                  name of the live generation (replaced atomically)
      gen-<time>-<pid>/
        manifest.json          format, model id, dimension, chunker, sha256 per document
        documents.jsonl        id, name, page, text (so any citation shows in context), sentence
                               spans, attributions (who says what, see ``attribution``)
        documents.rows.npz     each row's byte offset and sentence count: rows are read on demand
                               (``docstore``)
        chunks.jsonl           doc_id, start, end, n_tokens (row i <-> FAISS vector i)
        dense.faiss            FAISS inner-product index, flat or HNSW by size (``store.FaissStore``);
                               with the Milvus store the vectors are in its collection instead
                               (``store.MilvusStore``, named in the manifest's "store")
        sentences.chunk.npy    the chunk row holding each sentence's start
        sentences.npy          float16, one vector per sentence, documents in order: each is the
                               mean of its tokens' states in its chunk's forward pass (no extra cost)
        bm25/                  bm25s index over the same chunks (Milvus store: its "lex" collection,
                               the vocabulary in bm25.vocab.json; see ``store.MilvusLexical``)
        bm25-sentences/        bm25s index over the sentences (rows as in sentences.npy): finds the
                               one sentence a question quotes, which a chunk's BM25 dilutes
        idf.json               term document-frequencies for sentence scoring

A run writes a whole new generation and only then points CURRENT at it, so a run killed at
any moment leaves the previous index loadable. Unchanged documents reuse their vectors (read
back from the FAISS index), because FaissVectorStore cannot delete.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import lexical
from .attribution import ATTRIBUTION_VERSION, Attribution, extract
from .chunking import context_header, sentence_spans
from .corpus import Skipped, load_corpus
from .docstore import DocStore, RowView, write_rows
from .embedding import Embedder
from .errors import IndexCorruptError, IndexMismatchError, IndexMissingError, StoreUnavailableError
from .ingest import ChunkerConfig as ChunkerConfig  # re-exported: the index records it
from .ingest import Ingest, Planned, local_ingest, record
from .progress import OnStep, Stage, resolve
from .records import Chunk, Document
from .settings import FORMAT_VERSION
from .store import DEFAULT_STORE, DenseStore, LexicalStore, StoreConfig, open_stores, retire_others, write_stores

CURRENT = "CURRENT"
SENTENCE_CHUNK = "sentences.chunk.npy"  # (sentences,) int64: the chunk row holding each sentence's start
MANIFEST = "manifest.json"
WRITE_LOCK = ".write.lock"


@dataclass(frozen=True)
class LexicalConfig:
    """How BM25 terms are made. A change needs only a BM25 rebuild, never re-embedding."""

    title_weight: int = 4  # a chunk's document title counts this many times (field boost)
    version: int = lexical.LEXICAL_VERSION
    attribution: int = ATTRIBUTION_VERSION  # how the attributions were extracted (text-only: no re-embedding)


@dataclass
class IndexStats:
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    removed: int = 0
    seconds: float = 0.0
    skipped: list[Skipped] = field(default_factory=list)
    changed: bool = False

    def summary(self) -> str:
        state = "updated" if self.changed else "already up to date; nothing embedded"
        return (
            f"index {state}: {self.documents} documents, {self.chunks} chunks, "
            f"{self.embedded} embedded, {self.reused} reused, {self.removed} documents removed, "
            f"{len(self.skipped)} files skipped, {self.seconds:.1f} s"
        )


@dataclass
class LoadedIndex:
    """An opened generation: records plus the two search structures."""

    path: Path
    manifest: dict[str, Any]
    documents: Mapping[str, Document]  # read from disk on demand (``docstore``)
    sentences: Mapping[str, list[tuple[int, int]]]  # per document, computed at index time
    chunks: list[Chunk]
    dense: DenseStore
    bm25: LexicalStore  # BM25 over the chunks
    idf: lexical.IDF
    sentence_vectors: np.ndarray  # (sentences, dim) float16, memory-mapped
    sentence_rows: dict[str, int]  # first row of each document's sentences
    sentence_bm25: LexicalStore  # BM25 over every sentence, rows as in sentence_vectors
    sentence_chunk: np.ndarray  # (sentences,) int: the chunk row holding each sentence's start
    attributions: Mapping[str, list[Attribution]]  # per document: who says what (``attribution``)

    def text(self, chunk: Chunk) -> str:
        return self.documents[chunk.doc_id].text[chunk.start : chunk.end]

    def doc_sentence_vectors(self, doc_id: str) -> np.ndarray:
        """The vectors of a document's sentences, in the order of ``sentences[doc_id]``."""
        row = self.sentence_rows[doc_id]
        return self.sentence_vectors[row : row + len(self.sentences[doc_id])]


def _manifest_key(m: dict[str, Any]) -> tuple[Any, ...]:
    return (m.get("format_version"), m.get("model_id"), m.get("dim"), m.get("chunker"))


def live_generation(index_dir: Path) -> Path | None:
    """The folder CURRENT names, or None when there is no index."""
    try:
        name = (index_dir / CURRENT).read_text().strip()
    except FileNotFoundError:
        return None
    gen = index_dir / name
    return gen if name and gen.is_dir() else None


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _check(manifest: dict[str, Any], model_id: str, dim: int, chunker: ChunkerConfig, where: Path) -> None:
    want = {"format_version": FORMAT_VERSION, "model_id": model_id, "dim": dim, "chunker": asdict(chunker)}
    have = {k: manifest.get(k) for k in want}
    if have != want:
        diffs = ", ".join(f"{k} {have[k]!r} (now {want[k]!r})" for k in want if have[k] != want[k])
        raise IndexMismatchError(
            f"The index at {where} was built with different settings: {diffs}. "
            "Rebuild it with `assistant index --rebuild`."
        )


def require_index(index_dir: Path) -> Path:
    """The live generation folder, or IndexMissingError saying how to build one."""
    gen = live_generation(index_dir)
    if gen is None:
        raise IndexMissingError(
            f"No index found in {index_dir}. Build it with `assistant index` (or `make run`)."
        )
    return gen


def open_index(index_dir: Path, model_id: str, dim: int, chunker: ChunkerConfig,
               lex: LexicalConfig | None = None) -> LoadedIndex:
    """Open the live generation, refusing a missing, corrupt or mismatched index.

    With ``lex`` given, an index whose keyword part was made differently is refused too
    (``assistant index`` refreshes it without re-embedding)."""
    gen = require_index(index_dir)
    try:
        manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexCorruptError(
            f"The index manifest in {gen} cannot be read ({e}). Rebuild with `assistant index --rebuild`."
        ) from None
    _check(manifest, model_id, dim, chunker, index_dir)
    if lex is not None and manifest.get("lexical") != asdict(lex):
        raise IndexMismatchError(
            f"The keyword index in {index_dir} was made with other settings ({manifest.get('lexical')}, "
            f"now {asdict(lex)}). Run `assistant index` to refresh it (nothing is re-embedded)."
        )
    try:
        store = DocStore(gen / "documents.jsonl", list(manifest["documents"]))
        documents: RowView[Document] = RowView(store, 0)
        sentences: RowView[list[tuple[int, int]]] = RowView(store, 1)
        attributions: RowView[list[Attribution]] = RowView(store, 2)
        sentence_rows = store.first_sentence_rows()
        row = int(store.counts.sum())
        sentence_vectors = np.load(gen / "sentences.npy", mmap_mode="r")
        chunks = [Chunk(**c) for c in _read_jsonl(gen / "chunks.jsonl")]
        sentence_chunk = (np.load(gen / SENTENCE_CHUNK) if (gen / SENTENCE_CHUNK).exists()
                          else _sentence_chunks(store.ids, sentences, chunks))
        dense, bm25, sentence_bm25 = open_stores(gen, manifest.get("store", {}), index_dir, dim)
        df = json.loads((gen / "idf.json").read_text(encoding="utf-8"))
        idf = lexical.IDF(df["df"], df["n"])
    except StoreUnavailableError:  # not damage: the store is elsewhere and cannot be reached now
        raise
    except Exception as e:  # any unreadable part means the same thing to the user
        raise IndexCorruptError(
            f"The index in {gen} is damaged ({type(e).__name__}: {e}). "
            "Rebuild with `assistant index --rebuild`."
        ) from None
    if (dense.size != len(chunks) or dense.dim != dim or any(c.doc_id not in documents for c in chunks)
            or sentence_vectors.shape != (row, dim) or sentence_chunk.shape != (row,)):
        raise IndexCorruptError(
            f"The index in {gen} is inconsistent ({dense.size} vectors for {len(chunks)} chunks, "
            f"{sentence_vectors.shape[0]} for {row} sentences). Rebuild with `assistant index --rebuild`."
        )
    return LoadedIndex(gen, manifest, documents, sentences, chunks, dense, bm25, idf, sentence_vectors,
                       sentence_rows, sentence_bm25, sentence_chunk, attributions)


def _sentence_chunks(ids: list[str], sentences: Mapping[str, list[tuple[int, int]]],
                     chunks: list[Chunk]) -> np.ndarray:
    """For each sentence row, the row of the chunk its start lies in (chunks are stored by
    document; ``ids``: the documents in file order)."""
    first: dict[str, int] = {}
    for i, c in enumerate(chunks):
        first.setdefault(c.doc_id, i)
    out: list[int] = []
    for doc_id in ids:
        i = first.get(doc_id, 0)
        for s, _ in sentences[doc_id]:
            while i + 1 < len(chunks) and chunks[i + 1].doc_id == doc_id and chunks[i].end <= s:
                i += 1
            out.append(i)
    return np.asarray(out, dtype=np.int64)


def _previous(index_dir: Path, model_id: str, dim: int, chunker: ChunkerConfig, rebuild: bool
              ) -> LoadedIndex | None:
    """The live generation, whose unchanged documents' vectors a build reuses (None: nothing)."""
    if rebuild or live_generation(index_dir) is None:
        return None
    return open_index(index_dir, model_id, dim, chunker)  # raises on mismatch / corruption


@contextmanager
def write_lock(index_dir: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the index folder's write lock (an ``flock`` on ``index_dir/.write.lock``): builds of
    one index, from any process, run one after the other. ``on_wait`` is called once if another
    holds it; the lock is released by the OS if the holder dies."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / WRITE_LOCK, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    chunker: ChunkerConfig,
    rebuild: bool = False,
    progress: bool | OnStep = True,
    limit_pages: int | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
    lex: LexicalConfig | None = None,
    on_wait: Callable[[], None] | None = None,
    store: StoreConfig = DEFAULT_STORE,
    ingest: Ingest = local_ingest,
) -> IndexStats:
    """Bring ``index_dir`` up to date with ``corpus_dir``, embedding only what changed. Holds the
    write lock throughout, so a second writer builds on the first one's result. ``progress``:
    bars on the terminal (True), none (False), or each ``progress.Step`` told to a callable.
    ``ingest`` parses and embeds the new documents: here, or on a Ray cluster (``distributed``)."""
    with write_lock(index_dir, on_wait):
        return _build(corpus_dir, index_dir, embedder, chunker, rebuild, resolve(progress), limit_pages, on_skip,
                      lex, store, ingest)


def _build(corpus_dir: Path, index_dir: Path, embedder: Embedder, chunker: ChunkerConfig, rebuild: bool,
           on_step: OnStep | None, limit_pages: int | None, on_skip: Callable[[Skipped], None] | None,
           lex: LexicalConfig | None, store: StoreConfig, ingest: Ingest) -> IndexStats:
    t0 = time.perf_counter()
    docs, skipped = load_corpus(corpus_dir, limit_pages=limit_pages, on_step=on_step)
    for s in skipped:
        if on_skip:
            on_skip(s)
    lex = lex or LexicalConfig()
    old = _previous(index_dir, embedder.model_id, embedder.dim, chunker, rebuild)
    old_docs: dict[str, Any] = old.manifest["documents"] if old else {}
    same_text_rules = old is not None and old.manifest.get("lexical") == asdict(lex)
    old_chunks: dict[str, list[Chunk]] = {}
    offsets: dict[str, int] = {}  # first FAISS row of each old document's chunks (stored document by document)
    for i, c in enumerate(old.chunks if old else []):
        if c.doc_id not in old_chunks:
            old_chunks[c.doc_id], offsets[c.doc_id] = [], i
        old_chunks[c.doc_id].append(c)

    parsing = Stage(on_step, "parsing", len(docs), "document")  # sentences, chunks, attributions
    kept: dict[str, Planned] = {}
    for d in docs:
        if (p := _reuse(d, old, old_docs, old_chunks, same_text_rules)) is not None:
            kept[d.id] = p
            parsing.advance()
    fresh = [d for d in docs if d.id not in kept]

    stats = IndexStats(documents=len(docs), skipped=skipped)
    stats.reused = sum(len(p.chunks) for p in kept.values())
    stats.removed = len(set(old_docs) - {d.id for d in docs})
    refused = {s.path: s.reason for s in skipped}  # listed in the manifest, so the UI can show and remove them
    stats.changed = bool(fresh or stats.removed or rebuild or old is None or not same_text_rules
                         or (old is not None and old.manifest.get("skipped", {}) != refused)
                         or (old is not None and old.manifest.get("store", {}).get("kind", "faiss") != store.kind))
    if not stats.changed:
        stats.chunks = stats.reused
        stats.seconds = time.perf_counter() - t0
        return stats

    made = ingest(fresh, embedder, chunker, on_step, parsing)
    plan = [kept[d.id] if d.id in kept else made[d.id].plan for d in docs]
    stats.chunks = sum(len(p.chunks) for p in plan)
    stats.embedded = stats.chunks - stats.reused
    headers = {p.doc.id: context_header(p.doc, embedder.count_tokens) for p in plan}  # for the keyword index
    vectors = np.zeros((stats.chunks, embedder.dim), dtype=np.float32)
    sent_vectors = np.zeros((sum(len(p.sentences) for p in plan), embedder.dim), dtype=np.float16)
    row, srow = 0, 0
    for p in plan:
        n, ns = len(p.chunks), len(p.sentences)
        if p.reused:
            assert old is not None
            vectors[row : row + n] = old.dense.vectors(offsets[p.doc.id], n)
            sent_vectors[srow : srow + ns] = old.doc_sentence_vectors(p.doc.id)
        else:
            vectors[row : row + n] = made[p.doc.id].vectors
            sent_vectors[srow : srow + ns] = made[p.doc.id].sentence_vectors
        row, srow = row + n, srow + ns

    indexed = {d: m.get("indexed", "") for d, m in old_docs.items()}
    writing = Stage(on_step, "writing", 1, "index")
    _write_generation(index_dir, plan, headers, vectors, sent_vectors, embedder, chunker, lex, indexed, refused,
                      store)
    writing.advance()
    stats.seconds = time.perf_counter() - t0
    return stats


def _reuse(d: Document, old: LoadedIndex | None, old_docs: dict[str, Any], old_chunks: dict[str, list[Chunk]],
           same_text_rules: bool) -> Planned | None:
    """The document's chunks, sentences and vectors from the previous index when its text and the
    text rules are unchanged (attributions re-read if only their rules changed); None: ingest it."""
    prev = old_docs.get(d.id)
    if old and prev is not None and prev["sha256"] == d.sha256 and d.id in old_chunks:
        sents = old.sentences[d.id] if same_text_rules else sentence_spans(d.text)
        if sents == old.sentences[d.id]:  # same sentences: their vectors can be reused too
            atts = old.attributions[d.id] if same_text_rules else extract(d.text, sents)
            return Planned(d, old_chunks[d.id], sents, True, atts)
    return None


def _write_generation(index_dir: Path, plan: list[Planned], headers: dict[str, str], vectors: np.ndarray,
                      sent_vectors: np.ndarray, embedder: Embedder, chunker: ChunkerConfig,
                      lex: LexicalConfig, indexed: dict[str, str], skipped: dict[str, str],
                      store: StoreConfig) -> None:
    """Write a new generation and switch CURRENT to it; ``indexed`` holds when each reused
    document was first indexed, ``skipped`` the files (and pages) left out, with why."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    import bm25s

    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".tmp-{name}"
    try:
        tmp.mkdir()
        chunks = [c for p in plan for c in p.chunks]
        write_rows(tmp / "documents.jsonl", ({**asdict(p.doc), **record(p)} for p in plan))
        np.save(tmp / SENTENCE_CHUNK, _sentence_chunks([p.doc.id for p in plan], {p.doc.id: p.sentences for p in plan},
                                                       chunks))
        with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as f:
            for c in chunks:
                f.write(json.dumps(asdict(c)) + "\n")

        np.save(tmp / "sentences.npy", sent_vectors)

        chunk_terms: list[list[str]] = []
        for p in plan:  # body terms + the document's title (field boost) + its context header
            extra = lexical.title_terms(p.doc.title) * lex.title_weight + lexical.terms(headers[p.doc.id])
            chunk_terms.extend(lexical.terms(p.doc.text[c.start : c.end]) + extra for c in p.chunks)
        bm25 = bm25s.BM25()
        bm25.index(chunk_terms, show_progress=False)
        sentence_bm25 = bm25s.BM25()
        sentence_bm25.index([lexical.terms(p.doc.text[a:b]) or ["\x00"] for p in plan for a, b in p.sentences],
                            show_progress=False)
        stored = write_stores(store, index_dir, tmp, name, vectors, embedder.dim, (bm25, sentence_bm25))
        idf = lexical.IDF.fit(chunk_terms)
        (tmp / "idf.json").write_text(json.dumps({"n": idf.n, "df": idf.df}), encoding="utf-8")

        manifest = {
            "format_version": FORMAT_VERSION,
            "model_id": embedder.model_id,
            "dim": embedder.dim,
            "backend": getattr(embedder, "backend", ""),  # informational: backends give the same vectors
            "chunker": asdict(chunker),
            "lexical": asdict(lex),
            "store": stored,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "documents": {p.doc.id: {"sha256": p.doc.sha256, "chunks": len(p.chunks),
                                     "indexed": indexed.get(p.doc.id) if p.reused and indexed.get(p.doc.id) else now}
                          for p in plan},
            "skipped": skipped,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        _fsync_tree(tmp)
        gen = index_dir / name
        tmp.rename(gen)
        pointer = index_dir / f".{CURRENT}.tmp"
        pointer.write_text(name + "\n")
        _fsync_file(pointer)
        _fsync_file(index_dir)  # the new generation's name is on disk before CURRENT points at it
        os.replace(pointer, index_dir / CURRENT)  # the atomic switch
        _fsync_file(index_dir)  # ... and the switch itself survives a power cut
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _remove_stale(index_dir, keep=name)
    retire_others(store, index_dir, name)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for p in root.rglob("*"):
        if p.is_file():
            _fsync_file(p)


def _remove_stale(index_dir: Path, keep: str) -> None:
    """Drop older generations and leftovers of interrupted runs."""
    for p in index_dir.iterdir():
        if p.is_dir() and p.name != keep and (p.name.startswith("gen-") or p.name.startswith(".tmp-gen-")):
            shutil.rmtree(p, ignore_errors=True)
