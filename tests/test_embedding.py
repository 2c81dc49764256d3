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
