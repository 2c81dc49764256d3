"""The dense part of the index behind one small interface, so retrieval and the index builder
never touch a vector library directly.

``FaissStore`` is the embedded default: one FAISS file per generation, written through
llama-index's ``FaissVectorStore`` (its on-disk format) and read back with FAISS alone, so
answering a question never imports llama-index (about 1.2 s of a cold start). Below
``ANN_MIN`` vectors the index is exact (flat inner product: 0.3 ms at 35 chunks, about 20 ms at
100k on this machine); from ``ANN_MIN`` on it is HNSW (``HNSW_M`` links per node, searched with
``HNSW_EF``), chosen over IVF by measurement (docs/scale.md): in ``make bench`` (section
scale, evals/bench/runs/issue-19-store/) recall@10 against flat search is 0.998 at 100k and
0.985 at 1M synthetic chunks, 0.25-0.31 ms a query against 21-270 ms flat; no training step,
and vectors stay exact so unchanged documents can reuse theirs. An HNSW graph built on several
threads depends on their timing, so above ``ANN_MIN`` rebuilds of the same collection may rank
near-ties differently (the seed corpus and the stability test stay far below it).

Scores are rounded to ``SCORE_DIGITS`` and ties broken by row before anything ranks them, so
float kernels that differ in their last bits between CPUs cannot reorder passages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

SCORE_DIGITS = 5
ANN_MIN = 50_000  # vectors from which the index is approximate (HNSW); flat search is ~10 ms there
HNSW_M = 32  # graph links per vector: 256 bytes of links each, beside its 1,536 bytes of vector
HNSW_EF_BUILD = 80
HNSW_EF = 64  # candidates kept while searching: recall@10 0.994 at 100k (32: 0.988)


class DenseStore(Protocol):
    """Chunk vectors by row; unit vectors, scored by inner product (cosine)."""

    kind: str  # "flat" (exact) or "hnsw" (approximate)

    @property
    def size(self) -> int: ...

    @property
    def dim(self) -> int: ...

    def search(self, vec: np.ndarray, n: int) -> list[tuple[int, float]]:
        """The ``n`` best rows for the query vector, by rounded score, ties by row."""
        ...

    def vectors(self, start: int, n: int) -> np.ndarray:
        """Rows ``start .. start + n`` as stored (exact), for a build that reuses them."""
        ...


class FaissStore:
    """A FAISS index: flat below ``ann_min`` vectors, HNSW from there (see the module doc)."""

    def __init__(self, index: Any) -> None:
        import faiss

        self.index = index
        self.kind = "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat"
        if self.kind == "hnsw":
            index.hnsw.efSearch = HNSW_EF

    @classmethod
    def build(cls, vectors: np.ndarray, dim: int, ann_min: int = ANN_MIN) -> FaissStore:
        import faiss

        index: Any
        if len(vectors) >= ann_min:
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_BUILD
        else:
            index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    @classmethod
    def open(cls, path: Path) -> FaissStore:
        import faiss

        return cls(faiss.read_index(str(path)))

    def save(self, path: Path) -> None:
        from llama_index.vector_stores.faiss import FaissVectorStore

        FaissVectorStore(faiss_index=self.index).persist(str(path))

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def search(self, vec: np.ndarray, n: int) -> list[tuple[int, float]]:
        n = min(n, self.size)
        if n <= 0:
            return []
        scores, rows = self.index.search(np.asarray(vec, dtype=np.float32).reshape(1, -1), n)
        hits = [(int(i), round(float(s), SCORE_DIGITS)) for i, s in zip(rows[0], scores[0], strict=True) if i >= 0]
        return sorted(hits, key=lambda h: (-h[1], h[0]))

    def vectors(self, start: int, n: int) -> np.ndarray:
        return np.asarray(self.index.reconstruct_n(start, n), dtype=np.float32)
