"""Offline, cited question answering over a folder of documents.

Example::

    from assistant import Assistant
    turn = Assistant.open().ask("How many cars did Japan export to the U.S. last year?")
    turn.text, turn.citations[0].quote

The stages, lowest first; each imports only those before it (``tests/test_layers.py``):

- shared, at this level: ``records``, ``settings``, ``errors``, ``progress``, ``offline``;
- ``language``: terms, figures, typed spans, who says what, what a question asks;
- ``documents``: files into ``Document`` records, sentences and chunks;
- ``indexing``: the on-disk index and its search structures;
- ``answering``: a question into a verified ``Answer``;
- ``core``: the composition root (``build``, ``Assistant``);
- ``interfaces``: the CLI, the gradio UI, collections, eval runs.
"""

from . import offline  # noqa: F401  (must run before any model library is imported)
from .errors import (
    AssistantError,
    CorpusError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    QuestionError,
)
from .records import Answer, Chunk, Citation, Document, Hit

__all__ = [
    "Answer", "Assistant", "AssistantError", "Chunk", "Citation", "CorpusError", "Document",
    "Hit", "IndexCorruptError", "IndexMismatchError", "IndexMissingError", "QuestionError",
]


def __getattr__(name: str) -> object:  # lazy: `import assistant` must not load torch
    if name == "Assistant":
        from .core import Assistant

        return Assistant
    raise AttributeError(name)
