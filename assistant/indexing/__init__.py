"""Indexing: the on-disk index (``index/`` by default) and the search structures over it.

- ``build``: bring an index up to date with its corpus, generation by generation;
- ``load``: open a generation safely (``LoadedIndex``); the folder layout;
- ``segments``, ``docstore``: an index of several segments; documents read on demand;
- ``store``: the dense and BM25 stores (FAISS files or Milvus) behind one interface;
- ``embedding``: the embedding model (OpenVINO or torch) and a fake for tests;
- ``ingest``, ``distributed``: parse and embed new documents here or on a Ray cluster.

A new store goes here. Imports ``documents``, ``language`` and the shared modules, nothing above.
"""
