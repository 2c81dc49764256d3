"""The documents of an opened index, read from its ``documents.jsonl`` on demand.

A generation's ``documents.jsonl`` holds one JSON row per document: its text, sentence spans and
attributions. Opening an index used to parse every row into RAM (1.7 KB of Python objects a
chunk, measured on FinanceBench-300; docs/scale.md). ``DocStore`` instead keeps each row's byte
offset (``documents.rows.npz``, written with the rows) and parses a row when it is asked for,
keeping the last ``RECORD_CACHE`` parsed. The file is read through a descriptor held open
(``os.pread``: thread-safe, and it still reads after a newer generation replaces this one's
folder). A generation written before the offsets file existed is scanned once at open.

``documents``, ``sentences`` and ``attributions`` of ``LoadedIndex`` are read-only mappings
over the stores of its segments (``LiveDocs``): ``index.documents[doc_id]``, ``doc_id in
index.sentences``, ``len(...)`` work as on the dicts they replace.
"""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar, cast, overload

import numpy as np

from ..language.attribution import Attribution
from ..records import Chunk, Document
from .ingest import from_record

CHUNKS = "chunks.npz"  # columns: doc (index into the folder's documents, file order), start, end, n_tokens
ROWS = "documents.rows.npz"  # offsets: (documents + 1,) byte offsets of the rows; sentences: (documents,) counts
RECORD_CACHE = 4096  # parsed documents kept (a question touches a few dozen)

Spans = list[tuple[int, int]]
Row = tuple[Document, Spans, list[Attribution]]
T = TypeVar("T")


def parse_row(d: dict[str, Any]) -> Row:
    """One row of ``documents.jsonl``: the document, its sentence spans, its attributions."""
    return (Document.from_dict(d), *from_record(d))


def write_rows(path: Path, rows: Iterator[dict[str, Any]]) -> None:
    """Write ``documents.jsonl`` at ``path`` and its offsets file beside it."""
    offsets, counts = [0], []
    with path.open("wb") as f:
        for d in rows:
            line = (json.dumps(d, ensure_ascii=False) + "\n").encode("utf-8")
            f.write(line)
            offsets.append(offsets[-1] + len(line))
            counts.append(len(d.get("sentences", [])))
    with (path.parent / ROWS).open("wb") as out:  # a file object: np.savez would add ".npz" to a name
        np.savez(out, offsets=np.asarray(offsets, dtype=np.int64), sentences=np.asarray(counts, dtype=np.int64))


def _scan(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Ids, offsets and sentence counts of a ``documents.jsonl`` written without its offsets file."""
    ids, offsets, counts = [], [0], []
    with path.open("rb") as f:
        for line in f:  # one row a line (the writer never writes a blank one)
            d = json.loads(line)
            ids.append(d["id"])
            counts.append(len(d.get("sentences", [])))
            offsets.append(offsets[-1] + len(line))
    return ids, np.asarray(offsets, dtype=np.int64), np.asarray(counts, dtype=np.int64)


class DocStore:
    """The rows of one ``documents.jsonl``, by document id (``ids`` in file order)."""

    def __init__(self, path: Path, ids: list[str]) -> None:
        if (path.parent / ROWS).exists():
            with np.load(path.parent / ROWS) as z:
                self.offsets, self.counts = z["offsets"], z["sentences"]
            self.ids = ids
        else:
            self.ids, self.offsets, self.counts = _scan(path)
        if len(self.offsets) != len(self.ids) + 1 or len(self.counts) != len(self.ids):
            raise ValueError(f"{path.parent / ROWS} does not match {path} ({len(self.ids)} documents)")
        self.at = {doc_id: i for i, doc_id in enumerate(self.ids)}
        self.folder = path.parent.name  # the generation folder: names the segment
        fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, fd)
        self._fd = fd
        self.row = lru_cache(maxsize=RECORD_CACHE)(self._read)

    def _read(self, doc_id: str) -> Row:
        i = self.at[doc_id]
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return parse_row(json.loads(os.pread(self._fd, b - a, a)))

    def first_sentence_rows(self) -> dict[str, int]:
        """Each document's first row in the sentence arrays (documents in file order)."""
        starts = np.cumsum(self.counts) - self.counts
        return {doc_id: int(s) for doc_id, s in zip(self.ids, starts, strict=True)}


class ChunkTable(Sequence[Chunk]):
    """An index's chunks as numpy columns (32 bytes a chunk in memory, 16 on disk, against about
    300 as ``Chunk`` objects): a ``Chunk`` is made when one is asked for."""

    COLUMNS = ("doc", "start", "end", "n_tokens")

    def __init__(self, ids: list[str], columns: Mapping[str, np.ndarray]) -> None:
        self.ids = ids  # documents by their index in ``doc``
        self.doc, self.start, self.end, self.n_tokens = (np.asarray(columns[c], dtype=np.int64) for c in self.COLUMNS)

    @classmethod
    def of(cls, ids: list[str], chunks: Sequence[Chunk]) -> ChunkTable:
        at = {d: i for i, d in enumerate(ids)}
        return cls(ids, {"doc": np.fromiter((at[c.doc_id] for c in chunks), np.int64, len(chunks)),
                         "start": np.fromiter((c.start for c in chunks), np.int64, len(chunks)),
                         "end": np.fromiter((c.end for c in chunks), np.int64, len(chunks)),
                         "n_tokens": np.fromiter((c.n_tokens for c in chunks), np.int64, len(chunks))})

    def save(self, folder: Path) -> None:
        with (folder / CHUNKS).open("wb") as out:
            np.savez(out, **{c: getattr(self, c).astype(np.int32) for c in self.COLUMNS})

    @classmethod
    def read(cls, folder: Path, ids: list[str]) -> ChunkTable:
        """The chunks of a generation folder whose documents are ``ids`` (file order); a folder
        written before ``chunks.npz`` has ``chunks.jsonl``."""
        if not (folder / CHUNKS).exists():
            with (folder / "chunks.jsonl").open(encoding="utf-8") as f:
                return cls.of(ids, [Chunk(**json.loads(line)) for line in f if line.strip()])
        with np.load(folder / CHUNKS) as z:
            table = cls(ids, {c: z[c] for c in cls.COLUMNS})
        if len(table) and not 0 <= int(table.doc.min()) <= int(table.doc.max()) < len(ids):
            raise ValueError(f"{folder / CHUNKS} names documents the folder does not hold")
        return table

    @classmethod
    def concat(cls, tables: Sequence[ChunkTable]) -> ChunkTable:
        """One table of several, rows in order (their documents listed one table after another)."""
        if len(tables) == 1:
            return tables[0]
        firsts = np.cumsum([0, *(len(t.ids) for t in tables)])
        return cls([d for t in tables for d in t.ids],
                   {c: np.concatenate([getattr(t, c) + (firsts[k] if c == "doc" else 0) for k, t in enumerate(tables)])
                    for c in cls.COLUMNS})

    def rows_of(self, doc_ids: frozenset[str] | set[str]) -> np.ndarray:
        """The rows of these documents' chunks."""
        wanted = [i for i, d in enumerate(self.ids) if d in doc_ids]
        return np.flatnonzero(np.isin(self.doc, wanted)) if wanted else np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.doc)

    @overload
    def __getitem__(self, i: int) -> Chunk: ...

    @overload
    def __getitem__(self, i: slice) -> list[Chunk]: ...

    def __getitem__(self, i: int | slice) -> Chunk | list[Chunk]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return Chunk(self.ids[int(self.doc[i])], int(self.start[i]), int(self.end[i]), int(self.n_tokens[i]))

    def __iter__(self) -> Iterator[Chunk]:
        return (self[i] for i in range(len(self)))


class LiveDocs:
    """The live documents of one or more stores (an index's segments): each id to the store that
    holds it, leaving out the ids a later segment deleted or replaced."""

    def __init__(self, stores: list[tuple[DocStore, frozenset[str]]]) -> None:
        self.at = {doc_id: store for store, dead in stores for doc_id in store.ids if doc_id not in dead}


class RowView(Mapping[str, T], Generic[T]):
    """One part (0: the document, 1: sentence spans, 2: attributions) of every live row, by id."""

    def __init__(self, docs: LiveDocs, part: int) -> None:
        self.docs, self.part = docs, part

    def __getitem__(self, doc_id: str) -> T:
        return cast(T, self.docs.at[doc_id].row(doc_id)[self.part])

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.docs.at

    def __iter__(self) -> Iterator[str]:
        return iter(self.docs.at)

    def __len__(self) -> int:
        return len(self.docs.at)
