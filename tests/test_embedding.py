"""The real embedding backends agree, so an index built by one can be served by the other."""

import numpy as np
import pytest

from assistant.indexing.embedding import SentenceTransformerEmbedder
from assistant.settings import packaged_model_path

from .conftest import ART, CORPUS

pytestmark = pytest.mark.model


def test_openvino_and_torch_give_the_same_vectors_and_counts(real_embedder):
    torch_emb = SentenceTransformerEmbedder(packaged_model_path(), model_id=real_embedder.model_id)
    text = (CORPUS / ART["001"]).read_text()
    texts = [p for p in text.split("\n\n") if p.strip()] + ["1.6 million", "x" * 3000]
    a, b = real_embedder.embed(texts), torch_emb.embed(texts)
    assert a.shape == b.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    assert float((a * b).sum(1).min()) > 0.9999
    assert [real_embedder.count_tokens(t) for t in texts] == [torch_emb.count_tokens(t) for t in texts]
    assert real_embedder.model_id == torch_emb.model_id and real_embedder.backend.startswith("openvino")


def test_sentence_vectors_agree_across_backends(real_embedder):
    """embed_spans (the sentence vectors behind the heaviest feature) from both runtimes."""
    torch_emb = SentenceTransformerEmbedder(packaged_model_path(), model_id=real_embedder.model_id)
    text = (CORPUS / ART["002"]).read_text()[:900]
    spans = [[(0, 120), (121, 400), (401, 880)], [(0, 5)]]
    va, pa = real_embedder.embed_spans([text, "Japan"], spans)
    vb, pb = torch_emb.embed_spans([text, "Japan"], spans)
    assert float((va * vb).sum(1).min()) > 0.9999
    for x, y in zip(pa, pb, strict=True):
        assert x.shape == y.shape and float((x * y).sum(1).min()) > 0.9999


def test_a_text_gets_the_same_vectors_whatever_it_is_batched_with(real_embedder):
    """Batches are formed by token count (issue 33): a text's vectors and its sentences' must not
    depend on its neighbours beyond float noise, so answers do not change with the batching."""
    text = (CORPUS / ART["001"]).read_text()
    texts = [p for p in text.split("\n\n") if p.strip()][:12] + ["1.6 million", "x" * 3000]
    spans = [[(0, min(40, len(t)))] for t in texts]
    together, parts = real_embedder.embed_spans(texts, spans)
    for i, t in enumerate(texts):
        alone, part = real_embedder.embed_spans([t], [spans[i]])
        assert np.abs(alone[0] - together[i]).max() < 1e-6
        assert np.abs(part[0] - parts[i]).max() < 1e-6
    rev, _ = real_embedder.embed_spans(texts[::-1], spans[::-1])
    assert np.abs(rev[::-1] - together).max() < 1e-6


def test_blocks_are_embedded_longest_first_over_the_whole_run(real_embedder):
    """Indexing feeds the model blocks in token order over every new chunk, not in reading
    order (reading order padded 1.45x the tokens on FinanceBench pages; evals/bench)."""
    from assistant.indexing.ingest import EMBED_BLOCK, Planned, embed
    from assistant.records import Chunk, Document

    words = [" ".join(["word"] * n) for n in (3, 90, 10, 60, 2, 120, 7) * 20]
    text = "\n\n".join(words)
    doc, at, chunks = Document("a.txt", text, "x"), 0, []
    for w in words:
        chunks.append(Chunk("a.txt", at, at + len(w), real_embedder.count_tokens(w)))
        at += len(w) + 2
    seen: list[list[int]] = []

    class Recording:
        dim, count_tokens = real_embedder.dim, real_embedder.count_tokens

        def embed_spans(self, texts, spans):  # type: ignore[no-untyped-def]
            seen.append([self.count_tokens(t) for t in texts])
            return real_embedder.embed_spans(texts, spans)

    (done,) = embed([Planned(doc, chunks, [], False)], Recording())  # type: ignore[arg-type]
    flat = [n for block in seen for n in block]
    assert flat == sorted(flat, reverse=True) and all(len(b) <= EMBED_BLOCK for b in seen)
    direct = real_embedder.embed([text[c.start : c.end] for c in chunks])
    assert np.abs(done.vectors - direct).max() < 1e-6  # each chunk's vector in its own row
