"""Ingestion on a real local Ray cluster (2 workers) gives the index the single process gives."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.core import Assistant, index_corpus
from assistant.indexing.distributed import LOCAL
from assistant.settings import Settings

from .conftest import ART


@pytest.mark.model
def test_ray_ingestion_on_two_local_workers_builds_the_same_index_as_one_process(tmp_path, corpus_copy,
                                                                                 real_embedder):
    import ray

    one = Settings(corpus_dir=corpus_copy, index_dir=tmp_path / "one")
    ray_settings = Settings(corpus_dir=corpus_copy, index_dir=tmp_path / "ray", ray_workers=2)
    index_corpus(one, real_embedder, progress=False)
    try:
        stats = index_corpus(ray_settings, real_embedder, progress=False, ray=LOCAL)
        assert stats.embedded == stats.chunks > 0
        assert ray.cluster_resources().get("CPU") == 2  # the private cluster: one CPU per worker
        path = corpus_copy / ART["002"]
        path.write_text(path.read_text() + "\n\nA new closing paragraph about 3.3 million trucks.\n")
        for s in (one, ray_settings):
            update = index_corpus(s, real_embedder, progress=False, ray=LOCAL if s is ray_settings else "")
            assert 0 < update.embedded < update.chunks  # only the changed document, on Ray too
    finally:
        ray.shutdown()
    a = Assistant.open(settings=one, embedder=real_embedder).index
    b = Assistant.open(settings=ray_settings, embedder=real_embedder).index
    assert list(a.chunks) == list(b.chunks) and a.sentences == b.sentences and a.attributions == b.attributions
    assert np.array_equal(a.dense.vectors(0, a.dense.size), b.dense.vectors(0, b.dense.size))
    assert np.array_equal(np.concatenate(a.sentence_vectors), np.concatenate(b.sentence_vectors))
