"""make bench: speed against the model's own ceiling, and retrieval quality on FinanceBench
against baselines, measured side by side in one run. Prints a table and writes RESULTS.md and
results.json next to this file. Not a test: numbers, not pass/fail.

    python evals/bench/bench.py                      # everything (first run builds caches)
    python evals/bench/bench.py --only ingest,latency --pages 100 --full-pages 1000   # quick
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT))  # the evals package (the PolNeAR latency row)
import baseline  # noqa: E402
import index_scale  # noqa: E402
import scale  # noqa: E402

from assistant.answering.present import answer_text  # noqa: E402
from assistant.answering.retrieval import HybridRetriever  # noqa: E402
from assistant.core import Assistant, chunker_config, make_embedder  # noqa: E402
from assistant.documents.chunking import context_header, embedding_text  # noqa: E402
from assistant.indexing.build import build_index  # noqa: E402
from assistant.indexing.embedding import OnnxEmbedder, SentenceTransformerEmbedder, quantize_int8  # noqa: E402
from assistant.indexing.load import open_index  # noqa: E402
from assistant.language.figures import contains_figure, find_figures  # noqa: E402
from assistant.settings import Settings, packaged_model_path  # noqa: E402

SECTIONS = ["ingest", "pdf", "incremental", "latency", "coldstart", "memory", "quality", "load", "scale", "index-scale",
            "ray"]
CACHE = HERE / "cache"
SEED_Q = "How many cars did Japan export to the United States last year?"


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q)) if xs else float("nan")


def env_info() -> dict[str, Any]:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    pkgs = ["torch", "sentence-transformers", "transformers", "openvino", "onnxruntime", "faiss-cpu",
            "llama-index-core", "llama-index-embeddings-huggingface", "bm25s", "gradio"]
    return {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "cpu": cpu, "cores": os.cpu_count(),
            "python": platform.python_version(),
            "packages": {p: metadata.version(p) for p in pkgs if _installed(p)}}


def _installed(pkg: str) -> bool:
    try:
        metadata.version(pkg)
        return True
    except metadata.PackageNotFoundError:
        return False


def sample_corpus(src: Path, pages: int | None, name: str) -> Path:
    """The first ``pages`` pages in sorted file order, as page files (cached)."""
    out = CACHE / name / "corpus"
    if out.exists():
        return out
    tmp = out.with_name("corpus.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    left = pages if pages is not None else 10**9
    for path in sorted(src.glob("*.jsonl")):
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()][:left]
        if lines:
            (tmp / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        left -= len(lines)
        if left <= 0:
            break
    tmp.rename(out)
    return out


def full_index(src: Path, full_pages: int | None) -> tuple[Path, Path]:
    """The whole page corpus (or its first ``full_pages``) indexed once, in a subprocess so its
    peak RSS is measured; re-runs reuse it (the index is incremental)."""
    name = "financebench-full" if full_pages is None else f"financebench-{full_pages}"
    corpus = src if full_pages is None else sample_corpus(src, full_pages, name)
    index = CACHE / name / "index"
    record = CACHE / name / "build.json"
    if not record.exists():
        print(f"building the {name} index once (progress below; cached for later runs)", flush=True)
        env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(index)}
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "index"], env=env, check=True)
        rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far: this one
        record.write_text(json.dumps({"seconds": time.perf_counter() - t0, "peak_rss_mb": rss_kb / 1024,
                                      "date": time.strftime("%Y-%m-%d")}))
    return corpus, index


# ---------------------------------------------------------------- 1b. PDF ingestion
def bench_pdf(pages: int = 200) -> dict[str, Any]:
    """A generated ``pages``-page PDF: text extraction alone vs the whole index build, and the
    cost of opening a PDF citation in the UI (render the page + the span's boxes)."""
    sys.path.insert(0, str(ROOT))
    from assistant.documents.corpus import load_corpus
    from assistant.documents.formats import page_view
    from tests.docfactory import make_pdf

    corpus = CACHE / f"pdf-{pages}" / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    pdf = corpus / "report.pdf"
    if not pdf.exists():
        make_pdf(pdf, pages=pages)
    settings = Settings()
    emb = make_embedder(settings)
    t0 = time.perf_counter()
    docs, _ = load_corpus(corpus)
    extract = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        stats = build_index(corpus, Path(tmp) / "index", emb, chunker_config(settings), rebuild=True, progress=False)
        index_s = time.perf_counter() - t0
    opens = []
    for d in docs[:20]:
        t0 = time.perf_counter()
        page_view(pdf, d.page or 0, 0, min(200, len(d.text)))  # what the UI calls
        opens.append((time.perf_counter() - t0) * 1e3)
    return {"pages": len(docs), "chunks": stats.chunks, "extract_s": extract, "index_s": index_s,
            "extract_pages_per_s": len(docs) / extract, "index_pages_per_s": len(docs) / index_s,
            "extract_share": extract / index_s, "open_p50_ms": pct(opens, 50), "open_p95_ms": pct(opens, 95)}


# ---------------------------------------------------------------- 1. ingestion throughput
INTERLEAVED = 3  # rounds of (index, bare encode) behind the ingest / bare encode ratio


def bench_ingest(src: Path, pages: int) -> dict[str, Any]:
    corpus = sample_corpus(src, pages, f"sample-{pages}")
    settings = Settings()
    ours = make_embedder(settings)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        stats = build_index(corpus, Path(tmp) / "index", ours, chunker_config(settings), rebuild=True, progress=False)
        a_sec = time.perf_counter() - t0
        idx = open_index(Path(tmp) / "index", ours.model_id, ours.dim, chunker_config(settings))
        headers = {d.id: context_header(d, ours.count_tokens) for d in idx.documents.values()}
        texts = [embedding_text(idx.documents[c.doc_id], c, headers[c.doc_id]) for c in idx.chunks]
        tokens = sum(ours.count_tokens(t) for t in texts)  # what is embedded: header + chunk
    rows: dict[str, dict[str, float]] = {"a: assistant index": {"seconds": a_sec, "chunks": stats.chunks,
                                                                 "tokens": tokens}}
    path = packaged_model_path()
    torch_emb = SentenceTransformerEmbedder(path, ours.model_id, batch_size=settings.embed_batch_size)
    onnx = next((settings.model_cache).glob("*/model.onnx"))
    encoders: dict[str, Any] = {"b: SentenceTransformer.encode (torch)": torch_emb,
                                "b-ov: OpenVINO fp32 encode (our backend)": ours}
    if _installed("onnxruntime"):
        encoders["b-ort: onnxruntime fp32 encode"] = OnnxEmbedder(path, onnx, ours.model_id, runtime="onnxruntime")
        encoders["b-int8: onnxruntime int8 encode"] = OnnxEmbedder(path, quantize_int8(onnx), ours.model_id,
                                                                    runtime="onnxruntime")
    ref = None
    for name, enc in encoders.items():
        enc.embed(texts[:32])  # warm
        t0 = time.perf_counter()
        vecs = enc.embed(texts)
        rows[name] = {"seconds": time.perf_counter() - t0, "chunks": len(texts), "tokens": tokens}
        ref = vecs if ref is None else ref
        cos = (vecs * ref).sum(1)
        rows[name].update({"cos_to_torch_min": float(cos.min()), "cos_to_torch_mean": float(cos.mean())})
    docs = baseline.page_documents(corpus)
    _, c = baseline.build(docs, path)
    rows["c: llama-index VectorStoreIndex.from_documents"] = {"seconds": c["seconds"], "chunks": c["nodes"],
                                                              "tokens": c["tokens"]}
    for r in rows.values():
        r["chunks_per_s"] = r["chunks"] / r["seconds"]
        r["tokens_per_s"] = r["tokens"] / r["seconds"]
    a, b = rows["a: assistant index"], rows["b: SentenceTransformer.encode (torch)"]
    bov, cc = rows["b-ov: OpenVINO fp32 encode (our backend)"], rows["c: llama-index VectorStoreIndex.from_documents"]
    ratios = []  # interleaved: a whole `assistant index` run, then a bare encode of its chunks, INTERLEAVED times
    for _ in range(INTERLEAVED):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            build_index(corpus, Path(tmp) / "index", ours, chunker_config(settings), rebuild=True, progress=False)
            built = time.perf_counter() - t0
        t0 = time.perf_counter()
        ours.embed(texts)
        ratios.append((time.perf_counter() - t0) / built)
    return {"pages": pages, "rows": rows, "ingest_over_encode": statistics.median(ratios),
            "ingest_over_encode_runs": ratios, "a_over_b": a["tokens_per_s"] / b["tokens_per_s"],
            "a_over_b_ov": a["tokens_per_s"] / bov["tokens_per_s"],
            "a_over_c_tokens": a["tokens_per_s"] / cc["tokens_per_s"],
            "a_over_c_chunks": a["chunks_per_s"] / cc["chunks_per_s"]}


# ---------------------------------------------------------------- 10. ingestion on Ray
def bench_ray(src: Path, pages: int, workers: int = 2) -> dict[str, Any]:
    """The same page sample indexed by one process and by Ray Data on a private local cluster of
    ``workers`` one-thread workers: first with the cluster's start (what `assistant index --ray
    local` costs), then again with the cluster up (what a long-lived cluster costs)."""
    import ray

    from assistant.core import index_corpus

    corpus = sample_corpus(src, pages, f"sample-{pages}")
    emb = make_embedder(Settings())
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        runs = [("single process (2 threads)", ""), ("Ray, 2 local workers, cluster start included", "local"),
                ("Ray, 2 local workers, cluster already up", "local")]
        for name, address in runs:
            s = Settings(corpus_dir=corpus, index_dir=Path(tmp) / name.split(",")[0], ray_workers=workers)
            t0 = time.perf_counter()
            stats = index_corpus(s, emb, rebuild=True, progress=False, ray=address)
            sec = time.perf_counter() - t0
            rows[name] = {"seconds": sec, "chunks": stats.chunks, "chunks_per_s": stats.chunks / sec}
            print(f"  ray: {name}: {rows[name]}", flush=True)
    ray.shutdown()
    single = rows[runs[0][0]]["chunks_per_s"]
    return {"pages": pages, "workers": workers, "rows": rows,
            "ratio_cold": rows[runs[1][0]]["chunks_per_s"] / single,
            "ratio_warm": rows[runs[2][0]]["chunks_per_s"] / single}


# ---------------------------------------------------------------- 2. incremental re-index
def bench_incremental(src: Path, index: Path) -> dict[str, Any]:
    settings = Settings()
    emb = make_embedder(settings)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus, idx = Path(tmp) / "corpus", Path(tmp) / "index"
        shutil.copytree(src, corpus)
        shutil.copytree(index, idx)
        files = sorted(corpus.glob("*.jsonl"))
        victim = files[len(files) // 2]

        def run(label: str) -> None:
            t0 = time.perf_counter()
            s = build_index(corpus, idx, emb, chunker_config(settings), progress=False)
            out[label] = {"seconds": time.perf_counter() - t0, "embedded": s.embedded, "chunks": s.chunks,
                          "documents": s.documents}

        run("nothing changed")
        os.utime(victim)
        run("touch (mtime only) 1 file")
        lines = [json.loads(ln) for ln in victim.read_text().splitlines() if ln.strip()]
        for rec in lines:
            rec["text"] += "\nRevised."
        victim.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
        run("edit every page of 1 file")
        opened = open_index(idx, emb.model_id, emb.dim, chunker_config(settings))
        out["file"] = victim.name
        out["file_chunks"] = sum(c.doc_id.startswith(victim.name + "#") for c in opened.chunks)
    return out


# ---------------------------------------------------------------- 3. warm query latency
def _latency(bot: Assistant, questions: list[str]) -> dict[str, Any]:
    return _percentiles(_timings([(bot, questions)]), len(questions))


def _timings(asks: list[tuple[Assistant, list[str]]]) -> dict[str, list[float]]:
    """Warm ``ask()`` timings of each bot's questions (each bot warmed on its first five)."""
    t: dict[str, list[float]] = {"total": [], "retrieve": [], "compose": []}
    for bot, questions in asks:
        for q in questions[:5]:
            bot.ask(q)
        for q in questions:
            r = bot.ask(q).reply
            for k in t:
                t[k].append(r.timings_ms[k])
    return t


def _percentiles(t: dict[str, list[float]], questions: int) -> dict[str, Any]:
    return {"questions": questions, **{f"{k}_p50_ms": pct(v, 50) for k, v in t.items()},
            **{f"{k}_p95_ms": pct(v, 95) for k, v in t.items()}}


def seed_questions() -> list[str]:
    qs: list[str] = []
    for suite in sorted((ROOT / "evals").glob("*.jsonl")):
        for ln in suite.read_text().splitlines():
            if ln.strip():
                case = json.loads(ln)
                qs.extend(case.get("turns") or [case["question"]])
    return (qs * (100 // len(qs) + 1))[: max(100, len(qs))]


def fb_questions(fb: Path, n: int | None) -> list[dict[str, Any]]:
    qs = [json.loads(ln) for ln in (fb / "financebench_open_source.jsonl").read_text().splitlines() if ln.strip()]
    return qs[:n] if n else qs


def bench_latency(fb: Path, index: Path, n: int | None) -> dict[str, Any]:
    seed = Assistant.open()
    fbot = Assistant.open(index_dir=index)
    out = {"seed": _latency(seed, seed_questions()),
           "financebench": _latency(fbot, [q["question"] for q in fb_questions(fb, n)])}
    from evals.external.convert import SHARED, convert_polnear
    from evals.external.run import ablation_bot, ablation_label, cases_of, open_bot

    # The same questions with make calibrate's other fit (with / without the reader): what reading costs.
    out[f"seed, {ablation_label()}"] = _latency(ablation_bot(seed), seed_questions())
    with tempfile.TemporaryDirectory() as tmp:  # the seed corpus with vectors and BM25 in Milvus (milvus-lite)
        from assistant.core import index_corpus

        milvus = Settings(index_dir=Path(tmp) / "index", store="milvus")
        index_corpus(milvus, seed.embedder, progress=False)
        out["seed, Milvus store (milvus-lite)"] = _latency(Assistant.open(settings=milvus, embedder=seed.embedder),
                                                          seed_questions())

    if (SHARED / "tat-qa").is_dir():  # TAT-QA reports, one collection each, in four renderings (tables issue)
        from evals.external.convert import convert_all
        from evals.external.run import by_corpus

        convert_all(only=["tatqa-tables"])
        s = Settings()
        emb = make_embedder(s)
        asks = [(open_bot("tatqa-tables", corpus, emb, s), [c.question for c in cases])
                for corpus, cases in by_corpus(cases_of("tatqa-tables", "dev"))]
        out["tatqa report"] = _percentiles(_timings(asks), sum(len(q) for _, q in asks))

    if (SHARED / "polnear-dev").is_dir():  # who-said questions over 84 news articles (one collection)
        convert_polnear(SHARED / "polnear-dev")
        s = Settings()
        pbot = open_bot("polnear", "corpus", make_embedder(s), s)
        out["polnear"] = _latency(pbot, [c.question for c in cases_of("polnear", "dev")][:n])
    return out


# ---------------------------------------------------------------- 4. cold start, 5. memory
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(index: Path, questions: list[str]) -> dict[str, float]:
    """Launch app.py, time it to the first served answer, ask the rest, read its peak RSS."""
    from gradio_client import Client

    port = _free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), "--index", str(index)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False)
                break
            except Exception:
                if proc.poll() is not None or time.perf_counter() - t0 > 300:
                    raise RuntimeError("app.py did not start") from None
                time.sleep(0.1)
        client.predict(questions[0], [], api_name="/ask")
        first = time.perf_counter() - t0
        for q in questions[1:]:
            client.predict(q, [], api_name="/ask")
        status = Path(f"/proc/{proc.pid}/status").read_text()
        hwm = next(int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("VmHWM"))
        return {"first_answer_s": first, "peak_rss_mb": hwm / 1024}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def bench_coldstart() -> dict[str, Any]:
    asks = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "ask", SEED_Q], check=True, capture_output=True)
        asks.append(time.perf_counter() - t0)
    apps = [_serve(Settings().index_dir, [SEED_Q])["first_answer_s"] for _ in range(2)]
    return {"ask_process_s": statistics.median(asks), "ask_runs_s": asks,
            "app_first_answer_s": statistics.median(apps), "app_runs_s": apps}


def bench_memory(fb: Path, index: Path) -> dict[str, Any]:
    build = json.loads((index.parent / "build.json").read_text())
    serving = _serve(index, [q["question"] for q in fb_questions(fb, 20)])
    return {"indexing_peak_rss_mb": build["peak_rss_mb"], "indexing_seconds": build["seconds"],
            "indexing_measured_on": build.get("date"), "serving_peak_rss_mb": serving["peak_rss_mb"]}


# ---------------------------------------------------------------- 6. retrieval quality
def _gold(q: dict[str, Any]) -> set[tuple[str, int]]:
    return {(e["doc_name"], int(e["evidence_page_num"])) for e in q["evidence"]}


def _hits(ranked: list[tuple[str, int]], gold: set[tuple[str, int]]) -> dict[int, bool]:
    return {k: any(p in gold for p in ranked[:k]) for k in (1, 5, 10)}


# ---------------------------------------------------------------- 8. mixed load on the real server
def bench_load(api_clients: int = 4, ui_clients: int = 4, rounds: int = 20) -> dict[str, Any]:
    """8 mixed clients (API + chat in Chromium) on app.py over a copy of the seed corpus, with an
    upload in the middle: errors and latencies (the short version runs in make test)."""
    from load import CHROMIUM, CHROMIUM_ARGS, mixed_load, wait_http
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        doc = Path(tmp) / "upload.txt"
        doc.write_text("\n\n".join(f"Section {i}: the board reviewed depot {i}, its contracts and staffing."
                                     for i in range(200)), encoding="utf-8")
        port = _free_port()
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), "--corpus", str(corpus),
                                 "--index", str(Path(tmp) / "index")], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}/"
            wait_http(url)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                report = mixed_load(url, browser, api_clients, ui_clients, rounds, max_seconds=600, upload=doc)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return {"api_clients": api_clients, "ui_clients": ui_clients, "rounds": rounds, **report.summary()}


def bench_quality(fb: Path, corpus: Path, index: Path, n: int | None) -> dict[str, Any]:
    qs = fb_questions(fb, n)
    present = {p.stem for p in corpus.glob("*.jsonl")}
    systems: dict[str, Any] = {}
    bot = Assistant.open(index_dir=index)
    docs, s = bot.index.documents, bot.settings
    for mode in ("hybrid", "dense", "lexical"):  # each mode is its own retriever over the same index
        retriever = HybridRetriever.from_settings(bot.index, bot.embedder, s, mode)
        systems[f"ours: {mode}"] = [
            [(docs[h.chunk.doc_id].name, docs[h.chunk.doc_id].page) for h in retriever.retrieve(q["question"], 10)]
            for q in qs]
    li_dir = index.parent / "llamaindex"
    if not (li_dir / "build.json").exists():
        print("building the plain llama-index baseline over the same pages once (cached)", flush=True)
        _, stats = baseline.build(baseline.page_documents(corpus), packaged_model_path(), li_dir)
        (li_dir / "build.json").write_text(json.dumps(stats))
    li = baseline.load(li_dir, packaged_model_path())
    systems["llama-index default retriever"] = [baseline.retrieve_pages(li, q["question"], 10) for q in qs]
    out: dict[str, Any] = {"questions": len(qs), "with_gold_doc": sum(q["doc_name"] in present for q in qs)}
    for name, ranked in systems.items():
        hits = [_hits(r, _gold(q)) for r, q in zip(ranked, qs, strict=True)]
        ok = [h for h, q in zip(hits, qs, strict=True) if q["doc_name"] in present]
        out[name] = {f"hit@{k}": sum(h[k] for h in hits) / len(hits) for k in (1, 5, 10)}
        out[name].update({f"hit@{k} (gold doc present)": sum(h[k] for h in ok) / max(1, len(ok)) for k in (1, 5, 10)})
    metric = [q for q in qs if q["question_type"] == "metrics-generated"]
    right = 0
    for q in metric:
        figs = find_figures(q["answer"])
        reply = bot.ask(q["question"]).reply
        right += bool(figs) and contains_figure(answer_text(reply), figs[0].text.lstrip("$").strip())
    out["metrics_generated"] = {"questions": len(metric), "gold_figure_in_answer": right / max(1, len(metric))}
    return out


# ---------------------------------------------------------------- report
def table(res: dict[str, Any]) -> list[str]:
    """One markdown row per figure: what, value, goal, met."""
    rows: list[tuple[str, str, str, str]] = []

    def add(what: str, value: str, goal: str = "", met: bool | None = None) -> None:
        rows.append((what, value, goal, "" if met is None else ("yes" if met else "**no**")))

    if ing := res.get("ingest"):
        for name, r in ing["rows"].items():
            cos = f", cos to torch min {r['cos_to_torch_min']:.4f}" if "cos_to_torch_min" in r else ""
            add(f"1. ingest {ing['pages']} pages — {name}",
                f"{r['chunks_per_s']:.1f} chunks/s, {r['tokens_per_s']:.0f} tokens/s ({r['chunks']} chunks, "
                f"{r['seconds']:.1f} s{cos})")
        add("1. a/b (tokens/s, ours vs torch encode)", f"{ing['a_over_b']:.2f}", ">= 0.9", ing["a_over_b"] >= 0.9)
        add("1. a/b-ov (ours vs our backend's raw encode)", f"{ing['a_over_b_ov']:.2f}")
        if "ingest_over_encode" in ing:
            runs, ratio = ing["ingest_over_encode_runs"], ing["ingest_over_encode"]
            add(f"1. ingest / bare encode (same runtime, same chunks, interleaved x{len(runs)}: "
                f"{', '.join(f'{r:.2f}' for r in runs)})", f"{ratio:.2f}", ">= 0.9", ratio >= 0.9)
        add("1. a/c (tokens/s; chunks/s)", f"{ing['a_over_c_tokens']:.2f}; {ing['a_over_c_chunks']:.2f}", "> 1",
            ing["a_over_c_tokens"] > 1 and ing["a_over_c_chunks"] > 1)
    if pdf := res.get("pdf"):
        add(f"1b. PDF ({pdf['pages']} generated pages): text extraction", f"{pdf['extract_pages_per_s']:.0f} pages/s "
            f"({pdf['extract_s']:.1f} s)")
        add("1b. PDF: end-to-end index (extract, chunk, embed, write)", f"{pdf['index_pages_per_s']:.1f} pages/s "
            f"({pdf['index_s']:.1f} s, {pdf['chunks']} chunks)")
        add("1b. PDF: extraction share of index time", f"{pdf['extract_share']:.1%}", "<= 20%",
            pdf["extract_share"] <= 0.20)
        add("1b. PDF: open a citation (render page + span boxes) p50 / p95",
            f"{pdf['open_p50_ms']:.0f} / {pdf['open_p95_ms']:.0f} ms")
    if inc := res.get("incremental"):
        for label in ("nothing changed", "touch (mtime only) 1 file", "edit every page of 1 file"):
            r = inc[label]
            add(f"2. re-index, {label}", f"{r['seconds']:.1f} s, {r['embedded']} of {r['chunks']} chunks embedded")
        r = inc["edit every page of 1 file"]
        add(f"2. only that file's chunks embedded ({inc['file']})", f"{r['embedded']} vs {inc['file_chunks']}",
            "equal", r["embedded"] == inc["file_chunks"])
    if lat := res.get("latency"):
        goals = {"seed": 60.0, "financebench": 200.0, "polnear": 150.0,  # p50 budgets with the reader (issue 17)
                 "tatqa report": 60.0}  # a TAT-QA report, its table read as cells (issue 30)
        for name, r in lat.items():
            if not isinstance(r, dict):
                continue  # bench_seconds
            goal = goals.get(name.split(",")[0], 0.0)
            add(f"3. warm ask() p50 / p95, {name} ({r['questions']} questions)",
                f"{r['total_p50_ms']:.1f} / {r['total_p95_ms']:.1f} ms (retrieve {r['retrieve_p50_ms']:.1f} / "
                f"{r['retrieve_p95_ms']:.1f}, compose {r['compose_p50_ms']:.1f} / {r['compose_p95_ms']:.1f})",
                f"p50 <= {goal:.0f} ms", r["total_p50_ms"] <= goal)
    if cs := res.get("coldstart"):
        add("4. cold `assistant ask` process (median of 3)", f"{cs['ask_process_s']:.2f} s", "<= 5 s",
            cs["ask_process_s"] <= 5)
        add("4. app.py launch to first answer (median of 2)", f"{cs['app_first_answer_s']:.2f} s", "<= 8 s",
            cs["app_first_answer_s"] <= 8)
    if mem := res.get("memory"):
        add("5. peak RSS indexing FinanceBench", f"{mem['indexing_peak_rss_mb']:.0f} MB "
            f"({mem['indexing_seconds'] / 60:.1f} min build, measured {mem['indexing_measured_on']})")
        add("5. peak RSS serving FinanceBench (app.py, 20 questions)", f"{mem['serving_peak_rss_mb']:.0f} MB")
    if q := res.get("quality"):
        for name, r in q.items():
            if isinstance(r, dict) and "hit@5" in r:
                add(f"6. {name}: hit@1 / @5 / @10", f"{r['hit@1']:.3f} / {r['hit@5']:.3f} / {r['hit@10']:.3f} "
                    f"(gold doc present: {r['hit@5 (gold doc present)']:.3f} @5)")
        hy, de, li = q["ours: hybrid"]["hit@5"], q["ours: dense"]["hit@5"], q["llama-index default retriever"]["hit@5"]
        add("6. hybrid hit@5 minus dense-only", f"{100 * (hy - de):+.1f} points", ">= +10", hy - de >= 0.10)
        add("6. hybrid hit@5 minus plain llama-index", f"{100 * (hy - li):+.1f} points", "> 0", hy > li)
        m = q["metrics_generated"]
        add(f"6. gold figure in our answer ({m['questions']} metrics-generated)", f"{m['gold_figure_in_answer']:.3f}")
    if ld := res.get("load"):
        for kind in ("api", "ui"):
            k = ld[kind]
            add(f"8. mixed load, {ld['api_clients']} API + {ld['ui_clients']} chat clients: {kind}",
                f"{k['calls']} calls, {k['errors']} errors, p50 {k['p50_ms']} ms, p95 {k['p95_ms']} ms",
                "0 errors", k["errors"] == 0)
    if sc := res.get("scale"):
        for n, r in sc["rows"].items():
            big = int(n) >= 1_000_000
            add(f"9. dense store at {int(n):,} chunks ({r['kind']}): search p50 / p95 (flat p50)",
                f"{r['p50_ms']:.2f} / {r['p95_ms']:.2f} ms ({r['flat_p50_ms']:.1f} ms)")
            add(f"9. dense store at {int(n):,} chunks: recall@10 against flat", f"{r['recall_at_10']:.3f}",
                ">= 0.95" if big else "", r["recall_at_10"] >= 0.95 if big else None)
            add(f"9. dense store at {int(n):,} chunks: build / opened RSS / disk",
                f"{r['build_s']:.1f} s, peak {r['build_peak_rss_mb']:.0f} MB / {r['opened_rss_mb']:.0f} MB / "
                f"{r['disk_bytes_per_chunk']:.0f} B per chunk")
            add(f"9. dense store at {int(n):,} chunks: add one document ({scale.NEW_DOC} chunks) and write",
                f"{r['add_one_document_s']:.2f} s", "<= 5 s" if big else "", r["add_one_document_s"] <= 5 if big
                else None)
        for n, r in sc.get("milvus", {}).items():
            faiss_row = sc["rows"].get(n, {})
            beside = f" (FAISS {faiss_row['p50_ms']:.2f} / {faiss_row['p95_ms']:.2f} ms)" if faiss_row else ""
            add(f"9. Milvus store (milvus-lite) at {int(n):,} chunks ({r['kind']}): search p50 / p95",
                f"{r['p50_ms']:.2f} / {r['p95_ms']:.2f} ms{beside}")
            add(f"9. Milvus store at {int(n):,} chunks: recall@10 against flat / build / opened RSS / disk",
                f"{r['recall_at_10']:.3f} / {r['build_s']:.1f} s / {r['opened_rss_mb']:.0f} MB / "
                f"{r['disk_bytes_per_chunk']:.0f} B per chunk")
            add(f"9. Milvus store at {int(n):,} chunks: add one document ({scale.NEW_DOC} chunks)",
                f"{r['add_one_document_s']:.2f} s")
    if ix := res.get("index-scale"):
        for n, r in ix["rows"].items():
            big = int(n) >= 1_000_000
            at = f"11. index of {r['chunks']:,} chunks ({r['documents']:,} pages, {r['sentences']:,} sentences)"
            add(f"{at}: build in {r['segments']} segments / peak RSS (before it: model, source) / disk",
                f"{r['build_s']:.0f} s / {r['build_peak_rss_mb']:.0f} MB ({r['before_build_rss_mb']:.0f} MB) / "
                f"{r['disk_bytes_per_chunk']:.0f} B per chunk", "peak <= 4 GB" if big else "",
                r["build_peak_rss_mb"] <= 4096 if big else None)
            add(f"{at}: open / opened RSS, of it the process's own (after {2 * ix['questions']} questions: all, own; "
                "the rest is mapped files' pages, page cache the kernel can drop)",
                f"{r['open_s']:.1f} s / {r['opened_rss_mb']:.0f} MB, {r['opened_anon_mb']:.0f} MB "
                f"({r['rss_after_questions_mb']:.0f} MB, {r['anon_after_questions_mb']:.0f} MB)",
                "opened and own <= 2.5 GB" if big else "",
                max(r["opened_rss_mb"], r["anon_after_questions_mb"]) <= 2560 if big else None)
            add(f"{at}: warm ask() p50 / p95 (FinanceBench questions)", f"{r['p50_ms']:.0f} / {r['p95_ms']:.0f} ms",
                "p50 <= 100 ms" if big else "", r["p50_ms"] <= 100 if big else None)
            add(f"{at}: add one document ({r['add_chunks']} chunks) as a segment: open previous + embed + write",
                f"{r['add_open_previous_s']:.1f} + {r['add_embed_s']:.1f} + {r['add_write_segment_s']:.2f} = "
                f"{r['add_one_document_s']:.1f} s", "<= 5 s" if big else "",
                r["add_one_document_s"] <= 5 if big else None)
            add(f"{at}: warm ask() p50 with the added segment", f"{r['segmented_p50_ms']:.0f} ms")
            if "recall_at_10" in r:
                add(f"{at}: dense recall@10 (HNSW per segment, merged) against exact search",
                    f"{r['recall_at_10']:.3f}", ">= 0.95" if big else "", r["recall_at_10"] >= 0.95 if big else None)
    if (ix := res.get("index-scale")) and (r := ix.get("real")):
        add(f"11. the whole FinanceBench corpus, {r['chunks']:,} chunks: warm ask() p50 / p95, dense recall@10",
            f"{r['p50_ms']:.0f} / {r['p95_ms']:.0f} ms, {r['recall_at_10']:.3f}", "p50 <= 60 ms", r["p50_ms"] <= 60)
    if rr := res.get("ray"):
        for name, r in rr["rows"].items():
            add(f"10. index {rr['pages']} pages: {name}", f"{r['seconds']:.1f} s, {r['chunks_per_s']:.1f} chunks/s")
        add("10. Ray throughput over single process (cluster start included / already up)",
            f"{rr['ratio_cold']:.2f}x / {rr['ratio_warm']:.2f}x", ">= 0.9x", rr["ratio_warm"] >= 0.9)
    out = ["| measure | value | goal | met |", "|---|---|---|---|"]
    return out + [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]


def main(
    only: Annotated[str, typer.Option(help=f"Comma-separated sections: {','.join(SECTIONS)}.")] = ",".join(SECTIONS),
    pages: Annotated[int, typer.Option(help="Ingestion sample: the first N pages in sorted file order.")] = 500,
    full_pages: Annotated[int | None, typer.Option(help="Limit the 'whole corpus' to N pages (quick runs).")] = None,
    questions: Annotated[int | None, typer.Option(help="Limit FinanceBench questions (quick runs).")] = None,
    financebench: Annotated[Path, typer.Option(help="FinanceBench folder.")] = ROOT.parent / "shared" / "benchmarks"
    / "financebench",
    out: Annotated[Path, typer.Option(help="Where RESULTS.md and results.json go.")] = HERE,
    scale_sizes: Annotated[str, typer.Option(help="Collection sizes of the scale section (synthetic chunks).")]
    = ",".join(map(str, scale.SIZES)),
    milvus_sizes: Annotated[str, typer.Option(help="Sizes of the scale section's Milvus-store rows ('' = none).")]
    = ",".join(map(str, scale.MILVUS_SIZES)),
    index_sizes: Annotated[str, typer.Option(help="Sizes (chunks) of the index-scale section: whole indexes copied "
                                             "from the FinanceBench-300 one.")] = ",".join(map(str, index_scale.SIZES)),
) -> None:
    """Run the benchmarks and write RESULTS.md / results.json."""
    chosen = [s.strip() for s in only.split(",") if s.strip()]
    if bad := set(chosen) - set(SECTIONS):
        raise typer.BadParameter(f"unknown section(s) {sorted(bad)}; choose from {SECTIONS}")
    src = financebench / "corpus"
    if not src.is_dir():
        raise typer.BadParameter(f"{src} not found; pass --financebench")
    res: dict[str, Any] = {"meta": env_info() | {"sections": chosen, "pages": pages, "full_pages": full_pages,
                                                  "questions": questions}}
    needs_full = {"incremental", "latency", "memory", "quality"} & set(chosen)
    corpus, index = full_index(src, full_pages) if needs_full else (src, Path())
    steps = {"ingest": lambda: bench_ingest(src, pages), "pdf": bench_pdf,
             "incremental": lambda: bench_incremental(corpus, index),
             "latency": lambda: bench_latency(financebench, index, questions), "coldstart": bench_coldstart,
             "memory": lambda: bench_memory(financebench, index),
             "quality": lambda: bench_quality(financebench, corpus, index, questions), "load": bench_load,
             "scale": lambda: scale.bench_scale(tuple(int(n) for n in scale_sizes.split(",")), out,
                                                tuple(int(n) for n in milvus_sizes.split(",") if n)),
             "index-scale": lambda: (full_index(src, 300), index_scale.bench_index_scale(
                 tuple(int(n) for n in index_sizes.split(",")), full_index(src, None)[1]))[1],
             "ray": lambda: bench_ray(src, pages)}
    for name in chosen:
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        res[name] = steps[name]()
        res[name]["bench_seconds"] = time.perf_counter() - t0
    lines = table(res)
    meta = res["meta"]
    md = [f"# Benchmark results\n\n{meta['date']} · {meta['cpu']} · {meta['cores']} cores · Python {meta['python']}",
          "", "Packages: " + ", ".join(f"{k} {v}" for k, v in meta["packages"].items()), "",
          f"Sections: {', '.join(chosen)}; ingestion sample {pages} pages; corpus "
          f"{'all pages' if full_pages is None else f'first {full_pages} pages'}; "
          f"{'all' if questions is None else questions} FinanceBench questions.", "", *lines, ""]
    out.mkdir(parents=True, exist_ok=True)
    (out / "RESULTS.md").write_text("\n".join(md), encoding="utf-8")
    (out / "results.json").write_text(json.dumps(res, indent=1, default=float) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"\nwrote {out / 'RESULTS.md'} and {out / 'results.json'}")


if __name__ == "__main__":
    typer.run(main)
