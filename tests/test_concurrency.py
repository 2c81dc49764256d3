"""Many callers at once: the embedder and ``Assistant.ask`` serve concurrent threads (gradio runs
the UI and the API in different workers, scripts use thread pools) with the same results as
one caller. One shared OpenVINO infer request failed here with "Infer Request is busy"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from .answer_checks import decisions

pytestmark = pytest.mark.model

QUESTIONS = [
    "How many cars did Japan export to the United States last year?",
    "What did Taizo Watanabe say about blaming Japan?",
    "What share of the U.S. market did Japan reach last year?",
    "What was Toyota's profit in 1980?",
    "Who is Takashi Ishihara?",
    "What cutback is the trade ministry reportedly urging?",
    "How many steel products did Japan export to Canada?",
    "What is the population of Tokyo?",
]


def test_embedder_serves_threads(real_embedder):
    texts = [f"Japan exported {n} cars to the United States in {1970 + n}." for n in range(64)]
    serial = [real_embedder.embed([t])[0] for t in texts]
    with ThreadPoolExecutor(8) as pool:
        parallel = list(pool.map(lambda t: real_embedder.embed([t])[0], texts))
    assert np.allclose(np.stack(serial), np.stack(parallel), atol=1e-6)


def test_ask_from_eight_threads_matches_one(bot):
    serial = {q: decisions(bot.ask(q).answer) for q in QUESTIONS}
    jobs = QUESTIONS * 8
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda q: decisions(bot.ask(q).answer), jobs))  # raises if any call fails
    assert len(got) == 64
    assert [serial[q] for q in jobs] == got
