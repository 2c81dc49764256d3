"""Incremental, atomic, versioned index (fast fake embedder; one real kill test)."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.answering import load_calibration
from assistant.core import Assistant, build, index_corpus
from assistant.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from assistant.indexing.embedding import HashEmbedder
from assistant.indexing.load import CURRENT, live_generation, require_index
from assistant.records import Table
from assistant.settings import PACKAGED_MODEL_ID, Settings

from .conftest import ART, ROOT


class CountingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed(self, texts, progress=False):  # type: ignore[no-untyped-def]
        self.embedded.extend(texts)
        return super().embed(texts)

    def embed_spans(self, texts, spans):  # type: ignore[no-untyped-def]
        self.embedded.extend(texts)  # one forward pass per chunk; its sentences come with it
        return super()._hash(texts), [super(CountingEmbedder, self)._hash([t[a:b] for a, b in sp])
                                      for t, sp in zip(texts, spans, strict=True)]


def test_second_run_embeds_nothing(fake_settings):
    emb = CountingEmbedder()
    first = index_corpus(fake_settings, emb, progress=False)
    assert first.embedded == first.chunks > 0 and first.changed
    emb.embedded.clear()
    second = index_corpus(fake_settings, emb, progress=False)
    assert (second.embedded, second.changed, emb.embedded) == (0, False, [])
    assert "nothing embedded" in second.summary()


def test_progress_reports_every_stage_in_order_and_ends_at_its_total(fake_settings, monkeypatch):
    import assistant.indexing.ingest as ingest_module
    from assistant.progress import STAGES, Step

    monkeypatch.setattr(ingest_module, "EMBED_BLOCK", 4)  # several embedding steps on a small corpus
    steps: list[Step] = []
    stats = index_corpus(fake_settings, CountingEmbedder(), progress=steps.append)
    assert [s.stage for s in steps] == sorted((s.stage for s in steps), key=STAGES.index)
    assert {s.stage for s in steps} == set(STAGES)
    last = {s.stage: s for s in steps}
    assert last["reading"].done == last["reading"].total == 3 == stats.documents  # one file, one document each
    assert last["embedding"].done == last["embedding"].total == stats.embedded
    assert len([s for s in steps if s.stage == "embedding"]) == 1 + -(-stats.embedded // 4)  # 0, then per block
    assert all(a.done <= b.done for a, b in zip(steps, steps[1:], strict=False) if a.stage == b.stage)
    steps.clear()
    index_corpus(fake_settings, CountingEmbedder(), progress=steps.append)  # nothing changed: nothing to embed
    assert {s.stage for s in steps} == {"reading", "parsing"}


def test_changed_file_reembeds_only_its_chunks(fake_settings):
    emb = CountingEmbedder()
    index_corpus(fake_settings, emb, progress=False)
    path = fake_settings.corpus_dir / ART["002"]
    path.write_text(path.read_text() + "\n\nA new closing paragraph about 3.3 million trucks.\n")
    emb.embedded.clear()
    stats = index_corpus(fake_settings, emb, progress=False)
    bot = Assistant.open(settings=fake_settings, embedder=emb)
    n_002 = sum(c.doc_id == ART["002"] for c in bot.index.chunks)
    assert stats.embedded == n_002 == len(emb.embedded)
    assert stats.reused == stats.chunks - n_002
    assert any("3.3 million trucks" in t for t in emb.embedded)
    # vectors reused for unchanged documents are the same as freshly computed ones
    fresh = emb.embed([bot.index.text(bot.index.chunks[0])])
    stored = bot.index.dense.vectors(0, 1)[0]
    assert float(fresh[0] @ stored) == pytest.approx(1.0, abs=1e-5)


def test_removed_file_disappears(fake_settings, fake_embedder):
    index_corpus(fake_settings, fake_embedder, progress=False)
    (fake_settings.corpus_dir / ART["001"]).unlink()
    stats = index_corpus(fake_settings, fake_embedder, progress=False)
    bot = Assistant.open(settings=fake_settings, embedder=fake_embedder)
    assert stats.removed == 1 and stats.embedded == 0
    assert {c.doc_id for c in bot.index.chunks} == {ART["000"], ART["002"]}
    assert bot.index.dense.size == len(bot.index.chunks)


def test_other_model_or_chunker_is_refused_until_rebuild(fake_settings, fake_embedder):
    index_corpus(fake_settings, fake_embedder, progress=False)
    other = HashEmbedder(dim=128)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        Assistant.open(settings=fake_settings, embedder=other)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        index_corpus(fake_settings, other, progress=False)
    rechunk = fake_settings.model_copy(update={"chunk_max_tokens": 100})
    with pytest.raises(IndexMismatchError, match="chunker"):
        Assistant.open(settings=rechunk, embedder=fake_embedder)
    stats = index_corpus(fake_settings, other, rebuild=True, progress=False)
    assert stats.embedded == stats.chunks
    assert Assistant.open(settings=fake_settings, embedder=other).index.dense.dim == 128


def test_missing_and_corrupt_index_errors(fake_settings, fake_embedder):
    with pytest.raises(IndexMissingError, match="assistant index"):
        Assistant.open(settings=fake_settings, embedder=fake_embedder)
    index_corpus(fake_settings, fake_embedder, progress=False)
    gen = live_generation(fake_settings.index_dir)
    assert gen is not None
    (gen / "dense.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexCorruptError, match="--rebuild"):
        Assistant.open(settings=fake_settings, embedder=fake_embedder)
    (gen / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match="--rebuild"):
        Assistant.open(settings=fake_settings, embedder=fake_embedder)
    index_corpus(fake_settings, fake_embedder, rebuild=True, progress=False)
    assert Assistant.open(settings=fake_settings, embedder=fake_embedder).index.chunks


class ExplodingEmbedder(HashEmbedder):
    """Simulates Ctrl-C in the middle of embedding."""

    def embed(self, texts, progress=False):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    def embed_spans(self, texts, spans):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt


def _snapshot(settings, embedder):  # type: ignore[no-untyped-def]
    bot = Assistant.open(settings=settings, embedder=embedder)
    return [(c.doc_id, c.start, c.end) for c in bot.index.chunks], bot.index.path


def test_interrupted_run_leaves_previous_index_loadable(fake_settings, fake_embedder):
    index_corpus(fake_settings, fake_embedder, progress=False)
    before = _snapshot(fake_settings, fake_embedder)
    path = fake_settings.corpus_dir / ART["000"]
    path.write_text(path.read_text() + "\n\nChanged.\n")
    with pytest.raises(KeyboardInterrupt):
        index_corpus(fake_settings, ExplodingEmbedder(), progress=False)
    assert _snapshot(fake_settings, fake_embedder) == before
    leftovers = [p.name for p in fake_settings.index_dir.iterdir() if p.name.startswith(".tmp")]
    assert leftovers == []


@pytest.mark.model
def test_killed_indexer_process_leaves_previous_index_loadable(tmp_path, real_embedder):
    """SIGKILL the real CLI mid-embedding (no cleanup can run): the old index still opens."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    articles = [(ROOT / "corpus" / name).read_text() for name in ART.values()]
    (corpus / "a.txt").write_text(articles[0])
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(tmp_path / "index")}
    cli = [sys.executable, "-m", "assistant"]
    subprocess.run([*cli, "index", "-q"], env=env, check=True, capture_output=True, timeout=300)
    from assistant.settings import Settings

    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    before = _snapshot(settings, real_embedder)
    for i in range(40):  # enough new text that embedding takes several seconds
        (corpus / f"more{i:02d}.txt").write_text(f"Copy {i}.\n\n" + "\n\n".join(articles))
    proc = subprocess.Popen([*cli, "index"], env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    deadline = time.time() + 240
    seen = ""
    while "embedding" not in seen and time.time() < deadline:
        seen += proc.stderr.read(1)
    time.sleep(1.0)
    assert proc.poll() is None, "indexer finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert (tmp_path / "index" / CURRENT).exists()
    assert _snapshot(settings, real_embedder) == before
    # and the next run recovers fully, cleaning the partial generation
    stats = index_corpus(settings, real_embedder, progress=False)
    assert stats.documents == 41 and stats.reused > 0
    assert not [p for p in (tmp_path / "index").iterdir() if p.name.startswith(".tmp")]


def test_manifest_records_model_chunker_and_hashes(fake_settings, fake_embedder):
    index_corpus(fake_settings, fake_embedder, progress=False)
    gen = live_generation(fake_settings.index_dir)
    assert gen is not None
    m = json.loads((gen / "manifest.json").read_text())
    assert m["model_id"] == fake_embedder.model_id and m["dim"] == fake_embedder.dim
    assert m["chunker"]["max_tokens"] == fake_settings.chunk_max_tokens
    assert set(m["documents"]) == set(ART.values())
    assert all(len(d["sha256"]) == 64 for d in m["documents"].values())


def test_changed_keyword_settings_refresh_bm25_without_reembedding(fake_settings):
    emb = CountingEmbedder()
    index_corpus(fake_settings, emb, progress=False)
    heavier = fake_settings.model_copy(update={"title_weight": 9})
    with pytest.raises(IndexMismatchError, match="nothing is re-embedded"):
        Assistant.open(settings=heavier, embedder=emb)
    emb.embedded.clear()
    stats = index_corpus(heavier, emb, progress=False)
    assert stats.changed and stats.embedded == 0 and emb.embedded == []
    # (the shipped answer models were fitted at title_weight 4: given explicitly, as a test of the index)
    bot = build(heavier, embedder=emb, calibration=load_calibration(PACKAGED_MODEL_ID))
    assert bot.index.manifest["lexical"]["title_weight"] == 9


def test_page_titles_boost_keyword_search(tmp_path, fake_embedder):
    """A chunk's document title counts in BM25: a question naming the filing finds its page."""
    import json as _json

    from assistant.settings import Settings

    corpus = tmp_path / "c"
    corpus.mkdir()
    for name in ("ACME_2019_10K", "ZETA_2019_10K"):
        (corpus / f"{name}.jsonl").write_text(_json.dumps(
            {"doc_name": name, "page": 3, "text": "Purchases of property, plant and equipment were 1,577."}) + "\n")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "i")
    index_corpus(settings, fake_embedder, progress=False)
    bot = Assistant.open(settings=settings, embedder=fake_embedder)
    hits = bot.retriever.lexical("What were ZETA's purchases of property and equipment in 2019?", 2)
    assert bot.index.chunks[hits[0][0]].doc_id.startswith("ZETA_2019_10K.jsonl#")


def test_sentence_vectors_come_with_chunks_and_are_reused(fake_settings, fake_embedder):
    index_corpus(fake_settings, fake_embedder, progress=False)
    old = Assistant.open(settings=fake_settings, embedder=fake_embedder).index
    n = sum(len(s) for s in old.sentences.values())
    assert np.concatenate(old.sentence_vectors).shape == (n, fake_embedder.dim)
    kept = {d: np.array(old.doc_sentence_vectors(d)) for d in old.documents}
    path = fake_settings.corpus_dir / ART["002"]
    path.write_text(path.read_text() + "\n\nA new closing sentence about exports.\n")
    index_corpus(fake_settings, fake_embedder, progress=False)
    new = Assistant.open(settings=fake_settings, embedder=fake_embedder).index
    for d in (ART["000"], ART["001"]):  # unchanged documents: the very same vectors
        assert np.array_equal(np.array(new.doc_sentence_vectors(d)), kept[d])
    s, e = new.sentences[ART["002"]][-1]
    assert new.documents[ART["002"]].text[s:e] == "A new closing sentence about exports."
    assert np.linalg.norm(np.array(new.doc_sentence_vectors(ART["002"])[-1], dtype=np.float32)) == pytest.approx(
        1.0, abs=1e-2)


def test_an_index_of_an_older_format_is_refused_with_the_fix(fake_settings, fake_embedder):
    index_corpus(fake_settings, fake_embedder, progress=False)
    gen = require_index(fake_settings.index_dir)
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["format_version"] = 1
    (gen / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="format_version 1.*--rebuild"):
        Assistant.open(settings=fake_settings, embedder=fake_embedder)


def test_sentence_search_finds_a_quoted_statement_in_a_long_passage(tmp_path, fake_embedder):
    """A question quoting one sentence of a long passage ranks that passage first by its
    sentence, where chunk BM25 ranks shorter passages that repeat the question's names higher."""
    from assistant.answering.retrieval import HybridRetriever

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    filler = " ".join(f"Item {i} of the Senate budget was debated by Senator Brown on Tuesday." for i in range(40))
    (corpus / "long.txt").write_text(filler + " Brown said the pipeline would ruin the valley's orchards. "
                                     + filler, encoding="utf-8")
    for i in range(6):
        (corpus / f"short{i}.txt").write_text("Senator Brown and the pipeline: Brown spoke on the pipeline again.",
                                              encoding="utf-8")
    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    index_corpus(s, fake_embedder, progress=False)
    bot = build(s, embedder=fake_embedder)
    q = "Who said the pipeline would ruin the valley's orchards?"
    retriever = HybridRetriever.from_settings(bot.index, fake_embedder, s)
    best = bot.index.chunks[retriever.by_sentence(q, 1)[0][0]]
    assert best.doc_id.startswith("long") and "orchards" in bot.index.text(best)
    assert any("orchards" in bot.index.text(h.chunk) for h in retriever.retrieve(q, 3))


def test_a_large_collection_gets_an_approximate_index_that_updates_like_the_flat_one(fake_settings, fake_embedder):
    """From ``ann_min`` chunks the dense index is HNSW: it finds what flat search finds (on 35
    chunks its search is exhaustive), keeps the vectors exact so an update reuses them, and
    answers the same."""
    import numpy as np

    from assistant.indexing.store import FaissStore

    small = fake_settings.model_copy(update={"ann_min": 1})
    index_corpus(small, fake_embedder, progress=False)
    bot = Assistant.open(settings=small, embedder=fake_embedder)
    hnsw = bot.index.dense
    assert hnsw.kind == "hnsw"
    flat = FaissStore.build(hnsw.vectors(0, hnsw.size), hnsw.dim, ann_min=10**9)
    assert flat.kind == "flat"
    for q in ("How many cars did Japan export?", "What did Taizo Watanabe say?", "quota 1.68 million"):
        vec = fake_embedder.embed([q])[0]
        assert hnsw.search(vec, 10) == flat.search(vec, 10)
    before = hnsw.vectors(0, hnsw.size)
    path = small.corpus_dir / ART["002"]
    path.write_text(path.read_text() + "\n\nA new closing paragraph about 3.3 million trucks.\n")
    stats = index_corpus(small, fake_embedder, progress=False)
    again = Assistant.open(settings=small, embedder=fake_embedder)
    assert again.index.dense.kind == "hnsw" and stats.reused > 0
    kept = [i for i, c in enumerate(again.index.chunks) if c.doc_id != ART["002"]]
    old_rows = [i for i, c in enumerate(bot.index.chunks) if c.doc_id != ART["002"]]
    assert np.array_equal(again.index.dense.vectors(0, again.index.dense.size)[kept], before[old_rows])


ASK_WITHOUT_LLAMA_INDEX = """
import sys
from pathlib import Path
from assistant.core import Assistant
from assistant.indexing.embedding import HashEmbedder
from assistant.settings import Settings

bot = Assistant.open(settings=Settings(corpus_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2])),
                     embedder=HashEmbedder())
assert bot.ask("How many cars did Japan export to the United States last year?").reply.found
print(sorted(m for m in ("llama_index", "gradio", "torch", "sentence_transformers") if m in sys.modules))
"""


def test_answering_imports_no_llama_index_gradio_or_torch(fake_bot, fake_settings):
    """A cold `assistant ask` pays only for what answering uses: the index is read with FAISS
    alone (llama-index wrote it), and neither the UI nor torch is loaded."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", ASK_WITHOUT_LLAMA_INDEX, str(fake_settings.corpus_dir),
                          str(fake_settings.index_dir)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_documents_are_read_from_disk_on_demand_a_bounded_number_kept(fake_settings, fake_embedder, monkeypatch):
    """Opening parses no document; asking reads the few it needs, at most RECORD_CACHE kept parsed;
    a generation written before the offsets files and the chunk columns opens and answers the same."""
    import assistant.indexing.docstore as docstore
    from assistant.indexing.load import SENTENCE_CHUNK

    monkeypatch.setattr(docstore, "RECORD_CACHE", 2)
    index_corpus(fake_settings, fake_embedder, progress=False)
    bot = Assistant.open(settings=fake_settings, embedder=fake_embedder)
    store = bot.index.documents.docs.at[ART["000"]]  # type: ignore[attr-defined]
    assert store.row.cache_info().currsize == 0 and len(bot.index.documents) == 3
    reply = bot.ask("How many cars did Japan export?", []).reply
    assert reply.found and 0 < store.row.cache_info().currsize <= 2
    assert set(bot.index.documents) == set(ART.values()) and bot.index.documents[ART["000"]].text
    gen = bot.index.path
    (gen / docstore.ROWS).unlink()  # as an older generation was written
    (gen / SENTENCE_CHUNK).unlink()
    (gen / "chunks.jsonl").write_text("".join(json.dumps(dataclasses.asdict(c)) + "\n" for c in bot.index.chunks))
    (gen / docstore.CHUNKS).unlink()
    old = Assistant.open(settings=fake_settings, embedder=fake_embedder)
    assert list(old.index.chunks) == list(bot.index.chunks)
    assert np.array_equal(old.index.sentence_chunk, bot.index.sentence_chunk)
    assert old.index.sentence_rows == bot.index.sentence_rows
    assert old.ask("How many cars did Japan export?", []).reply.claims == reply.claims


def test_a_file_that_cannot_be_parsed_is_skipped_by_name_and_the_rest_index(fake_settings, fake_embedder,
                                                                             monkeypatch):
    """nltk's sentence splitter raised TimeoutError on a 40 MB text and took the whole run down,
    the good files with it: now that file is skipped with the reason and the others index."""
    import assistant.indexing.ingest as ingest_module

    real = ingest_module.sentence_spans

    def splitter(text: str, tables: Sequence[Table] | None = None) -> list[tuple[int, int]]:
        if "POISON" in text:
            raise TimeoutError("regex exceeded its 2s time limit")
        return real(text, tables)

    monkeypatch.setattr(ingest_module, "sentence_spans", splitter)
    (fake_settings.corpus_dir / "bad.txt").write_text("POISON. A sentence the splitter chokes on.\n")
    skips: list[str] = []
    stats = index_corpus(fake_settings, fake_embedder, progress=False, on_skip=lambda s: skips.append(s.path))
    assert skips == ["bad.txt"] and [s.path for s in stats.skipped] == ["bad.txt"]
    assert "could not be parsed (TimeoutError: regex exceeded" in stats.skipped[0].reason
    assert stats.documents == 3
    bot = Assistant.open(settings=fake_settings, embedder=fake_embedder)
    assert set(bot.index.documents) == set(ART.values())  # the three articles, the bad file not at all
    assert bot.index.manifest["skipped"]["bad.txt"].startswith("could not be parsed")


def test_a_file_over_the_text_limit_is_skipped_before_it_is_read(fake_settings, fake_embedder, monkeypatch):
    big = fake_settings.corpus_dir / "huge.txt"
    with big.open("w") as f:  # 12 MB of ordinary prose, over the 10 MB default
        for _ in range(60_000):
            f.write("Japan exported about 1.99 million cars to the United States last year, officials said. " * 2
                    + "\n")
    read: list[str] = []
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: (read.append(p.name), real_read(p))[1])
    stats = index_corpus(fake_settings, fake_embedder, progress=False)
    assert [s.path for s in stats.skipped] == ["huge.txt"] and "huge.txt" not in read  # never loaded into memory
    assert stats.skipped[0].reason.startswith(f"holds {big.stat().st_size / 1e6:.1f} MB of text, over the 10 MB")
    assert stats.documents == 3
