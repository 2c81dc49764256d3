"""Writing the on-disk index: bring it up to date with the corpus, embedding only what changed,
and swap the new generation in atomically (the layout is in ``load``).
(Over 450 lines: one build's steps, reuse, ingestion, segments and the atomic switch, share its state.)
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..documents.chunking import context_header, sentence_spans
from ..documents.corpus import Skipped, load_corpus
from ..errors import CorpusError
from ..language import lexical
from ..language.attribution import extract
from ..progress import OnStep, Stage, resolve
from ..records import Chunk, Document
from ..settings import FORMAT_VERSION, MAX_TEXT_MB
from .docstore import ChunkTable, write_rows
from .embedding import Embedder
from .ingest import ChunkerConfig as ChunkerConfig  # re-exported: the index records it
from .ingest import Ingest, Ingested, Planned, local_ingest, record
from .load import (
    CURRENT,
    IDF_FILE,
    MANIFEST,
    SENTENCE_CHUNK,
    SENTENCE_IDF,
    LexicalConfig,
    LoadedIndex,
    live_generation,
    open_index,
    own_segment,
    read_idf,
    sentence_chunks,
)
from .segments import should_append
from .store import (
    DEFAULT_STORE,
    StoreConfig,
    bm25_index,
    retire_others,
    write_stores,
)

CHARS_PER_CHUNK = 500  # a new document's chunks, estimated from its length (FinanceBench pages: 518 a chunk)
WRITE_LOCK = ".write.lock"


@dataclass
class IndexStats:
    """What a build did. ``files`` are what people call documents (the UI counts them too);
    ``documents`` are the index's records, one per page of a PDF or page file."""

    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    removed: int = 0  # files no longer in the corpus
    seconds: float = 0.0
    skipped: list[Skipped] = field(default_factory=list)
    changed: bool = False
    files: int = 0

    def summary(self) -> str:
        """One line, counting documents as files and pages as pages.

        >>> IndexStats(documents=55, files=4, chunks=400, embedded=400, changed=True).summary()
        'index updated: 4 documents (55 pages), 400 chunks, 400 embedded, 0 reused, 0 removed, 0 files skipped, 0.0 s'
        """
        state = "updated" if self.changed else "already up to date; nothing embedded"
        pages = f" ({self.documents} pages)" if self.documents != self.files else ""
        return (
            f"index {state}: {self.files} document{'s' * (self.files != 1)}{pages}, {self.chunks} chunks, "
            f"{self.embedded} embedded, {self.reused} reused, {self.removed} removed, "
            f"{len(self.skipped)} files skipped, {self.seconds:.1f} s"
        )


def _previous(index_dir: Path, model_id: str, dim: int, chunker: ChunkerConfig, rebuild: bool,
              search: bool = False) -> LoadedIndex | None:
    """The live generation, whose unchanged documents a build reuses (None: nothing); with
    ``search``, its stores too (their vectors)."""
    if rebuild or live_generation(index_dir) is None:
        return None
    return open_index(index_dir, model_id, dim, chunker, search=search)  # raises on mismatch / corruption


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
    optimize: bool = False,
    max_text_mb: float = MAX_TEXT_MB,
) -> IndexStats:
    """Bring ``index_dir`` up to date with ``corpus_dir``, embedding only what changed. Holds the
    write lock throughout, so a second writer builds on the first one's result. ``progress``:
    bars on the terminal (True), none (False), or each ``progress.Step`` told to a callable.
    ``ingest`` parses and embeds the new documents: here, or on a Ray cluster (``distributed``).
    An index of ``store.segment_min`` live chunks or more gets what changed as an added segment
    (``segments``) until a merge is due; ``optimize`` merges now."""
    with write_lock(index_dir, on_wait):
        return _build(corpus_dir, index_dir, embedder, chunker, rebuild, resolve(progress), limit_pages, on_skip,
                      lex or LexicalConfig(), store, ingest, optimize, max_text_mb)


def _build(corpus_dir: Path, index_dir: Path, embedder: Embedder, chunker: ChunkerConfig, rebuild: bool,
           on_step: OnStep | None, limit_pages: int | None, on_skip: Callable[[Skipped], None] | None,
           lex: LexicalConfig, store: StoreConfig, ingest: Ingest, optimize: bool, max_text_mb: float) -> IndexStats:
    t0 = time.perf_counter()
    docs, skipped = load_corpus(corpus_dir, limit_pages=limit_pages, on_step=on_step, max_text_mb=max_text_mb)
    for s in skipped:
        if on_skip:
            on_skip(s)
    old = _previous(index_dir, embedder.model_id, embedder.dim, chunker, rebuild)
    old_docs: dict[str, Any] = old.manifest["documents"] if old else {}
    same_text_rules = old is not None and old.manifest.get("lexical") == asdict(lex)
    same_store = old is not None and old.manifest.get("store", {}).get("kind", "faiss") == store.kind
    refused = {s.path: s.reason for s in skipped}  # listed in the manifest, so the UI can show and remove them
    may_append = (old is not None and same_text_rules and same_store and not optimize  # and made with statistics
                  and (old.path / SENTENCE_IDF).exists() and old.live_rows >= store.segment_min)
    parsing = Stage(on_step, "parsing", len(docs), "document")  # sentences, chunks, attributions
    same = ({d.id for d in docs if d.id in old_docs and old_docs[d.id]["sha256"] == d.sha256}
            if same_text_rules else set())
    kept = {} if may_append else _kept(docs, old, old_docs, same_text_rules)
    fresh = [d for d in docs if d.id not in (same if may_append else kept)]
    if len(docs) > len(fresh):
        parsing.advance(len(docs) - len(fresh))

    stats = IndexStats(documents=len(docs), skipped=skipped, files=len({d.file for d in docs}))
    same_rows = sum(int(old_docs[d]["chunks"]) for d in same)
    gone = set(old_docs) - {d.id for d in docs}
    stats.removed = len({g.split("#")[0] for g in gone} - {d.file for d in docs})
    stats.changed = bool(fresh or gone or rebuild or old is None or not same_text_rules or not same_store
                         or (old is not None and old.manifest.get("skipped", {}) != refused)
                         or (optimize and old is not None and bool(old.manifest.get("segments"))))
    if not stats.changed:
        stats.chunks = stats.reused = same_rows
        stats.seconds = time.perf_counter() - t0
        return stats

    failed: set[str] = set()

    def parsed(new: dict[str, Ingested]) -> dict[str, Ingested]:
        """The documents that could be parsed; the others are skipped by name (and listed)."""
        for m in [m for m in new.values() if m.plan.error]:
            del new[m.plan.doc.id]
            failed.add(m.plan.doc.id)
            stats.documents -= 1
            stats.files = len({d.file for d in docs if d.id not in failed})
            stats.skipped.append(Skipped(m.plan.where, m.plan.error))
            refused[m.plan.where] = m.plan.error
            if on_skip:
                on_skip(stats.skipped[-1])
        if stats.documents <= 0:  # before anything is written: the previous index stays
            raise CorpusError(f"No document in {corpus_dir} could be indexed: "
                              + "; ".join(f"{s.path}: {s.reason}" for s in stats.skipped[-3:]))
        return new

    made: dict[str, Ingested] = {}
    if may_append and old is not None:
        made = parsed(ingest(fresh, embedder, chunker, on_step, parsing))
        writing = Stage(on_step, "writing", 1, "index")
        gone |= {d.id for d in fresh if d.id in old_docs}  # replaced: the new version goes in the new segment
        new_rows = sum(len(m.plan.chunks) for m in made.values())
        dead_rows = len(old.dead_chunks) + sum(int(old_docs[d]["chunks"]) for d in gone)
        if should_append(_added_rows(old), dead_rows, new_rows, len(old.chunks) - dead_rows + new_rows,
                         store.segment_min):
            stats.chunks = same_rows + new_rows
            stats.reused, stats.embedded = stats.chunks - new_rows, new_rows
            _append(index_dir, old, [made[d.id] for d in fresh if d.id in made], gone, embedder, chunker, lex, refused,
                    store)
            writing.advance()
            stats.seconds = time.perf_counter() - t0
            return stats
        kept = _kept([d for d in docs if d.id in same], old, old_docs, same_text_rules)  # a merge is due
    # The whole index, written in segments of about ``store.segment_rows`` chunks: a build holds one
    # segment's texts, vectors and terms at a time, not the collection's.
    if kept:  # their vectors are read back from the stores
        old = _previous(index_dir, embedder.model_id, embedder.dim, chunker, rebuild, search=True)
    offsets = old.first_rows() if old else {}
    batches = _batches(docs, kept, store.segment_rows)

    def segments() -> Iterator[NewSegment]:
        nonlocal writing
        for i, batch in enumerate(batches):
            new = {d.id: made.pop(d.id) for d in batch if d.id in made}  # ingested above: a merge of an update
            if todo := [d for d in batch if d.id not in kept and d.id not in new]:
                new |= parsed(ingest(todo, embedder, chunker, on_step, parsing))
            if not i:  # told once the first segment's documents are in (stages are told in order)
                writing = Stage(on_step, "writing", 1, "index")
            plan = [kept[d.id] if d.id in kept else new[d.id].plan for d in batch if d.id in kept or d.id in new]
            yield (plan, *_vectors(plan, new, old, offsets, embedder.dim))

    now = _now()
    stats.chunks, stats.reused = write_segments(
        index_dir, segments(), len(batches), embedder, chunker, lex, refused, store,
        lambda p: (old_docs.get(p.doc.id, {}).get("indexed") if p.reused else None) or now)
    stats.embedded = stats.chunks - stats.reused
    writing.advance()
    stats.seconds = time.perf_counter() - t0
    return stats


NewSegment = tuple[list[Planned], np.ndarray, np.ndarray]  # documents, their chunk vectors, their sentence vectors


def write_segments(index_dir: Path, parts: Iterable[NewSegment], count: int, embedder: Embedder, chunker: ChunkerConfig,
                   lex: LexicalConfig, skipped: dict[str, str], store: StoreConfig,
                   indexed: Callable[[Planned], str]) -> tuple[int, int]:
    """Write a whole index of ``count`` segments, given one at a time, and make it live with the
    last; ``indexed``: when a document was first indexed. Returns (chunks, reused chunks)."""
    documents: dict[str, Any] = {}  # the manifest's record of every document
    folders: list[dict[str, Any]] = []
    before: tuple[lexical.IDF, lexical.IDF] | None = None  # the term statistics of the folders written so far
    rows = reused = 0
    for i, (plan, vectors, sent_vectors) in enumerate(parts):
        rows += len(vectors)
        reused += sum(len(p.chunks) for p in plan if p.reused)
        documents |= {p.doc.id: {"sha256": p.doc.sha256, "chunks": len(p.chunks), "indexed": indexed(p)}
                      for p in plan}
        last = i == count - 1
        name, before = _write_generation(index_dir, plan, vectors, sent_vectors, embedder, chunker, lex,
                                         documents if last else {}, skipped, store, folders if last else None,
                                         before=before, publish=last)
        folders.append({"name": name, "documents": len(plan), "deleted": [], "base": True})
    return rows, reused


def _batches(docs: list[Document], kept: Mapping[str, Planned], rows: int) -> list[list[Document]]:
    """The documents in order, cut into runs of about ``rows`` chunks (a new document's count is
    estimated from its length), one segment each."""
    out: list[list[Document]] = [[]]
    n = 0
    for d in docs:
        size = len(kept[d.id].chunks) if d.id in kept else 1 + len(d.text) // CHARS_PER_CHUNK
        if out[-1] and n + size > rows:
            out.append([])
            n = 0
        out[-1].append(d)
        n += size
    return out


def _vectors(plan: list[Planned], made: Mapping[str, Ingested], old: LoadedIndex | None, offsets: dict[str, int],
             dim: int) -> tuple[np.ndarray, np.ndarray]:
    """The chunk and sentence vectors of ``plan``: reused ones read back from ``old``, new ones as made."""
    vectors = np.zeros((sum(len(p.chunks) for p in plan), dim), dtype=np.float32)
    sent_vectors = np.zeros((sum(len(p.sentences) for p in plan), dim), dtype=np.float16)
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
    return vectors, sent_vectors


def _added_rows(old: LoadedIndex) -> list[int]:
    """The chunk rows of each segment an update added (not written by a whole build)."""
    flags = [seg.get("base", True) for seg in old.manifest.get("segments", [])] + (
        [old.manifest.get("base", True)] if own_segment(old.manifest) else [])
    rows = np.diff(old.chunk_layout.offsets).tolist()
    return [int(r) for r, base in zip(rows, flags, strict=True) if not base]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _kept(docs: list[Document], old: LoadedIndex | None, old_docs: dict[str, Any],
          same_text_rules: bool) -> dict[str, Planned]:
    """The documents whose chunks, sentences and vectors the previous index gives (``_reuse``)."""
    old_chunks: dict[str, list[Chunk]] = {}
    if old is not None:  # only these documents' rows: an update of a large index reads a few
        for r in old.chunks.rows_of({d.id for d in docs}).tolist():
            if r not in old.dead_chunks:
                c = old.chunks[r]
                old_chunks.setdefault(c.doc_id, []).append(c)
    return {d.id: p for d in docs if (p := _reuse(d, old, old_docs, old_chunks, same_text_rules)) is not None}


def _reuse(d: Document, old: LoadedIndex | None, old_docs: dict[str, Any], old_chunks: dict[str, list[Chunk]],
           same_text_rules: bool) -> Planned | None:
    """The document's chunks, sentences and vectors from the previous index when its text and the
    text rules are unchanged (attributions re-read if only their rules changed); None: ingest it."""
    prev = old_docs.get(d.id)
    if old and prev is not None and prev["sha256"] == d.sha256 and d.id in old_chunks:
        sents = old.sentences[d.id] if same_text_rules else sentence_spans(d.text, d.tables)
        if sents == old.sentences[d.id]:  # same sentences: their vectors can be reused too
            atts = old.attributions[d.id] if same_text_rules else extract(d.text, sents)
            return Planned(d, old_chunks[d.id], sents, True, atts)
    return None


def _append(index_dir: Path, old: LoadedIndex, made: list[Ingested], gone: set[str], embedder: Embedder,
            chunker: ChunkerConfig, lex: LexicalConfig, refused: dict[str, str], store: StoreConfig) -> None:
    """Write the new and changed documents as a segment added to the live ones, marking ``gone``
    (removed or replaced) documents deleted in theirs; the term statistics become the live
    collection's (the gone documents' terms out, the new ones' in)."""
    plan = [m.plan for m in made]
    old_plans = _kept([old.documents[d] for d in sorted(gone)], old, old.manifest["documents"], True)
    was = [old_plans[d] for d in sorted(gone)]
    chunk_idf = old.idf.changed(_chunk_terms(plan, embedder, lex), _chunk_terms(was, embedder, lex))
    sentence_idf = read_idf(old.path, SENTENCE_IDF).changed(_sentence_terms(plan), _sentence_terms(was))
    segments = []
    for seg in [*old.manifest.get("segments", []),
                {"name": old.path.name, "documents": len(old.manifest.get("held", old.manifest["documents"])),
                 "deleted": [], "base": old.manifest.get("base", True)}]:
        deleted = sorted({*seg["deleted"], *(d for d in gone if old.segment_of(d) == seg["name"])})
        if len(deleted) < seg["documents"]:  # a segment with nothing live is dropped
            segments.append({**seg, "deleted": deleted})
    now = _now()
    documents = {**{d: m for d, m in old.manifest["documents"].items() if d not in gone},
                 **{p.doc.id: {"sha256": p.doc.sha256, "chunks": len(p.chunks), "indexed": now} for p in plan}}
    dim = embedder.dim
    vectors = np.concatenate([m.vectors for m in made]) if made else np.zeros((0, dim), np.float32)
    sent_vectors = (np.concatenate([m.sentence_vectors for m in made]).astype(np.float16) if made
                    else np.zeros((0, dim), np.float16))
    _write_generation(index_dir, plan, vectors, sent_vectors, embedder, chunker, lex, documents, refused, store,
                      segments, (chunk_idf, sentence_idf))


def _chunk_terms(plan: list[Planned], embedder: Embedder, lex: LexicalConfig) -> list[list[str]]:
    """Each chunk's BM25 terms: its body, its document's title (field boost) and context header."""
    out: list[list[str]] = []
    for p in plan:
        header = context_header(p.doc, embedder.count_tokens)  # the header its embedding was made with
        extra = lexical.title_terms(p.doc.title) * lex.title_weight + lexical.terms(header)
        out.extend(lexical.terms(p.doc.text[c.start : c.end]) + extra for c in p.chunks)
    return out


def _sentence_terms(plan: list[Planned]) -> list[list[str]]:
    return [lexical.terms(p.doc.text[a:b]) or ["\x00"] for p in plan for a, b in p.sentences]


def _write_generation(index_dir: Path, plan: list[Planned], vectors: np.ndarray, sent_vectors: np.ndarray,
                      embedder: Embedder, chunker: ChunkerConfig, lex: LexicalConfig, documents: dict[str, Any],
                      skipped: dict[str, str], store: StoreConfig, segments: list[dict[str, Any]] | None = None,
                      collection: tuple[lexical.IDF, lexical.IDF] | None = None,
                      before: tuple[lexical.IDF, lexical.IDF] | None = None,
                      publish: bool = True) -> tuple[str, tuple[lexical.IDF, lexical.IDF]]:
    """Write a folder holding ``plan``'s documents and, with ``publish``, switch CURRENT to it.
    ``documents``: the manifest's record of every live one; ``skipped``: the files (and pages) left
    out, with why; ``segments``: the earlier folders still live, each with its deleted documents.
    Its BM25 is scored with ``collection`` (an update: the live chunks' and sentences' term
    statistics, which its term files then hold) or with its own (a whole build, written a segment
    at a time: its term files hold its own plus ``before``, the statistics of the segments this
    build wrote earlier). Returns the folder's name and the statistics its term files hold."""
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".tmp-{name}"
    own = (lexical.IDF({}, 0), lexical.IDF({}, 0))
    try:
        tmp.mkdir()
        stored: dict[str, str] = {"kind": store.kind}
        if plan or not segments:  # an update that only deletes adds no segment of its own
            chunks = [c for p in plan for c in p.chunks]
            write_rows(tmp / "documents.jsonl", ({**p.doc.to_dict(), **record(p)} for p in plan))
            np.save(tmp / SENTENCE_CHUNK, sentence_chunks([p.doc.id for p in plan],
                                                           {p.doc.id: p.sentences for p in plan}, chunks))
            ChunkTable.of([p.doc.id for p in plan], chunks).save(tmp)
            np.save(tmp / "sentences.npy", sent_vectors)
            chunk_terms, sentence_terms = _chunk_terms(plan, embedder, lex), _sentence_terms(plan)
            own = (lexical.IDF.fit(chunk_terms), lexical.IDF.fit(sentence_terms))
            bm25s_indexes = (bm25_index(chunk_terms, collection[0] if collection else None),
                             bm25_index(sentence_terms, collection[1] if collection else None))
            del chunk_terms, sentence_terms
            stored = write_stores(store, index_dir, tmp, name, vectors, embedder.dim, bm25s_indexes)
        live = collection or (own if before is None else (before[0].plus(own[0]), before[1].plus(own[1])))
        for file, idf in zip((IDF_FILE, SENTENCE_IDF), live, strict=True):
            (tmp / file).write_text(json.dumps(idf.to_json()), encoding="utf-8")

        manifest = {
            "format_version": FORMAT_VERSION,
            "model_id": embedder.model_id,
            "dim": embedder.dim,
            "backend": getattr(embedder, "backend", ""),  # informational: backends give the same vectors
            "chunker": asdict(chunker),
            "lexical": asdict(lex),
            "store": stored,
            "created": _now(),
            "documents": documents,
            "held": [p.doc.id for p in plan],  # this folder's own documents, in file order
            "base": collection is None,  # written by a whole build (else added by an update)
            "segments": segments or [],
            "skipped": skipped,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        _fsync_tree(tmp)
        tmp.rename(index_dir / name)
        if not publish:  # a segment of a whole build still being written: live once the build's last is
            return name, live
        pointer = index_dir / f".{CURRENT}.tmp"
        pointer.write_text(name + "\n")
        _fsync_file(pointer)
        _fsync_file(index_dir)  # the new generation's name is on disk before CURRENT points at it
        os.replace(pointer, index_dir / CURRENT)  # the atomic switch
        _fsync_file(index_dir)  # ... and the switch itself survives a power cut
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    live_names = {name, *(seg["name"] for seg in segments or [])}
    _remove_stale(index_dir, keep=live_names)
    retire_others(store, index_dir, live_names)
    return name, live


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


def _remove_stale(index_dir: Path, keep: set[str]) -> None:
    """Drop older generations no live segment is in, and leftovers of interrupted runs."""
    for p in index_dir.iterdir():
        if p.is_dir() and p.name not in keep and (p.name.startswith("gen-") or p.name.startswith(".tmp-gen-")):
            shutil.rmtree(p, ignore_errors=True)
