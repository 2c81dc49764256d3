"""Ingestion on a Ray cluster: ``assistant index --ray ADDRESS``.

The new documents go through a Ray Data pipeline: blocks of ``DOCS_PER_BLOCK`` documents are
parsed (sentences, chunks, attributions), chunked and embedded by a pool of actors that each load
the embedding model and spaCy once. They run the same ``ingest.parse`` and ``ingest.embed`` as
the single-process path, so the index is the same. The driver reads the files (in a cluster they
must be where it runs, or on a shared volume), decides what is reused, and writes the index (and
the store) as always: only the work that grows with the collection is spread.

``ADDRESS`` ``local`` starts a private cluster on this machine with ``workers`` workers (tests,
one big machine); anything else joins that cluster (``auto``, ``ray://head:10001``).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..progress import OnStep, Stage
from ..records import Chunk, Document
from ..settings import Settings
from .embedding import Embedder, make_embedder
from .ingest import ChunkerConfig, Ingested, Planned, from_record, parse, record
from .ingest import embed as embed_plans

LOCAL = "local"
DOCS_PER_BLOCK = 8  # documents per actor call: large enough to batch the model, small enough to spread


LOOPBACK = "127.0.0.1"
# Ray's switch for a cluster that is this machine alone (its default on laptops): 0 makes it take
# 127.0.0.1 as the node's address instead of asking 8.8.8.8 which address routes outwards.
LOCAL_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
# What Ray's usage reporter reads before it asks cloud metadata servers what machine this is (it
# does so even with usage stats off): a local cluster, said so, is never probed.
BOOTSTRAP_CONFIG = "ray_bootstrap_config.yaml"


@contextmanager
def _loopback_only() -> Iterator[None]:
    """While a private local cluster starts, its processes (which copy this environment) find a
    home folder whose ``ray_bootstrap_config.yaml`` says the cluster is local: Ray's reporter then
    sends no request to 169.254.169.254 or metadata.google.internal. With ``_node_ip_address``
    on loopback it neither asks 8.8.8.8 which address it has nor binds the machine's LAN address."""
    home = Path(tempfile.mkdtemp(prefix="assistant-ray-home-"))
    (home / BOOTSTRAP_CONFIG).write_text("provider:\n  type: local\n", encoding="utf-8")
    before = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = before


class _Worker:
    """One Ray actor: the model, its tokenizer and spaCy, loaded once; a block of documents in,
    their plans and vectors out (JSON and raw float32 bytes: plain Arrow columns)."""

    def __init__(self, settings_json: str, chunker: dict[str, Any], threads: int) -> None:

        self.embedder = make_embedder(Settings.model_validate_json(settings_json), threads=threads)
        self.chunker = ChunkerConfig(**chunker)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list[Any]]:
        docs = [Document.from_dict(json.loads(str(x))) for x in batch["doc"]]
        made = embed_plans([parse(d, self.embedder, self.chunker) for d in docs], self.embedder)
        return {
            "id": [x.plan.doc.id for x in made],
            "plan": [json.dumps({"chunks": [asdict(c) for c in x.plan.chunks], **record(x.plan)}) for x in made],
            "vectors": [np.ascontiguousarray(x.vectors, dtype=np.float32).tobytes() for x in made],
            "sentence_vectors": [np.ascontiguousarray(x.sentence_vectors, dtype=np.float32).tobytes() for x in made],
        }


class RayIngest:
    """An ``ingest.Ingest`` that runs on Ray (see the module doc); ``workers`` actors of
    ``threads`` CPU threads each."""

    def __init__(self, address: str, settings: Settings, workers: int = 2, threads: int = 1) -> None:
        self.address, self.settings, self.workers, self.threads = address, settings, workers, threads

    def _init(self) -> None:
        if self.address == LOCAL:  # read when ray is imported: every address Ray picks is then loopback
            os.environ.setdefault(LOCAL_ONLY, "0")
        import ray

        if ray.is_initialized():
            return
        quiet: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
        if self.address == LOCAL:
            with _loopback_only():
                ray.init(num_cpus=self.workers * self.threads, _node_ip_address=LOOPBACK, **quiet)
        else:
            ray.init(address=self.address, **quiet)
        context = ray.data.DataContext.get_current()
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        context.enable_progress_bars = False  # ours is the build's progress
        context.print_on_execution_start = False

    def __call__(self, docs: list[Document], embedder: Embedder, chunker: ChunkerConfig, on_step: OnStep | None,
                 parsing: Stage) -> dict[str, Ingested]:
        if not docs:
            return {}
        self._init()  # first: it sets what Ray reads when it is imported
        import ray

        by_id = {d.id: d for d in docs}
        ds = ray.data.from_items([{"doc": json.dumps(d.to_dict())} for d in docs],
                                 override_num_blocks=min(len(docs), max(self.workers, -(-len(docs) // DOCS_PER_BLOCK))))
        kwargs = {"settings_json": self.settings.model_dump_json(), "chunker": asdict(chunker), "threads": self.threads}
        out = ds.map_batches(_Worker, batch_size=DOCS_PER_BLOCK, num_cpus=self.threads, fn_constructor_kwargs=kwargs,
                             compute=ray.data.ActorPoolStrategy(size=self.workers))
        embedding = Stage(on_step, "embedding", len(docs), "document")  # a document is parsed and embedded at once
        made: dict[str, Ingested] = {}
        for row in out.iter_rows():
            d, plan = by_id[row["id"]], json.loads(row["plan"])
            spans, attributions = from_record(plan)
            p = Planned(d, [Chunk(**c) for c in plan["chunks"]], spans, False, attributions, plan.get("error", ""))
            vecs = np.frombuffer(row["vectors"], dtype=np.float32).reshape(len(p.chunks), embedder.dim)
            sents = np.frombuffer(row["sentence_vectors"], dtype=np.float32).reshape(len(p.sentences), embedder.dim)
            made[d.id] = Ingested(p, vecs.copy(), sents.copy())
            parsing.advance()
            embedding.advance()
        return made
