"""The Milvus store (milvus-lite in-process here; a server URI in production) behind the same
interface as FAISS: same search results, same answers, moves between stores without re-embedding."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.core import Assistant, index_corpus
from assistant.indexing.store import (
    PARTS,
    Bm25sLexical,
    FaissStore,
    MilvusLexical,
    MilvusStore,
    collection_name,
    milvus_uri,
)
from assistant.interfaces.evals import load_suite, run_cases
from assistant.settings import ROOT, Settings

from .answer_checks import decisions
from .conftest import ART


def _milvus(settings: Settings, **update: object) -> Settings:
    return settings.model_copy(update={"store": "milvus", **update})


def test_milvus_store_searches_like_faiss_flat_and_hnsw(tmp_path):
    rng = np.random.default_rng(7)
    vecs = rng.standard_normal((300, 24)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    uri = milvus_uri("", tmp_path)
    for ann_min in (10**9, 1):  # exact, then HNSW (exhaustive enough at 300 vectors)
        m = MilvusStore.build(vecs, 24, uri, f"chunks_t{ann_min}", ann_min)
        f = FaissStore.build(vecs, 24, ann_min)
        assert (m.kind, m.size, m.dim) == (f.kind, 300, 24)
        for q in vecs[:5] + 0.1 * rng.standard_normal((5, 24)).astype(np.float32):
            q = q / np.linalg.norm(q)
            assert [r for r, _ in m.search(q, 10)] == [r for r, _ in f.search(q, 10)]
            assert np.allclose([s for _, s in m.search(q, 10)], [s for _, s in f.search(q, 10)], atol=2e-5)
        assert np.array_equal(m.vectors(17, 250), vecs[17:267])  # read back exactly, in row order


def test_bm25_in_milvus_scores_as_bm25s_does(tmp_path):
    """Each row's bm25s term scores as a sparse vector, the question's term counts as the query:
    the same scores (a repeated question term counts twice), the same rows, ties by row."""
    import bm25s

    words = ["export", "quota", "cars", "japan", "trucks", "million", "restraint", "ministry", "spokesman", "tanaka"]
    rng = np.random.default_rng(3)
    docs = [list(rng.choice(words, size=rng.integers(1, 12))) for _ in range(200)] + [["quota", "cars"]] * 3
    index = bm25s.BM25()
    index.index(docs, show_progress=False)
    local = Bm25sLexical(index)
    milvus = MilvusLexical.build(index, milvus_uri("", tmp_path), "lex_t", tmp_path / "vocab.json")
    for q in (["quota", "cars"], ["japan", "japan", "trucks"], ["spokesman", "unknown"], ["unknown"], []):
        for n in (1, 5, 30):
            assert milvus.top(q, n) == local.top(q, n), (q, n)
    ranked = milvus.top(["quota", "cars"], 50)
    tied = [(r, score) for r, score in ranked if r >= 200]  # three identical rows: one score, in row order
    assert [r for r, _ in tied] == [200, 201, 202] and len({score for _, score in tied}) == 1


def test_an_index_moves_to_milvus_and_back_without_reembedding_and_drops_old_collections(fake_settings,
                                                                                         fake_embedder):
    index_corpus(fake_settings, fake_embedder, progress=False)
    faiss_bot = Assistant.open(settings=fake_settings, embedder=fake_embedder)
    m = _milvus(fake_settings)
    stats = index_corpus(m, fake_embedder, progress=False)
    assert stats.changed and stats.embedded == 0  # vectors read back from FAISS
    bot = Assistant.open(settings=m, embedder=fake_embedder)
    assert isinstance(bot.index.dense, MilvusStore) and bot.index.manifest["store"]["kind"] == "milvus"
    assert not (bot.index.path / "dense.faiss").exists()
    for q in ("How many cars did Japan export?", "What did Taizo Watanabe say?"):
        assert decisions(bot.ask(q, []).reply) == decisions(faiss_bot.ask(q, []).reply)
    first = bot.index.manifest["store"]["collection"]
    assert first == collection_name(bot.index.path.name)
    path = m.corpus_dir / ART["002"]
    path.write_text(path.read_text() + "\n\nA new closing paragraph about 3.3 million trucks.\n")
    stats = index_corpus(m, fake_embedder, progress=False)
    assert 0 < stats.embedded < stats.chunks
    again = Assistant.open(settings=m, embedder=fake_embedder)
    client = again.index.dense.client  # type: ignore[attr-defined]
    live = again.index.path.name  # the old generation's collections are dropped
    assert sorted(client.list_collections()) == sorted(collection_name(live, part) for part in PARTS)
    assert isinstance(again.index.bm25, MilvusLexical) and not (again.index.path / "bm25").exists()
    back = index_corpus(fake_settings, fake_embedder, progress=False)
    assert back.changed and back.embedded == 0
    assert isinstance(Assistant.open(settings=fake_settings, embedder=fake_embedder).index.dense, FaissStore)


@pytest.mark.model
def test_the_seed_suite_gets_the_same_answers_and_citations_from_milvus_as_from_faiss(tmp_path, real_embedder):
    cases = load_suite(ROOT / "evals" / "seeds.jsonl")
    answers = []
    for store in ("faiss", "milvus"):
        s = Settings(index_dir=tmp_path / store / "index", store=store)
        index_corpus(s, real_embedder, progress=False)
        bot = Assistant.open(settings=s, embedder=real_embedder)
        assert bot.index.dense.kind == "flat" and type(bot.index.dense).__name__.lower().startswith(store)
        answers.append([decisions(r.reply) for r in run_cases(bot.ask, cases)])
    assert len(answers[0]) == len(cases) >= 50
    assert answers[0] == answers[1]


def test_users_asking_at_once_get_from_milvus_what_they_get_alone(fake_settings, fake_embedder):
    """One client per URI serves every thread of a server (gRPC clients are thread-safe)."""
    from concurrent.futures import ThreadPoolExecutor

    m = _milvus(fake_settings)
    index_corpus(m, fake_embedder, progress=False)
    bot = Assistant.open(settings=m, embedder=fake_embedder)
    questions = ["How many cars did Japan export?", "What did Taizo Watanabe say?", "Who is Mansfield?",
                 "What is the quota for 1981?"] * 4
    alone = [decisions(bot.ask(q, []).reply) for q in questions]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda q: decisions(bot.ask(q, []).reply), questions))
    assert together == alone


def test_a_milvus_lite_file_open_in_another_process_is_a_clear_error(fake_settings, fake_embedder):
    """milvus-lite serves one process at a time: the second gets what to do, not a traceback or
    "the index is damaged"."""
    import subprocess
    import sys

    from assistant.errors import StoreUnavailableError

    m = _milvus(fake_settings)
    index_corpus(m, fake_embedder, progress=False)
    _close_clients()  # as if this were a fresh process
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pymilvus import MilvusClient; "
                               f"MilvusClient({milvus_uri('', m.index_dir)!r}); print('open', flush=True); "
                               "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreUnavailableError, match="one process at a time"):
            Assistant.open(settings=m, embedder=fake_embedder)
        with pytest.raises(StoreUnavailableError, match="one process at a time"):
            index_corpus(m, fake_embedder, progress=False, rebuild=True)
    finally:
        holder.kill()
        holder.wait()


def _close_clients() -> None:
    """Close this process's Milvus clients and stop its milvus-lite servers (they hold the files)."""
    from milvus_lite.server_manager import server_manager_instance

    from assistant.indexing import store

    for client in store._CLIENTS.values():
        client.close()
    store._CLIENTS.clear()
    server_manager_instance.release_all()


class _Scores:
    def __init__(self, raw: np.ndarray) -> None:
        self.raw = raw

    def get_scores(self, terms: list[str]) -> np.ndarray:
        return self.raw


def test_bm25_top_rounds_only_near_the_cut_and_equals_a_full_sort_by_rounded_score_then_row():
    """``Bm25sLexical.top`` rounds only the rows near the n-th best score (a question over 3M
    sentences was 36 ms of rounding): the result must equal sorting every row by rounded score,
    ties by row, including scores that round together at the cut."""
    rng = np.random.default_rng(0)
    for _ in range(300):
        size = int(rng.integers(1, 3000))
        raw = (rng.integers(0, 50, size) / 7.0 + rng.choice([0, 1e-6, 4e-6, 6e-6], size)).astype(np.float32)
        raw[rng.random(size) < 0.5] = 0
        n = int(rng.integers(1, 60))
        rounded = np.round(raw.astype(np.float64), 5)
        want = [(int(i), float(rounded[i])) for i in np.lexsort((np.arange(size), -rounded))[:n] if rounded[i] > 0]
        assert Bm25sLexical(_Scores(raw)).top(["x"], n) == want


def test_a_milvus_lite_file_held_by_another_process_is_one_clear_error(tmp_path, caplog):
    """A second process on a milvus-lite index printed milvus-lite's 19-line traceback before our
    message; now the message alone is said."""
    import subprocess
    import sys
    import time

    from assistant.errors import StoreUnavailableError
    from assistant.indexing import store

    uri = milvus_uri("", tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pymilvus import MilvusClient; "
                               f"MilvusClient({uri!r}); print('held', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        t0 = time.monotonic()
        with caplog.at_level("DEBUG"), pytest.raises(StoreUnavailableError, match="serves one process at a time"):
            store._client(uri)
        assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")], caplog.text[:2000]
        assert time.monotonic() - t0 < 30
    finally:
        holder.kill()
        holder.wait()
