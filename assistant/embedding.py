"""Embedders: turn texts into unit-length float32 vectors.

One-method interface (``embed``) plus the token counter the chunker needs, so the real model
and the fast fake used by unit tests are interchangeable.

>>> e = HashEmbedder(dim=64)
>>> e.embed(["1.6 million cars"]).shape
(1, 64)
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Protocol

import numpy as np


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Unit-normalised float32 matrix, one row per text."""
        ...

    def count_tokens(self, text: str) -> int:
        """Word-pieces the model would see (without special tokens)."""
        ...


class SentenceTransformerEmbedder:
    """The real model, loaded from a local folder (never a hub name)."""

    def __init__(self, model_path: str, model_id: str, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        self._model: Any = SentenceTransformer(model_path, device="cpu")
        self._tokenizer: Any = self._model.tokenizer
        self.batch_size = batch_size
        self.dim = int(self._model.get_embedding_dimension() or 0)
        self.model_id = model_id  # names the weights, not the folder: an index survives a venv move
        self.max_seq_length = int(self._model.max_seq_length or 0)

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.tokenize(text))


class HashEmbedder:
    """Deterministic bag-of-words hashing embedder for fast unit tests (no model, no torch).

    Texts sharing words get similar vectors, which is all retrieval tests need.
    """

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.model_id = f"hash-bow-{dim}"

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 63) else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))
