"""make bench, section "index-scale": a whole index (texts, chunks, sentences, both BM25s, dense
store) at large sizes, end to end (a benchmark, not a test).

A collection of N chunks is the FinanceBench-300 bench index (real pages, chunks, sentences,
attributions and MiniLM vectors) copied until it holds N chunks: each copy's documents get new
ids, and every vector gets small Gaussian noise (``scale.noisy``), renormalised. Parsing and
embedding are not what this measures (``make bench`` ingest and ray sections do), so the copies
go straight to the index writer (``index.write_segments``), made one segment at a time as a build
ingests them. Each stage runs in its own process so its memory is its own:

- build: seconds and peak RSS of writing the whole index (the model and the source index loaded,
  as a build has its model; their RSS before the build is reported beside it);
- open: seconds and RSS growth of ``Assistant.open`` on it (the model already loaded), and
  after the questions; warm ``ask()`` p50 / p95 over
  FinanceBench questions (the real answer path: retrieval, sentence scoring, composing);
- add one document: a new FinanceBench page parsed and embedded with the real model (model and
  spaCy loaded, as in a server that takes uploads), written as an added segment (``segments``):
  opening the previous index, parsing and embedding, writing, and the total;
- the same ``ask()`` p50 with the added segment live;
- recall@10 of the dense search (per-segment HNSW, merged) against exact search over all vectors.

    python evals/bench/index_scale.py --sizes 100000
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

import scale  # noqa: E402  (evals/bench: the synthetic-vector noise and RSS readers)

from assistant.core import Assistant, chunker_config, lexical_config, make_embedder, store_config  # noqa: E402
from assistant.indexing.build import NewSegment, _append, _now, write_segments  # noqa: E402
from assistant.indexing.ingest import Planned, local_ingest  # noqa: E402
from assistant.indexing.load import open_index  # noqa: E402
from assistant.progress import Stage  # noqa: E402
from assistant.records import Document  # noqa: E402
from assistant.settings import Settings  # noqa: E402

SOURCE = HERE / "cache" / "financebench-300"
SIZES = (100_000, 1_000_000)
QUESTIONS = 50
FB = ROOT.parent / "shared" / "benchmarks" / "financebench"


def build(n: int, path: Path) -> dict[str, Any]:
    """Write an index of ``n`` chunks through ``index.write_segments``, the copies made one segment
    at a time (as a build ingests them): the peak is what a build of this size holds."""
    s = Settings()
    emb = make_embedder(s)
    store = store_config(s)
    src = open_index(SOURCE / "index", emb.model_id, emb.dim, chunker_config(s))
    firsts = src.first_rows()
    docs = [src.documents[d] for d in firsts]
    sizes = [int(src.manifest["documents"][d.id]["chunks"]) for d in docs]
    per_copy = sum(sizes)
    count = -(-n // min(store.segment_rows, n))
    rng = np.random.default_rng(1)

    order = [(k, i) for k in range(-(-n // per_copy) + 1) for i in range(len(docs))]

    made = {"documents": 0, "sentences": 0}

    def segments() -> Iterator[NewSegment]:
        total, at = 0, 0
        for seg in range(count):
            plans: list[Planned] = []
            vecs, svecs = [], []
            while total < min(n, (seg + 1) * store.segment_rows):
                k, i = order[at]
                at += 1
                d = docs[i]
                doc = replace(d, id=f"{d.id}~{k}")
                chunks = [replace(c, doc_id=doc.id) for c in src.chunks[firsts[d.id] : firsts[d.id] + sizes[i]]]
                plans.append(Planned(doc, chunks, src.sentences[d.id], False, src.attributions[d.id]))
                vecs.append(scale.noisy(src.dense.vectors(firsts[d.id], sizes[i]), rng))
                svecs.append(scale.noisy(np.asarray(src.doc_sentence_vectors(d.id), dtype=np.float32), rng)
                             .astype(np.float16))
                total += sizes[i]
            made["documents"] += len(plans)
            made["sentences"] += sum(len(p.sentences) for p in plans)
            yield plans, np.concatenate(vecs), np.concatenate(svecs)

    base = scale.rss_mb()
    t0 = time.perf_counter()
    now = _now()
    rows, _ = write_segments(path, segments(), count, emb, chunker_config(s), lexical_config(s), {}, store,
                             lambda p: now)
    return {"chunks": rows, **made, "segments": count, "build_s": time.perf_counter() - t0,
            "build_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "before_build_rss_mb": base,
            "disk_bytes_per_chunk": sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / rows}


def _questions() -> list[str]:
    rows = [json.loads(x) for x in (FB / "financebench_open_source.jsonl").read_text().splitlines() if x.strip()]
    return [r["question"] for r in rows][:QUESTIONS]


def _latency(bot: Assistant, questions: list[str]) -> tuple[float, float]:
    """p50 / p95 of the questions' second pass: warm (the first pass reads the mapped files'
    pages from disk, which a server that has run a while holds in the page cache)."""
    for q in questions:
        bot.ask(q)
    ms = [bot.ask(q).reply.timings_ms["total"] for q in questions]
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def ask(path: Path) -> tuple[dict[str, Any], Assistant]:
    """Open the index at ``path`` and ask the questions twice: open time, RSS, warm p50 / p95 and
    dense recall@10 (``--stage ask``: any index, e.g. the FinanceBench-full bench cache)."""
    s = Settings(index_dir=path)
    emb = make_embedder(s)
    qs = _questions()
    emb.embed(qs[:1])  # the model is loaded (a server has it): RSS and times below are the index's
    base, anon = scale.rss_mb(), scale.rss_mb("RssAnon")
    t0 = time.perf_counter()
    bot = Assistant.open(settings=s, embedder=emb)
    out: dict[str, Any] = {"chunks": bot.index.live_rows, "open_s": time.perf_counter() - t0,
                           "opened_rss_mb": scale.rss_mb() - base, "opened_anon_mb": scale.rss_mb("RssAnon") - anon}
    p50, p95 = _latency(bot, qs)
    out |= {"rss_after_questions_mb": scale.rss_mb() - base, "anon_after_questions_mb": scale.rss_mb("RssAnon") - anon,
            "p50_ms": p50, "p95_ms": p95, "recall_at_10": _recall(bot, emb.embed(qs))}
    return out, bot


def use(path: Path) -> dict[str, Any]:
    out, bot = ask(path)
    s, emb, qs = bot.settings, bot.embedder, _questions()

    src = bot.index.documents[next(iter(bot.index.documents))]  # a real page, changed: a new document
    doc = Document(id="new-page.txt", text=src.text + "\nA new closing line.", sha256="new")
    local_ingest([replace(doc, id="warm.txt", text="A short page.")], emb, chunker_config(s), None,
                 Stage(None, "parsing", 1, "document"))  # spaCy loaded, as in the server that takes uploads
    t0 = time.perf_counter()
    old = open_index(path, emb.model_id, emb.dim, chunker_config(s), search=False)  # as an update opens it
    t1 = time.perf_counter()
    made = local_ingest([doc], emb, chunker_config(s), None, Stage(None, "parsing", 1, "document"))
    t2 = time.perf_counter()
    _append(path, old, [made[doc.id]], set(), emb, chunker_config(s), lexical_config(s), {}, store_config(s))
    t3 = time.perf_counter()
    out |= {"add_open_previous_s": t1 - t0, "add_embed_s": t2 - t1, "add_write_segment_s": t3 - t2,
            "add_one_document_s": t3 - t0, "add_chunks": len(made[doc.id].plan.chunks)}
    seg = Assistant.open(settings=s, embedder=emb)
    out["segmented_p50_ms"], _ = _latency(seg, qs)
    return out


def _recall(bot: Assistant, queries: np.ndarray) -> float:
    """recall@10 of the index's dense search (HNSW in each segment, merged) against exact search
    over every vector, for the questions' vectors (read last: the exact index is 1.5 GB at 1M)."""
    import faiss

    dense = bot.index.dense
    exact = faiss.IndexFlatIP(dense.dim)
    for start in range(0, dense.size, 100_000):
        exact.add(dense.vectors(start, min(100_000, dense.size - start)))
    _, truth = exact.search(np.asarray(queries, dtype=np.float32), 10)
    got = [{r for r, _ in dense.search(q, 10)} for q in queries]
    return float(np.mean([len(set(t.tolist()) & g) / 10 for t, g in zip(truth, got, strict=True)]))


def ef_sweep(path: Path) -> dict[str, Any]:
    """recall@10 and ms a question of one HNSW segment's search against exact search over it, by
    ``efSearch``, for the FinanceBench questions' vectors (real questions, not copies of chunks:
    what ``store.HNSW_EF`` was chosen on)."""
    import faiss

    ix: Any = faiss.read_index(str(max(path.glob("gen-*/dense.faiss"), key=lambda f: f.stat().st_size)))
    qs = np.asarray(make_embedder(Settings()).embed(_questions()), dtype=np.float32)
    exact = faiss.IndexFlatIP(ix.d)
    exact.add(ix.reconstruct_n(0, ix.ntotal))
    _, truth = exact.search(qs, 10)
    out: dict[str, Any] = {"vectors": int(ix.ntotal)}
    for ef in (64, 128, 256, 512, 1024):
        ix.hnsw.efSearch = ef
        t0 = time.perf_counter()
        _, got = ix.search(qs, 10)
        ms = (time.perf_counter() - t0) / len(qs) * 1000
        hits = [len(set(a) & set(b)) / 10 for a, b in zip(truth, got, strict=True)]
        out[str(ef)] = {"recall_at_10": float(np.mean(hits)), "ms": ms}
    return out


def _run(stage: str, n: int, path: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--size", str(n), "--stage", stage, "--path", str(path)],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"index-scale {stage} at {n} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def bench_index_scale(sizes: tuple[int, ...] = SIZES, real: Path | None = None) -> dict[str, Any]:
    """Each size built in one process and used in another; ``real``: a real index (the whole
    FinanceBench corpus, about 70k chunks) asked the same questions."""
    rows = {}
    for n in sizes:
        with tempfile.TemporaryDirectory(dir=ROOT / ".cache") as tmp:
            path = Path(tmp) / "index"
            row = _run("build", n, path) | _run("use", n, path)
        print(f"  index-scale {n:>9,}: {row}", flush=True)
        rows[str(n)] = row
    out: dict[str, Any] = {"rows": rows, "noise": scale.NOISE, "questions": QUESTIONS,
                           "source": "financebench-300 bench index"}
    if real is not None:
        out["real"] = _run("ask", 0, real)
        print(f"  index-scale {real}: {out['real']}", flush=True)
    return out


def main(
    sizes: Annotated[str, typer.Option(help="Comma-separated collection sizes (chunks).")] = ",".join(map(str, SIZES)),
    size: Annotated[int, typer.Option(help="(internal) one size in this process.")] = 0,
    stage: Annotated[str, typer.Option(help="build | use (ask, then add a document) | ask | ef (recall by "
                                       "efSearch), on --path, with --size.")] = "",
    path: Annotated[Path | None, typer.Option(help="(internal) the index folder.")] = None,
) -> None:
    if stage:
        assert path is not None
        stages = {"build": lambda: build(size, path), "ef": lambda: ef_sweep(path), "ask": lambda: ask(path)[0],
                  "use": lambda: use(path)}
        print(json.dumps(stages[stage]()))
        return
    print(json.dumps(bench_index_scale(tuple(int(x) for x in sizes.split(","))), indent=1))


if __name__ == "__main__":
    typer.run(main)
