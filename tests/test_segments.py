"""Updates to a large index are added segments (fast fake embedder; ``segment_min`` lowered so the
seed corpus counts as large): the old segment's files are not rewritten, deleted and replaced
documents never come back, the added segment's BM25 is scored with the live collection's
statistics, and ``--optimize`` merges into exactly what a full build writes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.core import Assistant, index_corpus
from assistant.indexing import segments
from assistant.indexing.embedding import HashEmbedder
from assistant.indexing.load import IDF_FILE, MANIFEST, SENTENCE_IDF, LoadedIndex, live_generation
from assistant.indexing.segments import Layout, should_append
from assistant.indexing.store import Bm25sLexical, bm25_index
from assistant.language import lexical
from assistant.language.lexical import IDF
from assistant.settings import Settings

from .conftest import ART

NEW = "003_toyota.txt"
QUESTIONS = ["Toyota trucks exported to Canada", "How many cars did Japan export to the United States?",
             "What did the Ministry of International Trade and Industry say?", "quota 1.68 million restraint",
             "Which newspaper reported the figure?"]


def test_collection_statistics_score_an_added_segment_as_one_index():
    """BM25 over a few rows, given the statistics of a collection that includes them, scores them
    as the index of the whole collection does."""
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(150)]
    rows = [[str(w) for w in rng.choice(words, size=int(rng.integers(2, 30)))] for _ in range(400)]
    whole, part = bm25_index(rows), bm25_index(rows[-25:], IDF.fit(rows))
    alone = bm25_index(rows[-25:])
    for q in (["w1", "w5"], ["w7", "w7", "w140"], ["w9"]):
        np.testing.assert_allclose(part.get_scores(q), whole.get_scores(q)[-25:], rtol=1e-5, atol=1e-6)
        assert not np.allclose(alone.get_scores(q), whole.get_scores(q)[-25:])  # the statistics matter


def test_statistics_take_removed_rows_out_exactly():
    a, b = [["x", "y", "y"], ["y", "z"]], [["z", "q"]]
    got = IDF.fit(a + b).changed([["w"]], [b[0]])
    want = IDF.fit([*a, ["w"]])
    assert (got.df, got.rows, got.tokens) == (want.df, want.rows, want.tokens)


def test_merged_search_skips_deleted_rows_and_still_returns_n():
    layout = Layout.of([4, 3], [frozenset({0, 1}), frozenset()])
    scores = [[0.9, 0.8, 0.7, 0.1], [0.75, 0.5, 0.2]]

    def search(s: int, k: int) -> list[tuple[int, float]]:
        return sorted(enumerate(scores[s]), key=lambda h: -h[1])[:k]

    assert layout.merged(search, 3) == [(4, 0.75), (2, 0.7), (5, 0.5)]
    assert layout.locate(5) == (1, 1) and layout.locate(3) == (0, 3)
    many = Layout.of([100, 5], [frozenset(range(60)), frozenset()])  # most of a segment deleted
    asked: list[int] = []

    def ranks(s: int, k: int) -> list[tuple[int, float]]:
        asked.append(k)
        return [(r, 1.0 - r / 1000 - s) for r in range(min(k, 100 if s == 0 else 5))]

    assert [r for r, _ in many.merged(ranks, 3)] == [60, 61, 62] and asked == [6, 24, 96, 3]


def test_updates_append_until_added_and_deleted_rows_pass_the_share_then_merge():
    assert should_append([], 0, 20, 10_020, 10_000)
    assert not should_append([], 0, 20, 9_020, 10_000)  # small: written whole
    assert should_append([600], 200, 200, 10_500, 10_000)
    assert not should_append([600], 300, 200, 10_500, 10_000)  # 1,100 > 10% of 10,500
    assert not should_append([10] * segments.MAX_SEGMENTS, 0, 10, 10_080, 10_000)


def _keys(index: LoadedIndex, hits: list[tuple[int, float]]) -> dict[tuple[str, int, int], float]:
    out = {}
    for row, score in hits:
        assert row not in index.dead_chunks
        c = index.chunks[row]
        out[(c.doc_id, c.start, c.end)] = score
    return out


def _update(corpus: Path) -> None:
    (corpus / NEW).write_text("Toyota said it exported 42,000 trucks to Canada in March, a record.\n\n"
                              "Dealers in Ontario expect more trucks next year.\n", encoding="utf-8")
    changed = corpus / ART["000"]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nA closing paragraph on 3.3 million trucks.\n",
                       encoding="utf-8")
    (corpus / ART["001"]).unlink(missing_ok=True)


@pytest.mark.parametrize("store", ["faiss", "milvus"])
def test_an_update_is_an_added_segment_that_searches_like_a_full_build(fake_settings, tmp_path, monkeypatch, store):
    monkeypatch.setattr(segments, "MERGE_SHARE", 10.0)  # the seed corpus is tiny: any update is a large share
    emb = HashEmbedder()
    s = fake_settings.model_copy(update={"segment_min": 0, "store": store})
    index_corpus(s, emb, progress=False)
    first = live_generation(s.index_dir)
    assert first is not None
    before = {p.name: p.stat().st_mtime_ns for p in first.rglob("*")}
    n_000 = json.loads((first / MANIFEST).read_text())["documents"][ART["000"]]["chunks"]
    _update(s.corpus_dir)

    stats = index_corpus(s, emb, progress=False)
    seg = Assistant.open(settings=s, embedder=emb).index
    manifest = seg.manifest
    assert manifest["segments"] == [{"name": first.name, "documents": 3, "deleted": sorted([ART["000"], ART["001"]]),
                                     "base": True}]
    assert manifest["base"] is False
    assert manifest["held"] == [ART["000"], NEW]
    assert {p.name: p.stat().st_mtime_ns for p in first.rglob("*")} == before  # the old segment was not rewritten
    assert stats.removed == 1 and stats.embedded == stats.chunks - stats.reused
    assert stats.embedded == sum(c.doc_id in (ART["000"], NEW) for _, c in seg.live_chunks())
    assert len(seg.dead_chunks) == n_000 + json.loads((first / MANIFEST).read_text())["documents"][ART["001"]]["chunks"]
    assert set(seg.documents) == {ART["000"], ART["002"], NEW} == set(seg.sentence_rows)
    assert "3.3 million trucks" in seg.documents[ART["000"]].text

    full_settings = Settings(corpus_dir=s.corpus_dir, index_dir=tmp_path / "full", store=store)
    index_corpus(full_settings, emb, progress=False)
    full = Assistant.open(settings=full_settings, embedder=emb).index
    for file in (IDF_FILE, SENTENCE_IDF):  # the live statistics are exactly the full build's
        assert json.loads((seg.path / file).read_text()) == json.loads((full.path / file).read_text())
    for q in QUESTIONS:
        vec = emb.embed([q])[0]
        assert _keys(seg, seg.dense.search(vec, 8)) == _keys(full, full.dense.search(vec, 8))  # exact search
        lex_seg, lex_full = (_keys(i, i.bm25.top(lexical.terms(q), 40)) for i in (seg, full))
        added = {k: v for k, v in lex_seg.items() if k[0] in (ART["000"], NEW)}
        assert added and added == {k: lex_full[k] for k in added}  # the added segment scores as the full index
        for row, _ in seg.sentence_bm25.top(lexical.terms(q), 40):
            assert seg.chunks[int(seg.sentence_chunk[row])].doc_id != ART["001"]
    assert seg.chunks[seg.bm25.top(lexical.terms(QUESTIONS[0]), 1)[0][0]].doc_id == NEW

    stats = index_corpus(s, emb, progress=False, optimize=True)
    merged = Assistant.open(settings=s, embedder=emb).index
    assert stats.embedded == 0 and merged.manifest["segments"] == [] and not first.exists()
    assert [(c.doc_id, c.start, c.end) for c in merged.chunks] == [(c.doc_id, c.start, c.end) for c in full.chunks]
    assert np.array_equal(merged.dense.vectors(0, merged.dense.size), full.dense.vectors(0, full.dense.size))
    assert np.array_equal(np.concatenate(merged.sentence_vectors), np.concatenate(full.sentence_vectors))
    for q in QUESTIONS:
        assert merged.bm25.top(lexical.terms(q), 20) == full.bm25.top(lexical.terms(q), 20)
    assert index_corpus(s, emb, progress=False, optimize=True).changed is False  # one segment: nothing to merge


def test_a_small_index_is_still_written_whole(fake_settings):
    emb = HashEmbedder()
    index_corpus(fake_settings, emb, progress=False)
    _update(fake_settings.corpus_dir)
    index_corpus(fake_settings, emb, progress=False)
    gen = live_generation(fake_settings.index_dir)
    assert gen is not None and json.loads((gen / MANIFEST).read_text())["segments"] == []
    assert [p.name for p in fake_settings.index_dir.iterdir() if p.name.startswith("gen-")] == [gen.name]
    assert Bm25sLexical.open(gen / "bm25").bm25.scores["num_docs"] == len(
        Assistant.open(settings=fake_settings, embedder=emb).index.chunks)


def test_an_update_that_only_deletes_adds_no_segment_and_the_next_one_builds_on_it(fake_settings, monkeypatch):
    monkeypatch.setattr(segments, "MERGE_SHARE", 10.0)
    emb = HashEmbedder()
    s = fake_settings.model_copy(update={"segment_min": 0})
    index_corpus(s, emb, progress=False)
    (s.corpus_dir / ART["001"]).unlink()
    assert index_corpus(s, emb, progress=False).removed == 1
    index = Assistant.open(settings=s, embedder=emb).index
    assert index.manifest["held"] == [] and len(index.manifest["segments"]) == 1
    assert set(index.documents) == {ART["000"], ART["002"]}
    for q in QUESTIONS:
        _keys(index, index.dense.search(emb.embed([q])[0], 10))
        _keys(index, index.bm25.top(lexical.terms(q), 10))
    _update(s.corpus_dir)  # adds NEW, changes 000 (001 is already gone)
    index_corpus(s, emb, progress=False)
    index = Assistant.open(settings=s, embedder=emb).index
    assert set(index.documents) == {ART["000"], ART["002"], NEW} and index.manifest["held"] == [ART["000"], NEW]
    assert [seg["deleted"] for seg in index.manifest["segments"]] == [sorted([ART["000"], ART["001"]])]


def test_a_whole_build_is_written_a_segment_at_a_time_and_holds_what_one_folder_would(fake_settings, tmp_path):
    """With ``segment_rows`` below one article, each article is its own segment: the chunks,
    vectors and term statistics are those of a build in one folder, exact search ranks the same
    rows, and a build killed between segments leaves the previous index and no folder behind."""
    emb = HashEmbedder()
    s = fake_settings.model_copy(update={"segment_rows": 5})
    index_corpus(s, emb, progress=False)
    split = Assistant.open(settings=s, embedder=emb).index
    assert [seg["documents"] for seg in split.manifest["segments"]] == [1, 1]
    assert all(seg["base"] for seg in split.manifest["segments"]) and split.manifest["base"]
    one = Settings(corpus_dir=s.corpus_dir, index_dir=tmp_path / "one")
    index_corpus(one, emb, progress=False)
    whole = Assistant.open(settings=one, embedder=emb).index
    assert list(split.chunks) == list(whole.chunks)
    assert np.array_equal(split.dense.vectors(0, split.dense.size), whole.dense.vectors(0, whole.dense.size))
    assert np.array_equal(np.concatenate(split.sentence_vectors), np.concatenate(whole.sentence_vectors))
    for file in (IDF_FILE, SENTENCE_IDF):
        assert json.loads((split.path / file).read_text()) == json.loads((whole.path / file).read_text())
    for q in QUESTIONS:
        vec = emb.embed([q])[0]
        assert split.dense.search(vec, 10) == whole.dense.search(vec, 10)
        assert {r for r, _ in split.bm25.top(lexical.terms(q), 5)} & {r for r, _ in whole.bm25.top(lexical.terms(q), 5)}

    from assistant.core import chunker_config, lexical_config, store_config
    from assistant.indexing.build import build_index
    from assistant.indexing.ingest import local_ingest

    calls = []

    def dies_on_the_second_segment(docs, *rest):  # type: ignore[no-untyped-def]
        calls.append(len(docs))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return local_ingest(docs, *rest)

    folders = sorted(p.name for p in s.index_dir.iterdir() if p.name.startswith("gen-"))
    with pytest.raises(KeyboardInterrupt):
        build_index(s.corpus_dir, s.index_dir, emb, chunker_config(s), rebuild=True, progress=False,
                    lex=lexical_config(s), store=store_config(s), ingest=dies_on_the_second_segment)
    assert Assistant.open(settings=s, embedder=emb).index.path == split.path  # the previous index, untouched
    index_corpus(s, emb, progress=False, optimize=True)  # the next write clears the dead run's first segment
    left = sorted(p.name for p in s.index_dir.iterdir() if p.name.startswith("gen-"))
    assert not set(left) & set(folders) and len(left) == 3
