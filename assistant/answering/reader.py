"""The reader: a small cross-encoder that reads a (question, sentence) pair and says how likely
the sentence states the question's answer.

It is the packaged MiniLM-L6 fine-tuned here on SQuAD 2.0 pairs (``make train-reader``,
``evals/reader/``), shipped as int8 ONNX with its model card in ``assistant/models/``, and run
by onnxruntime through the embedder's runtime (``embedding.onnx_runner``). Unlike the fitted
features it reads word order: "X won Y in 2021" answers "Who won Y?", not "What did X win in 2019?".

Scores are rounded to ``SCORE_DIGITS`` decimals: integer kernels are exact, the float parts
around them may differ in their last bits between CPUs, and no decision may hang on those.
"""

from __future__ import annotations

import hashlib
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AssistantError
from ..indexing.embedding import load_tokenizer, onnx_runner
from ..records import squash
from ..settings import packaged_model_path

MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
READER_FILE = MODEL_DIR / "reader-minilm-l6-int8.onnx"
MAX_TOKENS = 128  # question + sentence; a longer sentence is cut at its end
SCORE_DIGITS = 3
BATCH = 16


def tokenizer(model_path: str | None = None) -> Any:
    """The MiniLM word-piece tokenizer (the reader's vocabulary is the embedder's), encoding
    (question, sentence) pairs cut to ``MAX_TOKENS`` (the longer of the two cut first, at its
    end: the sentence's title, then its last words; a question longer than the rest is cut
    too), padded per batch."""
    tok = load_tokenizer(model_path or packaged_model_path())
    tok.enable_truncation(MAX_TOKENS, strategy="longest_first")
    tok.enable_padding()
    return tok


def passage(sentence: str, title: str) -> str:
    """What the reader reads of a sentence: the sentence, then its document's title (cut first
    when too long), which tells it who "she" or "the company" is."""
    return f"{squash(sentence)} [SEP] {squash(title)}" if title.strip() else squash(sentence)


def feeds(tok: Any, pairs: list[tuple[str, str]]) -> dict[str, np.ndarray]:
    """The model inputs for (question, ``passage``) pairs (training uses the same)."""
    enc = tok.encode_batch(pairs)
    return {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}


class Reader:
    """P(sentence states the answer to the question), for a batch of sentences. Thread-safe."""

    def __init__(self, onnx_path: Path = READER_FILE, runtime: str = "onnxruntime", threads: int = 0) -> None:
        if not onnx_path.exists():
            raise AssistantError(f"The reader model {onnx_path} is missing: reinstall the package, or train it "
                                 "with `make train-reader`.")
        self._tok = tokenizer()
        self._run = onnx_runner(onnx_path, runtime, threads)
        self.name = onnx_path.name

    def logits(self, question: str, sentences: list[str], titles: list[str] | None = None) -> np.ndarray:
        titles = titles or [""] * len(sentences)
        out = np.zeros(len(sentences), dtype=np.float64)
        for i in range(0, len(sentences), BATCH):
            pairs = [(question, passage(s, t)) for s, t in zip(sentences[i : i + BATCH], titles[i : i + BATCH],
                                                                strict=True)]
            out[i : i + BATCH] = self._run(feeds(self._tok, pairs)).reshape(-1)
        return out

    def read(self, question: str, sentences: list[str], titles: list[str] | None = None) -> list[float]:
        """One probability per sentence (read with its document's title), rounded to
        ``SCORE_DIGITS`` decimals."""
        return [round(1.0 / (1.0 + math.exp(-z)), SCORE_DIGITS) for z in self.logits(question, sentences, titles)]


def sha256(path: Path) -> str:
    """The file's sha256 (the model card and the calibration name the reader by it)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def shared_reader() -> Reader:
    """The shipped reader, loaded once per process (its session serves every thread)."""
    return Reader()
