"""The plain llama-index pipeline a user would otherwise pick, with default settings:
``VectorStoreIndex.from_documents`` over a ``FaissVectorStore``, embedding with
``HuggingFaceEmbedding`` on the very same MiniLM folder (sentence-transformers on torch,
llama-index's default batch of 10, default ``SentenceSplitter`` of 1024 cl100k tokens with
200 overlap; MiniLM itself truncates each chunk to 256 word-pieces).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any


def page_documents(corpus: Path, limit_pages: int | None = None) -> list[Any]:
    """One llama-index Document per page line, in sorted file order (same pages as ours)."""
    from llama_index.core import Document

    docs = []
    for path in sorted(corpus.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            if rec["text"].strip():
                docs.append(Document(text=rec["text"], metadata={"doc_name": rec["doc_name"], "page": rec["page"]}))
            if limit_pages is not None and len(docs) >= limit_pages:
                return docs
    return docs


def _embed_model(model_path: str) -> Any:
    from llama_index.core import Settings
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    Settings.llm = None  # no LLM anywhere; the default would be OpenAI
    return HuggingFaceEmbedding(model_name=model_path, device="cpu")


def build(docs: list[Any], model_path: str, persist_dir: Path | None = None) -> tuple[Any, dict[str, float]]:
    """Index ``docs`` the default way; returns the index and {seconds, nodes, tokens}."""
    import faiss
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.vector_stores.faiss import FaissVectorStore

    embed = _embed_model(model_path)
    store = FaissVectorStore(faiss_index=faiss.IndexFlatL2(384))
    ctx = StorageContext.from_defaults(vector_store=store)
    t0 = time.perf_counter()
    index = VectorStoreIndex.from_documents(docs, storage_context=ctx, embed_model=embed, show_progress=True)
    seconds = time.perf_counter() - t0
    nodes = list(index.docstore.docs.values())
    tok = embed._model.tokenizer
    tokens = sum(min(256, len(tok.tokenize(n.get_content()))) for n in nodes)
    if persist_dir is not None:
        ctx.persist(persist_dir=str(persist_dir))
    return index, {"seconds": seconds, "nodes": len(nodes), "tokens": tokens}


def load(persist_dir: Path, model_path: str) -> Any:
    from llama_index.core import StorageContext, load_index_from_storage
    from llama_index.vector_stores.faiss import FaissVectorStore

    store = FaissVectorStore.from_persist_dir(str(persist_dir))
    ctx = StorageContext.from_defaults(vector_store=store, persist_dir=str(persist_dir))
    return load_index_from_storage(ctx, embed_model=_embed_model(model_path))


def retrieve_pages(index: Any, question: str, k: int) -> list[tuple[str, int]]:
    """(doc_name, page) of the top-k nodes of the default retriever."""
    nodes = index.as_retriever(similarity_top_k=k).retrieve(question)
    return [(n.node.metadata["doc_name"], int(n.node.metadata["page"])) for n in nodes]


if __name__ == "__main__":  # build the full-corpus baseline once, into the bench cache
    import sys

    from assistant.settings import packaged_model_path

    corpus, out = Path(sys.argv[1]), Path(sys.argv[2])
    _, stats = build(page_documents(corpus), packaged_model_path(), out)
    (out / "build.json").write_text(json.dumps(stats))
    print(stats)
