"""Offline, cited question answering over a folder of documents.

Example::

    from assistant import Assistant
    turn = Assistant.open().ask("How many cars did Japan export to the U.S. last year?")
    turn.answer.citations[0].quote
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
