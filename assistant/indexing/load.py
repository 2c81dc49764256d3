"""The on-disk index, opened safely: a generation's records and search structures (``build``
writes them: incrementally, swapped in atomically).

Layout::

    index/
      CURRENT                  name of the live generation (replaced atomically)
      gen-<time>-<pid>/
        manifest.json          format, model id, dimension, chunker, sha256 per document
        documents.jsonl        id, name, page, text (so any citation shows in context), sentence
                               spans, attributions (who says what, see ``attribution``)
        documents.rows.npz     each row's byte offset and sentence count: rows are read on demand
                               (``docstore``)
        chunks.npz             doc, start, end, n_tokens columns (row i <-> FAISS vector i; ``docstore.ChunkTable``;
                               older generations have chunks.jsonl, one JSON row a chunk)
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
        idf.json               the live chunks' term statistics (document frequencies, rows, terms):
                               sentence scoring, and the BM25 of an added segment
        sentence-idf.json      the same for the live sentences

A generation holds the documents it added ("held" in its manifest). On a small index every run
writes all of them, reusing unchanged documents' vectors (read back from the store); on one of
``StoreConfig.segment_min`` live chunks or more, an update writes only the new and changed
documents and names the earlier folders still live in its manifest's "segments", each with the
documents deleted there (``segments``; ``--optimize`` merges). Either way the new folder is
complete before CURRENT points at it, so a run killed at any moment leaves the previous index
loadable, and no live folder is ever written again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexCorruptError, IndexMismatchError, IndexMissingError, StoreUnavailableError
from ..language import lexical
from ..language.attribution import ATTRIBUTION_VERSION, Attribution
from ..records import Chunk, Document
from ..settings import FORMAT_VERSION
from .docstore import ChunkTable, DocStore, LiveDocs, RowView
from .ingest import ChunkerConfig as ChunkerConfig  # re-exported: the index records it
from .segments import Layout, SegmentedDense, SegmentedLexical
from .store import (
    DenseStore,
    LexicalStore,
    open_stores,
)

CURRENT = "CURRENT"
SENTENCE_CHUNK = "sentences.chunk.npy"  # (sentences,) int64: the chunk row holding each sentence's start
MANIFEST = "manifest.json"
IDF_FILE = "idf.json"  # the live chunks' term statistics (``lexical.IDF``)
SENTENCE_IDF = "sentence-idf.json"  # the same for the live sentences: an added segment's BM25 is scored with them


@dataclass(frozen=True)
class LexicalConfig:
    """How BM25 terms are made. A change needs only a BM25 rebuild, never re-embedding."""

    title_weight: int = 4  # a chunk's document title counts this many times (field boost)
    version: int = lexical.LEXICAL_VERSION
    attribution: int = ATTRIBUTION_VERSION  # how the attributions were extracted (text-only: no re-embedding)


@dataclass
class LoadedIndex:
    """An opened generation: records plus the search structures, over all its live segments
    (``segments``; rows are numbered segment after segment)."""

    path: Path
    manifest: dict[str, Any]
    documents: Mapping[str, Document]  # read from disk on demand (``docstore``)
    sentences: Mapping[str, list[tuple[int, int]]]  # per document, computed at index time
    chunks: ChunkTable  # by row, deleted rows included (``dead_chunks``)
    dense: DenseStore
    bm25: LexicalStore  # BM25 over the chunks
    idf: lexical.IDF
    sentence_vectors: list[np.ndarray]  # per segment, (sentences, dim) float16, memory-mapped
    sentence_rows: dict[str, int]  # first row of each document's sentences
    sentence_bm25: LexicalStore  # BM25 over every sentence, rows as in sentence_rows
    sentence_chunk: np.ndarray  # (sentences,) int: the chunk row holding each sentence's start
    attributions: Mapping[str, list[Attribution]]  # per document: who says what (``attribution``)
    chunk_layout: Layout  # where each segment's chunk rows start
    sentence_layout: Layout
    live: LiveDocs  # each live document's store (its segment)
    dead_chunks: frozenset[int] = frozenset()  # rows of documents a later segment deleted or replaced

    def text(self, chunk: Chunk) -> str:
        return self.documents[chunk.doc_id].text[chunk.start : chunk.end]

    def doc_sentence_vectors(self, doc_id: str) -> np.ndarray:
        """The vectors of a document's sentences, in the order of ``sentences[doc_id]``."""
        s, row = self.sentence_layout.locate(self.sentence_rows[doc_id])
        return self.sentence_vectors[s][row : row + len(self.sentences[doc_id])]

    def segment_of(self, doc_id: str) -> str:
        """The folder of the segment that holds a live document."""
        return self.live.at[doc_id].folder

    def first_rows(self) -> dict[str, int]:
        """The first row of each live document's chunks (a document's chunks are consecutive)."""
        out: dict[str, int] = {}
        for i, c in self.live_chunks():
            out.setdefault(c.doc_id, i)
        return out

    @property
    def live_rows(self) -> int:
        return len(self.chunks) - len(self.dead_chunks)

    def live_chunks(self) -> Iterator[tuple[int, Chunk]]:
        """(row, chunk) of every live chunk, documents in row order."""
        return ((i, c) for i, c in enumerate(self.chunks) if i not in self.dead_chunks)


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


def read_manifest(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))


def own_segment(manifest: dict[str, Any]) -> bool:
    """Whether a generation's folder holds documents of its own (an update that only deleted
    names earlier segments and holds none)."""
    return bool(manifest.get("held", True)) or not manifest.get("segments")


def read_idf(folder: Path, file: str) -> lexical.IDF:
    """A generation's term statistics (``IDF_FILE`` or ``SENTENCE_IDF``)."""
    return lexical.IDF.from_json(json.loads((folder / file).read_text(encoding="utf-8")))


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
               lex: LexicalConfig | None = None, search: bool = True) -> LoadedIndex:
    """Open the live generation, refusing a missing, corrupt or mismatched index.

    With ``lex`` given, an index whose keyword part was made differently is refused too
    (``assistant index`` refreshes it without re-embedding). Without ``search`` the dense and
    BM25 stores are not opened (an update that adds a segment reads only records: at 1M chunks
    the stores are most of the 3 s an open takes)."""
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
        bases = [(index_dir / b["name"], frozenset(b["deleted"])) for b in manifest.get("segments", [])]
        parts = [_open_segment(folder, read_manifest(folder), index_dir, dim, dead, search) for folder, dead in bases]
        if own_segment(manifest):
            parts.append(_open_segment(gen, manifest, index_dir, dim, frozenset(), search))
        idf = read_idf(gen, IDF_FILE)
    except (StoreUnavailableError, IndexCorruptError):  # unreachable (not damage), or already said
        raise
    except Exception as e:  # any unreadable part means the same thing to the user
        raise IndexCorruptError(
            f"The index in {gen} is damaged ({type(e).__name__}: {e}). "
            "Rebuild with `assistant index --rebuild`."
        ) from None
    return _compose(gen, manifest, parts, idf)


@dataclass
class _Segment:
    """One folder's own documents, opened: the rows of a segment before they are numbered globally."""

    docs: DocStore
    chunks: ChunkTable
    dense: DenseStore
    bm25: LexicalStore
    sentence_bm25: LexicalStore
    sentence_vectors: np.ndarray
    sentence_chunk: np.ndarray  # local chunk rows
    dead: frozenset[str]  # its documents a later segment deleted or replaced


class _Unopened:
    """A store an index was opened without (``open_index(search=False)``): its size, nothing else."""

    kind = "unopened"
    why = "this index was opened without its stores (open_index(search=False))"

    def __init__(self, size: int, dim: int) -> None:
        self.size, self.dim = size, dim

    def search(self, vec: np.ndarray, n: int) -> list[tuple[int, float]]:
        raise RuntimeError(self.why)

    def vectors(self, start: int, n: int) -> np.ndarray:
        raise RuntimeError(self.why)

    def top(self, terms: list[str], n: int) -> list[tuple[int, float]]:
        raise RuntimeError(self.why)


def _open_segment(folder: Path, manifest: dict[str, Any], index_dir: Path, dim: int, dead: frozenset[str],
                  search: bool = True) -> _Segment:
    docs = DocStore(folder / "documents.jsonl", list(manifest.get("held", manifest["documents"])))
    spans: RowView[list[tuple[int, int]]] = RowView(LiveDocs([(docs, frozenset())]), 1)
    chunks = ChunkTable.read(folder, docs.ids)
    sentence_vectors = np.load(folder / "sentences.npy", mmap_mode="r")
    sentence_chunk = (np.load(folder / SENTENCE_CHUNK) if (folder / SENTENCE_CHUNK).exists()
                      else sentence_chunks(docs.ids, spans, chunks))
    dense, bm25, sentence_bm25 = (open_stores(folder, manifest.get("store", {}), index_dir, dim) if search
                                  else (_Unopened(len(chunks), dim), _Unopened(0, dim), _Unopened(0, dim)))
    row = int(docs.counts.sum())
    if (dense.size != len(chunks) or dense.dim != dim or sentence_vectors.shape != (row, dim)
            or sentence_chunk.shape != (row,)):
        raise IndexCorruptError(
            f"The index in {folder} is inconsistent ({dense.size} vectors for {len(chunks)} chunks, "
            f"{sentence_vectors.shape[0]} for {row} sentences). Rebuild with `assistant index --rebuild`."
        )
    return _Segment(docs, chunks, dense, bm25, sentence_bm25, sentence_vectors, sentence_chunk, dead)


def _compose(gen: Path, manifest: dict[str, Any], parts: list[_Segment], idf: lexical.IDF) -> LoadedIndex:
    """One index over the segments: rows numbered segment after segment, deleted ones set aside."""
    live = LiveDocs([(p.docs, p.dead) for p in parts])
    dead_chunks = [frozenset(p.chunks.rows_of(p.dead).tolist()) for p in parts]
    firsts = [p.docs.first_sentence_rows() for p in parts]
    dead_sents = [frozenset(r for d in p.dead for r in range(f[d], f[d] + int(p.docs.counts[p.docs.at[d]])))
                  for p, f in zip(parts, firsts, strict=True)]
    chunk_layout = Layout.of([len(p.chunks) for p in parts], dead_chunks)
    sentence_layout = Layout.of([len(p.sentence_vectors) for p in parts], dead_sents)
    sentence_rows = {d: sentence_layout.offsets[s] + r for s, (p, f) in enumerate(zip(parts, firsts, strict=True))
                     for d, r in f.items() if d not in p.dead}
    sentence_chunk = np.concatenate([p.sentence_chunk + chunk_layout.offsets[s] for s, p in enumerate(parts)])
    dense: DenseStore
    bm25: LexicalStore
    sentence_bm25: LexicalStore
    if len(parts) == 1 and not parts[0].dead:  # the common case: the stores themselves, nothing between
        dense, bm25, sentence_bm25 = parts[0].dense, parts[0].bm25, parts[0].sentence_bm25
    else:
        dense = SegmentedDense([p.dense for p in parts], chunk_layout)
        bm25 = SegmentedLexical([p.bm25 for p in parts], chunk_layout)
        sentence_bm25 = SegmentedLexical([p.sentence_bm25 for p in parts], sentence_layout)
    dead = frozenset(r + chunk_layout.offsets[s] for s, rows in enumerate(dead_chunks) for r in rows)
    return LoadedIndex(gen, manifest, RowView(live, 0), RowView(live, 1),
                       ChunkTable.concat([p.chunks for p in parts]), dense, bm25, idf,
                       [p.sentence_vectors for p in parts], sentence_rows, sentence_bm25, sentence_chunk,
                       RowView(live, 2), chunk_layout, sentence_layout, live, dead)


def sentence_chunks(ids: list[str], sentences: Mapping[str, list[tuple[int, int]]],
                     chunks: Sequence[Chunk]) -> np.ndarray:
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


