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

``MilvusStore`` is the store for collections past one node: the same vectors in a Milvus
collection (one per index generation) through ``pymilvus``, with the two BM25 indexes beside them
as sparse-vector collections (``MilvusLexical``: the same scores as the ``bm25s`` files). A
``milvus_uri`` of a Milvus server or cluster (``http://host:19530``) is the production path; an
empty one is a milvus-lite file inside the index folder (in-process: tests and small installs;
one process opens it at a time).
It is chosen with ``ASSISTANT_STORE=milvus``; ``assistant index`` moves an index between stores
without re-embedding (the vectors are read back from the old one). The texts and records stay in
the generation folder either way.

Scores are rounded to ``SCORE_DIGITS`` and ties broken by row before anything ranks them, so
float kernels that differ in their last bits between CPUs (or engines) cannot reorder passages.
(Over 450 lines: the two engines behind the one interface, kept side by side so they stay alike.)
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import StoreUnavailableError
from ..language.lexical import IDF
from ..settings import ANN_MIN, SEGMENT_MIN, SEGMENT_ROWS, STORES, StoreKind  # noqa: F401  (STORES: re-exported)

SCORE_DIGITS = 5
HNSW_M = 32  # graph links per vector: 256 bytes of links each, beside its 1,536 bytes of vector
HNSW_EF_BUILD = 80
# Candidates kept while searching. 64 reached recall@10 0.994 at 100k for queries that were noisy
# copies of chunk vectors, but real questions lie farther from the chunks: for 50 FinanceBench
# questions over a 100k-chunk index it reached 0.788 (128: 0.852, 256: 0.936, 512: 0.982 in
# 0.38 ms, 1024: 1.0 in 0.84 ms; evals/bench/runs/issue-19-index-scale/ef-sweep-100k.json).
HNSW_EF = 512
MILVUS_LITE_FILE = "milvus.db"  # the milvus-lite database inside the index folder when no URI is set
MILVUS_BATCH = 2048  # vectors per insert / read-back request
LEXICAL_PARTS = {"lex": "bm25", "sent": "bm25-sentences"}  # BM25 of chunks, of sentences: Milvus part -> folder
PARTS = ("chunks", *LEXICAL_PARTS)  # a generation's Milvus collections: chunk vectors, then the BM25 indexes
LEXICAL_SEARCH_MARGIN = 2  # a lexical search asks Milvus for this many times n: ties at the cut then break by row


@dataclass(frozen=True)
class StoreConfig:
    """Where an index keeps its chunk vectors and BM25: ``kind`` one of ``STORES``; ``uri`` the Milvus
    server ('' = a milvus-lite file in the index folder); approximate from ``ann_min`` vectors;
    updates added as segments from ``segment_min`` live chunks; a whole build written in segments
    of about ``segment_rows`` chunks."""

    kind: StoreKind = "faiss"
    uri: str = ""
    ann_min: int = ANN_MIN
    segment_min: int = SEGMENT_MIN
    segment_rows: int = SEGMENT_ROWS


DEFAULT_STORE = StoreConfig()


def ranked(hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """(row, score) pairs with scores rounded to ``SCORE_DIGITS``, best first, ties by row."""
    return sorted(((r, round(sc, SCORE_DIGITS)) for r, sc in hits), key=lambda h: (-h[1], h[0]))


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
        return ranked([(int(i), float(s)) for i, s in zip(rows[0], scores[0], strict=True) if i >= 0])

    def vectors(self, start: int, n: int) -> np.ndarray:
        return np.asarray(self.index.reconstruct_n(start, n), dtype=np.float32)


_CLIENTS: dict[str, Any] = {}
_CLIENTS_LOCK = threading.Lock()


def milvus_uri(uri: str, index_dir: Path) -> str:
    """The URI a store setting means: a server as given, else the milvus-lite file of the index."""
    return uri or str(index_dir / MILVUS_LITE_FILE)


def _client(uri: str) -> Any:
    """One ``MilvusClient`` per URI per process (gRPC clients are thread-safe; a milvus-lite file
    is served once)."""
    with _CLIENTS_LOCK:
        if uri not in _CLIENTS:
            from pymilvus import MilvusClient

            lite = "://" not in uri
            if lite:  # a milvus-lite file: its folder must exist
                Path(uri).parent.mkdir(parents=True, exist_ok=True)
            # milvus-lite logs a whole traceback when another process holds its file; the one line below says it
            quiet = logging.getLogger("milvus_lite.server_manager")
            level, quiet.disabled = quiet.disabled, True
            try:
                _CLIENTS[uri] = MilvusClient(uri)
            except Exception as e:  # pymilvus raises its own types for "cannot connect" and "cannot open"
                why = ("milvus-lite serves one process at a time: stop the other one using this index (a running "
                       "`assistant serve`?), or point ASSISTANT_MILVUS_URI at a Milvus server" if lite else
                       "check that the server is up and ASSISTANT_MILVUS_URI is right")
                raise StoreUnavailableError(f"The Milvus store at {uri} cannot be opened ({e}); {why}.") from None
            finally:
                quiet.disabled = level
        return _CLIENTS[uri]


def collection_name(generation: str, part: str = "chunks") -> str:
    """A Milvus collection of an index generation, one of ``PARTS``
    ("gen-2026...-ab12" -> "chunks_gen_2026..._ab12")."""
    return f"{part}_{generation.replace('-', '_')}"


def _create(uri: str, collection: str, field: str, field_type: Any, index: dict[str, Any], **field_args: Any) -> Any:
    """A new collection of (``row`` primary key, ``field``) indexed by ``index``, replacing one
    left by a run killed before its generation went live; the client."""
    from pymilvus import DataType

    client = _client(uri)
    if client.has_collection(collection):
        client.drop_collection(collection)
    schema = client.create_schema(auto_id=False)
    schema.add_field("row", DataType.INT64, is_primary=True)
    schema.add_field(field, field_type, **field_args)
    params = client.prepare_index_params()
    params.add_index(field_name=field, **index)
    client.create_collection(collection, schema=schema, index_params=params)
    return client


def _fill(client: Any, collection: str, rows: Iterator[dict[str, Any]]) -> None:
    """Insert ``rows`` in batches of ``MILVUS_BATCH``, then make them searchable."""
    batch: list[dict[str, Any]] = []
    for r in rows:
        batch.append(r)
        if len(batch) >= MILVUS_BATCH:
            client.insert(collection, batch)
            batch = []
    if batch:
        client.insert(collection, batch)
    client.flush(collection)
    client.load_collection(collection)


def _loaded(uri: str, collection: str) -> Any:
    """The client, with ``collection`` loaded for search (FileNotFoundError: it is not there)."""
    client = _client(uri)
    if not client.has_collection(collection):
        raise FileNotFoundError(f"no Milvus collection {collection} at {uri}")
    client.load_collection(collection)
    return client


def _found(found: Any) -> list[tuple[int, float]]:
    """A one-question Milvus search result as ``ranked`` (row, score) pairs."""
    return ranked([(int(h["row"]), float(h["distance"])) for h in found[0]])


class MilvusStore:
    """Chunk vectors in one Milvus collection, field ``row`` (the chunk's row) and ``vec``;
    exact (FLAT) below ``ann_min`` vectors, HNSW with FAISS's parameters from there."""

    def __init__(self, client: Any, collection: str, dim: int, kind: str) -> None:
        self.client, self.collection, self.kind, self._dim = client, collection, kind, dim
        self._size = int(client.get_collection_stats(collection)["row_count"])

    @classmethod
    def build(cls, vectors: np.ndarray, dim: int, uri: str, collection: str, ann_min: int = ANN_MIN) -> MilvusStore:
        from pymilvus import DataType

        kind = "hnsw" if len(vectors) >= ann_min else "flat"
        index = ({"index_type": "HNSW", "metric_type": "IP", "params": {"M": HNSW_M, "efConstruction": HNSW_EF_BUILD}}
                 if kind == "hnsw" else {"index_type": "FLAT", "metric_type": "IP"})
        client = _create(uri, collection, "vec", DataType.FLOAT_VECTOR, index, dim=dim)
        vecs = np.asarray(vectors, dtype=np.float32)
        _fill(client, collection, ({"row": i, "vec": v.tolist()} for i, v in enumerate(vecs)))
        return cls(client, collection, dim, kind)

    @classmethod
    def open(cls, uri: str, collection: str, dim: int, kind: str) -> MilvusStore:
        return cls(_loaded(uri, collection), collection, dim, kind)

    @property
    def size(self) -> int:
        return self._size

    @property
    def dim(self) -> int:
        return self._dim

    def search(self, vec: np.ndarray, n: int) -> list[tuple[int, float]]:
        n = min(n, self.size)
        if n <= 0:
            return []
        params: dict[str, Any] = {"metric_type": "IP"}
        if self.kind == "hnsw":
            params["params"] = {"ef": max(HNSW_EF, n)}
        return _found(self.client.search(self.collection, data=[np.asarray(vec, dtype=np.float32).ravel().tolist()],
                                         limit=n, search_params=params, output_fields=["row"]))

    def vectors(self, start: int, n: int) -> np.ndarray:
        out = np.zeros((n, self.dim), dtype=np.float32)
        for a in range(start, start + n, MILVUS_BATCH):
            b = min(a + MILVUS_BATCH, start + n)
            for r in self.client.query(self.collection, filter=f"row >= {a} and row < {b}",
                                       output_fields=["row", "vec"], limit=b - a):
                out[int(r["row"]) - start] = r["vec"]
        return out


def drop_other_collections(uri: str, live: set[str]) -> None:
    """Drop the collections of generations other than the ``live`` ones (replaced, or left by a
    killed run)."""
    client = _client(uri)
    keep = {collection_name(generation, part) for generation in live for part in PARTS}
    for name in client.list_collections():
        if name.startswith(tuple(f"{part}_gen_" for part in PARTS)) and name not in keep:
            client.drop_collection(name)


class LexicalStore(Protocol):
    """BM25 over rows (chunks, or sentences) for a question's terms (``lexical.terms``)."""

    kind: str

    def top(self, terms: list[str], n: int) -> list[tuple[int, float]]:
        """The ``n`` best rows with a score above 0, by rounded score, ties by row."""
        ...


class Bm25sLexical:
    """A ``bm25s`` index in the generation folder, its score arrays memory-mapped (the page cache
    holds them, not the process); it scores every row: O(rows) a question."""

    kind = "bm25s"

    def __init__(self, bm25: Any) -> None:
        self.bm25 = bm25

    @classmethod
    def open(cls, path: Path) -> Bm25sLexical:
        import bm25s

        return cls(bm25s.BM25.load(str(path), mmap=True, show_progress=False))

    def top(self, terms: list[str], n: int) -> list[tuple[int, float]]:
        if not terms or n <= 0:
            return []
        raw = self.bm25.get_scores(terms)
        hit = np.flatnonzero(raw > 0)  # rows holding a question term; the rest score 0, never returned
        if not len(hit):
            return []
        k = min(n, len(hit))
        nth = raw[hit[np.argpartition(-raw[hit], k - 1)[:k]]].min()
        # Rounding moves a score by at most half a unit of the last digit kept, so every row whose
        # rounded score could reach the n-th best's is within one unit of it: round only those.
        near = hit[raw[hit] >= nth - 10.0**-SCORE_DIGITS]
        scores = np.round(raw[near].astype(np.float64), SCORE_DIGITS)
        top = np.lexsort((near, -scores))[:n]  # by score, ties by row: deterministic
        return [(int(near[i]), float(scores[i])) for i in top if scores[i] > 0]


def bm25_index(rows: list[list[str]], collection: IDF | None = None) -> Any:
    """A ``bm25s`` index over ``rows`` (each a row's terms). With ``collection`` (statistics of a
    whole collection that includes these rows: document frequencies, row and term counts), the
    rows are scored as if indexed with all of it: an added segment's BM25 then ranks beside the
    others' without rebuilding them (``bm25s`` stores scores with IDF and length norm applied)."""
    import bm25s

    if collection is None:
        index = bm25s.BM25()
        index.index(rows, show_progress=False)
        return index
    vocab = {t: i for i, t in enumerate(dict.fromkeys(t for r in rows for t in r))}
    index = _collection_bm25()(collection, {i: collection.df.get(t, 1) for t, i in vocab.items()})
    index.index(([[vocab[t] for t in r] for r in rows], vocab), show_progress=False)
    return index


@cache
def _collection_bm25() -> type:
    """The class, made on first use (importing ``bm25s`` at module import would slow every start)."""
    import bm25s
    from bm25s import scoring

    class CollectionBM25(bm25s.BM25):  # type: ignore[misc,unused-ignore]  # bm25s is untyped
        """``bm25s`` with IDF and average length from given collection statistics (the library
        documents ``build_index_from_ids`` as the method to override for another way of building)."""

        def __init__(self, collection: IDF, df: dict[int, int]) -> None:
            super().__init__()
            assert self.method not in self.methods_requiring_nonoccurrence
            self.collection, self.df_by_id = collection, df
            self.nonoccurrence_array = None

        def build_index_from_ids(self, unique_token_ids: list[int], corpus_token_ids: list[list[int]],
                                 show_progress: bool = True, leave_progress: bool = False) -> dict[str, Any]:
            local = scoring._calculate_doc_freqs(corpus_token_ids, unique_token_ids, show_progress=False)
            idf = scoring._build_idf_array({i: self.df_by_id[i] for i in local}, self.collection.rows,
                                           scoring._select_idf_scorer(self.idf_method), self.dtype)
            avg = self.collection.tokens / max(self.collection.rows, 1)
            flat, rows, cols = scoring._build_scores_and_indices_for_matrix(
                corpus_token_ids, idf, avg, local, self.k1, self.b, self.delta, None, method=self.method,
                dtype=self.dtype, int_dtype=self.int_dtype, show_progress=False)
            data, indices, indptr = self._np_csc(data=flat, rows=rows, cols=cols,
                                                 shape=(len(corpus_token_ids), len(unique_token_ids)))
            return {"data": data.astype(self.dtype), "indices": indices, "indptr": indptr,
                    "num_docs": len(corpus_token_ids)}

    return CollectionBM25




class MilvusLexical:
    """The same BM25 in Milvus: each row's ``bm25s`` term scores as a sparse vector, a question's
    term counts as the query; their inner product is the score ``bm25s`` gives (which sums a
    term's score once for each time the question has it). The vocabulary (term -> id) is a JSON
    file in the generation folder."""

    kind = "milvus"

    def __init__(self, client: Any, collection: str, vocab: dict[str, int]) -> None:
        self.client, self.collection, self.vocab = client, collection, vocab

    @classmethod
    def build(cls, bm25: Any, uri: str, collection: str, vocab_path: Path) -> MilvusLexical:
        from pymilvus import DataType

        client = _create(uri, collection, "terms", DataType.SPARSE_FLOAT_VECTOR,
                         {"index_type": "SPARSE_INVERTED_INDEX", "metric_type": "IP"})
        sc = bm25.scores  # CSC: a column per term, its rows and their scores
        indptr, rows, data = np.asarray(sc["indptr"]), np.asarray(sc["indices"]), np.asarray(sc["data"])
        cols = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        order = np.lexsort((cols, rows))  # by row, then term
        rows, cols, data = rows[order], cols[order], data[order]
        bounds = np.searchsorted(rows, np.arange(int(sc["num_docs"]) + 1))
        _fill(client, collection, (  # a row without terms scores 0 for every question: never returned
            {"row": r, "terms": {int(c): float(d) for c, d in zip(cols[a:b], data[a:b], strict=True)}}
            for r, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)) if a < b))
        vocab = {str(k): int(v) for k, v in bm25.vocab_dict.items()}
        vocab_path.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        return cls(client, collection, vocab)

    @classmethod
    def open(cls, uri: str, collection: str, vocab_path: Path) -> MilvusLexical:
        return cls(_loaded(uri, collection), collection, json.loads(vocab_path.read_text(encoding="utf-8")))

    def top(self, terms: list[str], n: int) -> list[tuple[int, float]]:
        counts = Counter(self.vocab[t] for t in terms if t in self.vocab)
        if not counts or n <= 0:
            return []
        found = self.client.search(self.collection, data=[{k: float(v) for k, v in counts.items()}],
                                   anns_field="terms", limit=LEXICAL_SEARCH_MARGIN * n, output_fields=["row"],
                                   search_params={"metric_type": "IP", "params": {"drop_ratio_search": 0.0}})
        return [h for h in _found(found) if h[1] > 0][:n]


def write_stores(config: StoreConfig, index_dir: Path, gen_dir: Path, generation: str, vectors: np.ndarray,
                 dim: int, lexical: tuple[Any, Any]) -> dict[str, str]:
    """Write a generation's chunk vectors and its two ``bm25s`` indexes (chunks, sentences) where
    ``config`` says: files in ``gen_dir``, or Milvus collections named for ``generation``. Returns
    the manifest's "store" entry, which ``open_stores`` reads."""
    stored: dict[str, str] = {"kind": config.kind}
    uri = milvus_uri(config.uri, index_dir)
    if config.kind == "milvus":
        dense = MilvusStore.build(vectors, dim, uri, collection_name(generation), config.ann_min)
        stored.update(uri=config.uri, collection=dense.collection, dense=dense.kind)
    else:
        FaissStore.build(vectors, dim, config.ann_min).save(gen_dir / "dense.faiss")
    for (part, folder), index in zip(LEXICAL_PARTS.items(), lexical, strict=True):
        if config.kind == "milvus":
            MilvusLexical.build(index, uri, collection_name(generation, part), gen_dir / f"{folder}.vocab.json")
        else:
            index.save(str(gen_dir / folder), show_progress=False)
    return stored


def open_stores(gen_dir: Path, stored: dict[str, str], index_dir: Path,
                dim: int) -> tuple[DenseStore, LexicalStore, LexicalStore]:
    """A generation's chunk vectors and its two BM25 indexes, where its manifest's "store" entry
    says (the files in ``gen_dir`` when it says nothing)."""
    dense: DenseStore
    lex: list[LexicalStore]
    if stored.get("kind") == "milvus":
        uri = milvus_uri(stored["uri"], index_dir)
        dense = MilvusStore.open(uri, stored["collection"], dim, stored["dense"])
        lex = [MilvusLexical.open(uri, collection_name(gen_dir.name, part), gen_dir / f"{folder}.vocab.json")
               for part, folder in LEXICAL_PARTS.items()]
    else:
        dense = FaissStore.open(gen_dir / "dense.faiss")
        lex = [Bm25sLexical.open(gen_dir / folder) for folder in LEXICAL_PARTS.values()]
    return dense, lex[0], lex[1]


def retire_others(config: StoreConfig, index_dir: Path, live: set[str]) -> None:
    """Once the ``live`` generations' segments are the index: drop what others left in the store
    (the files go with their folders)."""
    if config.kind == "milvus":
        drop_other_collections(milvus_uri(config.uri, index_dir), live)
