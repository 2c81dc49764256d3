"""make bench, section "scale": the dense store at 10k, 100k and 1M chunks (a benchmark, not a test).

Real chunk vectors are scarce here (about 12k across the indexes the evals built), so the
collections are synthetic the way the issue asks: each vector is a real MiniLM chunk vector plus
small Gaussian noise (sigma 0.02 a dimension, about cosine 0.93 to its source), renormalised.
Queries are other noisy copies. Each size runs in its own process so its memory is its own:

- build: seconds and peak RSS (the synthetic vectors included) to build and write the store the
  index would write at that size (flat below ``store.ANN_MIN``, HNSW from there); the exact
  flat index for the truth is built after the peak is read;
- disk: bytes per chunk of the written FAISS file;
- opened: RSS growth when a fresh process opens the written file;
- search p50 / p95 for one question's top-30 (what retrieval asks for), flat and the store;
- recall@10 of the store against flat search;
- adding one document (20 chunks) to the opened store and writing the whole file again (the
  dense part only: an index update today also rewrites texts and BM25; see docs/scale.md).

The same rows for the Milvus store (milvus-lite, in-process, through pymilvus) at the sizes of
``--milvus-sizes``: a Milvus server or cluster is the production path past one node; milvus-lite
runs the same API on one machine and shows what the client path costs.

What this does not measure: the texts, sentence records and BM25 parts of an index at these
sizes (today they are loaded whole, about 4.5 KB of RAM a chunk; see docs/scale.md).

    python evals/bench/scale.py --sizes 10000,100000      # prints one JSON object per size
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from assistant.indexing.store import ANN_MIN, FaissStore, MilvusStore, milvus_uri  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)
MILVUS_SIZES = (100_000,)
COLLECTION = "chunks_bench"
NOISE = 0.02
QUERIES = 200
TOP = 30  # what retrieval asks the dense store for (Settings.candidates)
NEW_DOC = 20  # chunks in the "add one document" row


def real_vectors() -> np.ndarray:
    """Every chunk vector of the indexes the evals and the bench have built (real MiniLM vectors)."""
    import faiss

    found = [faiss.read_index(str(p)) for base in (ROOT / "evals" / "external" / "cache", HERE / "cache")
             for p in sorted(base.glob("**/gen-*/dense.faiss"))]
    if not found:
        raise SystemExit("no built index to take real vectors from: run `make eval-external` or `make bench` first")
    return np.unique(np.concatenate([ix.reconstruct_n(0, ix.ntotal) for ix in found]), axis=0)


def synthetic(real: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    for i in range(0, n, 100_000):  # in blocks: the noise of 1M vectors at once would double the peak
        m = min(100_000, n - i)
        out[i : i + m] = noisy(real[rng.integers(len(real), size=m)], rng)
    return out


def noisy(v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Vectors plus Gaussian noise of ``NOISE`` a dimension, renormalised (float32)."""
    out = v.astype(np.float32) + rng.normal(0, NOISE, v.shape).astype(np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def rss_mb(kind: str = "VmRSS") -> float:
    """Resident MB: all (VmRSS), or the process's own memory without mapped files' pages (RssAnon:
    memory-mapped BM25 scores and sentence vectors are page cache the kernel can drop)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(kind + ":")) / 1024


def _percentiles(store: Any, queries: np.ndarray) -> tuple[float, float]:
    ms = []
    for q in queries:
        t0 = time.perf_counter()
        store.search(q, TOP)
        ms.append((time.perf_counter() - t0) * 1000)
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def _disk(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def one_size(n: int, stage: str, path: Path, engine: str = "faiss") -> dict[str, Any]:
    """One measurement in this process: ``build`` writes the store to ``path`` (a FAISS file, or
    the folder of a milvus-lite database), ``open`` reads it."""
    real = real_vectors()
    queries = synthetic(real, QUERIES, seed=2)
    uri = milvus_uri("", path)
    store: Any
    if stage == "build":
        vectors = synthetic(real, n, seed=1)
        base = rss_mb()
        t0 = time.perf_counter()
        if engine == "milvus":
            store = MilvusStore.build(vectors, vectors.shape[1], uri, COLLECTION)
        else:
            store = FaissStore.build(vectors, vectors.shape[1])
            store.save(path)
        build_s = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the flat index for the truth
        grown = rss_mb() - base
        flat = FaissStore.build(vectors, vectors.shape[1], ann_min=n + 1)
        truth = [{r for r, _ in flat.search(q, 10)} for q in queries]
        got = [{r for r, _ in store.search(q, 10)} for q in queries]
        flat_p50, flat_p95 = _percentiles(flat, queries)
        return {"chunks": n, "kind": store.kind, "build_s": build_s,
                "build_peak_rss_mb": peak, "build_rss_growth_mb": grown,
                "disk_bytes_per_chunk": _disk(path) / n,
                "recall_at_10": float(np.mean([len(a & b) / 10 for a, b in zip(truth, got, strict=True)])),
                "flat_p50_ms": flat_p50, "flat_p95_ms": flat_p95}
    if engine == "milvus":
        import pymilvus  # noqa: F401  (the client library is not the data)
    else:
        import llama_index.vector_stores.faiss  # noqa: F401  (a server has it loaded since its first upload)
    base = rss_mb()
    t0 = time.perf_counter()
    if engine == "milvus":
        store = MilvusStore.open(uri, COLLECTION, real.shape[1], "hnsw" if n >= ANN_MIN else "flat")
    else:
        store = FaissStore.open(path)
    open_s = time.perf_counter() - t0
    opened = rss_mb() - base
    p50, p95 = _percentiles(store, queries)
    new = synthetic(real, NEW_DOC, seed=3)
    t0 = time.perf_counter()
    if engine == "milvus":  # an insert: no rewrite
        store.client.insert(COLLECTION, [{"row": n + i, "vec": v.tolist()} for i, v in enumerate(new)])
        store.client.flush(COLLECTION)
    else:
        store.index.add(new)
        store.save(path)
    return {"open_s": open_s, "opened_rss_mb": opened, "p50_ms": p50, "p95_ms": p95,
            "add_one_document_s": time.perf_counter() - t0}


def _measure(n: int, engine: str) -> dict[str, Any]:
    """One size of one engine: built in one process, opened in another."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("dense.faiss" if engine == "faiss" else "milvus")
        row: dict[str, Any] = {}
        for stage in ("build", "open"):
            done = subprocess.run([sys.executable, __file__, "--size", str(n), "--stage", stage, "--path",
                                   str(path), "--engine", engine], capture_output=True, text=True, check=True)
            row |= json.loads(done.stdout.strip().splitlines()[-1])
        print(f"  scale {engine} {n:>9,}: {row}", flush=True)
        return row


def bench_scale(sizes: tuple[int, ...] = SIZES, out: Path = HERE,
                milvus_sizes: tuple[int, ...] = MILVUS_SIZES) -> dict[str, Any]:
    """Each size built in one process and opened in another; a plot of latency and RAM by size."""
    rows = {str(n): _measure(n, "faiss") for n in sizes}
    milvus = {str(n): _measure(n, "milvus") for n in milvus_sizes}
    out.mkdir(parents=True, exist_ok=True)
    plot(rows, out / "scale.png")
    return {"rows": rows, "milvus": milvus, "ann_min": ANN_MIN, "noise": NOISE, "queries": QUERIES,
            "plot": "scale.png"}


def plot(rows: dict[str, dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [int(n) for n in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(sizes, [r["flat_p50_ms"] for r in rows.values()], "o-", label="flat (exact) p50")
    a.plot(sizes, [r["p50_ms"] for r in rows.values()], "o-", label="store p50 (HNSW from ANN_MIN)")
    a.set(xscale="log", yscale="log", xlabel="chunks", ylabel="ms per question (top-30)", title="dense search")
    a.legend()
    b.plot(sizes, [r["opened_rss_mb"] for r in rows.values()], "o-", label="opened RSS")
    b.plot(sizes, [r["build_peak_rss_mb"] for r in rows.values()], "o-", label="build peak RSS")
    b.set(xscale="log", yscale="log", xlabel="chunks", ylabel="MB", title="dense store memory")
    b.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main(
    sizes: Annotated[str, typer.Option(help="Comma-separated collection sizes.")] = ",".join(map(str, SIZES)),
    size: Annotated[int, typer.Option(help="(internal) measure one size in this process.")] = 0,
    stage: Annotated[str, typer.Option(help="(internal) build | open.")] = "",
    path: Annotated[Path | None, typer.Option(help="(internal) the store file.")] = None,
    engine: Annotated[str, typer.Option(help="(internal) faiss | milvus.")] = "faiss",
    milvus_sizes: Annotated[str, typer.Option(help="Comma-separated sizes for the Milvus store.")]
    = ",".join(map(str, MILVUS_SIZES)),
) -> None:
    if size:
        assert path is not None
        print(json.dumps(one_size(size, stage, path, engine)))
        return
    print(json.dumps(bench_scale(tuple(int(s) for s in sizes.split(",")), HERE,
                                 tuple(int(s) for s in milvus_sizes.split(",") if s)), indent=1))


if __name__ == "__main__":
    typer.run(main)
