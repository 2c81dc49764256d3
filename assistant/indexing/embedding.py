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
import threading
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import AssistantError
from ..settings import PACKAGED_MODEL_ID, Settings

Spans = list[tuple[int, int]]  # character spans inside one text


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Unit-normalised float32 matrix, one row per text."""
        ...

    def embed_spans(self, texts: list[str], spans: list[Spans]) -> tuple[np.ndarray, list[np.ndarray]]:
        """``embed(texts)`` and, from the same forward pass, one vector per character span of
        each text: the mean of the span's token states ("late chunking"), so the sentences of a
        chunk get vectors in their context at no extra model cost."""
        ...

    def count_tokens(self, text: str) -> int:
        """Word-pieces the model would see (without special tokens)."""
        ...


def pool_spans(hidden: np.ndarray, offsets: list[tuple[int, int]], spans: Spans) -> np.ndarray:
    """Unit vectors of ``spans``: the mean of the token states whose characters lie inside each
    span (special and padding tokens have empty offsets and never count). A span with no token
    (cut off by truncation) gets a zero vector.

    >>> pool_spans(np.eye(3, dtype=np.float32), [(0, 0), (0, 3), (4, 7)], [(0, 3), (4, 7), (9, 12)])
    array([[0., 1., 0.],
           [0., 0., 1.],
           [0., 0., 0.]], dtype=float32)
    """
    out = np.zeros((len(spans), hidden.shape[1]), dtype=np.float32)
    starts = np.array([a for a, _ in offsets])
    ends = np.array([b for _, b in offsets])
    real = ends > starts
    for i, (a, b) in enumerate(spans):
        sel = real & (starts >= a) & (ends <= b)
        if sel.any():
            v = hidden[sel].mean(0)
            out[i] = v / max(float(np.linalg.norm(v)), 1e-12)
    return out


def load_tokenizer(model_path: str) -> Any:
    """The model's own fast tokenizer, without truncation, for counting word-pieces."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


class SentenceTransformerEmbedder:
    """The real model on PyTorch, loaded from a local folder (never a hub name)."""

    backend = "torch"

    def __init__(self, model_path: str, model_id: str, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        self._model: Any = SentenceTransformer(model_path, device="cpu")
        self._counter = load_tokenizer(model_path)
        self.batch_size = batch_size
        self.dim = int(self._model.get_embedding_dimension() or 0)
        self.model_id = model_id  # names the weights, not the folder: an index survives a venv move
        self.max_seq_length = int(self._model.max_seq_length or 0)
        self._aligned = load_tokenizer(model_path)  # same tokens as the model sees, for span offsets
        self._aligned.enable_truncation(self.max_seq_length)

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

    def embed_spans(self, texts: list[str], spans: list[Spans]) -> tuple[np.ndarray, list[np.ndarray]]:
        outs = self._model.encode(texts, batch_size=self.batch_size, output_value=None, show_progress_bar=False)
        vecs = np.zeros((len(texts), self.dim), dtype=np.float32)
        pooled = []
        for i, (out, text) in enumerate(zip(outs, texts, strict=True)):
            v = out["sentence_embedding"].float().numpy()
            vecs[i] = v / max(float(np.linalg.norm(v)), 1e-12)
            offsets = self._aligned.encode(text).offsets
            hidden = out["token_embeddings"].float().numpy()[: len(offsets)]  # rows past them are batch padding
            pooled.append(pool_spans(hidden, offsets, spans[i]))
        return vecs, pooled

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)


Runner = Callable[[dict[str, np.ndarray]], np.ndarray]


def onnx_runner(onnx_path: Path, runtime: str = "openvino", threads: int = 0) -> Runner:
    """A function running an ONNX model (its first output) on OpenVINO or onnxruntime, in f32 on
    every CPU, safe to call from several threads at once (the embedder's and the reader's runtime)."""
    if runtime == "openvino":
        import openvino as ov

        # f32 on every CPU: on CPUs with AMX/AVX512-BF16 OpenVINO would otherwise compute in bf16,
        # and the same question would get other vectors, features and answers than on an AVX2 CPU.
        config: dict[str, Any] = {"INFERENCE_PRECISION_HINT": "f32"}
        if threads:  # a share of the machine (a Ray worker): other processes run beside it, so its
            # threads must not be pinned (OpenVINO pins each process's first thread to core 0)
            config |= {"INFERENCE_NUM_THREADS": threads, "ENABLE_CPU_PINNING": False}
        compiled = ov.Core().compile_model(str(onnx_path), "CPU", config)
        # One infer request serves one call at a time ("Infer Request is busy" otherwise), and
        # the UI, the API and scripts call from many threads: each thread gets its own.
        local = threading.local()

        def run(feeds: dict[str, np.ndarray]) -> np.ndarray:
            if not hasattr(local, "request"):
                local.request = compiled.create_infer_request()
            return np.asarray(local.request.infer(feeds)[0])  # a copy: the request's buffers are reused

        return run
    if runtime == "onnxruntime":
        import onnxruntime as ort

        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        sess = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        return lambda feeds: np.asarray(sess.run(None, feeds)[0])
    raise ValueError(f"unknown ONNX runtime {runtime!r}")


class OnnxEmbedder:
    """The same model exported to ONNX, run by OpenVINO (default) or onnxruntime.

    Mean pooling over the attention mask and L2 normalisation, exactly as the
    sentence-transformers pipeline of all-MiniLM-L6-v2 does; measured against it on FinanceBench
    chunks: cosine >= 0.99998 (fp32), so an index built by either backend serves the other.
    Texts are tokenised once and batched longest first by token count, so a batch pads little.
    Safe to call from several threads at once.
    """

    def __init__(self, model_path: str, onnx_path: Path, model_id: str, batch_size: int = 32,
                 runtime: str = "openvino", max_length: int = 256, threads: int = 0) -> None:
        self._tok = load_tokenizer(model_path)
        self._counter = load_tokenizer(model_path)
        self._tok.enable_truncation(max_length)  # unpadded: each batch is padded to its own longest
        self.model_id, self.batch_size, self.backend = model_id, batch_size, f"{runtime}:{onnx_path.name}"
        self._run = onnx_runner(onnx_path, runtime, threads)
        self.dim = int(self._encode(self._tok.encode_batch(["dimension probe"]), [[]])[0].shape[1])

    def _encode(self, enc: list[Any], spans: list[Spans]) -> tuple[np.ndarray, list[np.ndarray]]:
        """One batch of tokenised texts: pad to its longest (id 0, mask 0, as the tokenizer's own
        padding does), run, mean-pool over the attention mask, L2-normalise; and the pooled
        vectors of ``spans`` (per text) from the same hidden states."""
        ids = np.zeros((len(enc), max(len(e.ids) for e in enc)), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, e in enumerate(enc):
            ids[i, : len(e.ids)], mask[i, : len(e.ids)] = e.ids, 1
        hidden = self._run({"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
        pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        vecs = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        parts = [pool_spans(hidden[i, : len(e.ids)], e.offsets, sp) for i, (e, sp) in enumerate(zip(enc, spans,
                                                                                                   strict=True))]
        return vecs, parts

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self.embed_spans(texts, [[] for _ in texts])[0]

    def embed_spans(self, texts: list[str], spans: list[Spans]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Tokenised once, then batched longest first by token count: a batch pads little."""
        enc = self._tok.encode_batch(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        parts: list[np.ndarray] = [np.zeros((0, self.dim), dtype=np.float32)] * len(texts)
        order = np.argsort([-len(e.ids) for e in enc], kind="stable")
        for i in range(0, len(texts), self.batch_size):
            idx = order[i : i + self.batch_size]
            out[idx], pooled = self._encode([enc[j] for j in idx], [spans[j] for j in idx])
            for j, p in zip(idx, pooled, strict=True):
                parts[j] = p
        return out, parts

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)


def export_onnx(model_path: str, out_dir: Path) -> Path:
    """Export the transformer of a sentence-transformers folder to ONNX once (cached).

    Needs torch only here; afterwards the ONNX backends run without importing it.
    """
    out = out_dir / "model.onnx"
    if out.exists():
        return out
    from transformers import AutoModel

    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".model.{uuid.uuid4().hex[:8]}.onnx"
    export_keyword_model(AutoModel.from_pretrained(model_path).eval(), tmp, "last_hidden_state", {0: "batch", 1: "seq"})
    tmp.replace(out)  # atomic: a half-written export is never picked up
    return out


def export_keyword_model(model: Any, path: Path, output: str, output_axes: dict[int, str]) -> None:
    """Export a transformers model to ONNX: inputs ``input_ids``, ``attention_mask``,
    ``token_type_ids`` (batch x seq), one output, the attribute ``output`` of its result. Traced
    with an all-ones dummy mask: a padded dummy mask exported a wrong model."""
    import torch

    class Keyword(torch.nn.Module):  # keyword call: transformers 5 changed positional order
        def __init__(self, m: Any) -> None:
            super().__init__()
            self.m = m

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return getattr(self.m(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids), output)

    dummy = torch.ones(2, 8, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings():  # tracer chatter about Python control flow, not errors
        warnings.simplefilter("ignore")
        torch.onnx.export(Keyword(model), (dummy, dummy, torch.zeros_like(dummy)), str(path), input_names=names,
                          output_names=[output], opset_version=17, dynamo=False,
                          dynamic_axes={**{n: {0: "batch", 1: "seq"} for n in names}, output: output_axes})


def quantize_int8(onnx_path: Path) -> Path:
    """Dynamic int8 quantisation of an exported model (measured in the benchmarks)."""
    out = onnx_path.with_name("model_int8.onnx")
    if not out.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(onnx_path), str(out), weight_type=QuantType.QInt8)
    return out


class HashEmbedder:
    """Deterministic bag-of-words hashing embedder for fast unit tests (no model, no torch).

    Texts sharing words get similar vectors, which is all retrieval tests need.
    """

    backend = "hash"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.model_id = f"hash-bow-{dim}"

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self._hash(texts)

    def _hash(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 63) else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def embed_spans(self, texts: list[str], spans: list[Spans]) -> tuple[np.ndarray, list[np.ndarray]]:
        return self._hash(texts), [self._hash([t[a:b] for a, b in sp]) for t, sp in zip(texts, spans, strict=True)]

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))


def make_embedder(settings: Settings, threads: int = 0) -> Embedder:
    """The real model: the packaged MiniLM unless ``settings.model_path`` names another folder,
    on OpenVINO (exported once to ONNX) unless ``settings.embed_backend`` is "torch"; on
    ``threads`` CPU threads (0 = all)."""
    path = settings.resolved_model_path()
    model_id = settings.model_path or PACKAGED_MODEL_ID
    if settings.embed_backend == "torch":
        return SentenceTransformerEmbedder(path, model_id=model_id, batch_size=settings.embed_batch_size)
    if settings.embed_backend != "openvino":
        raise AssistantError(f"Unknown embed_backend {settings.embed_backend!r}; use 'openvino' or 'torch'.")
    weights = Path(path) / "model.safetensors"
    key = hashlib.sha256(f"{path}|{weights.stat().st_size if weights.exists() else 0}".encode()).hexdigest()[:12]
    onnx = export_onnx(path, settings.model_cache / key)
    return OnnxEmbedder(path, onnx, model_id=model_id, batch_size=settings.embed_batch_size, threads=threads)
