"""Typed, frozen records handed from one stage to the next.

    Document --chunk--> Chunk --retrieve--> Hit --compose/verify--> Answer(Citation...)

Library types (llama-index nodes, numpy arrays) never appear here; they stay inside the
adapters that use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One document of the corpus, with its full text so any span can be shown in context.

    >>> Document(id="a.txt", text="Hello.", sha256="…").title
    'a.txt'
    """

    id: str  # stable: path relative to the corpus (plus "#doc/p<page>" for page files)
    text: str
    sha256: str
    page: int | None = None  # 0-based page number for page-structured sources
    name: str = ""  # display name; defaults to the id

    @property
    def title(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class Chunk:
    """A slice ``doc.text[start:end]`` that is embedded and retrieved as one unit."""

    doc_id: str
    start: int
    end: int
    n_tokens: int


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the per-retriever evidence behind it."""

    chunk: Chunk
    score: float  # reciprocal-rank fusion score
    dense: float  # cosine similarity of the chunk to the query (0 when not in the dense list)
    dense_rank: int | None = None
    lexical_rank: int | None = None


@dataclass(frozen=True)
class Citation:
    """A checkable span: ``quote == document.text[start:end]``."""

    n: int
    source: str
    start: int
    end: int
    quote: str
    score: float
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "n": self.n,
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "score": round(self.score, 6),
        }
        if self.page is not None:
            d["page"] = self.page
        return d


@dataclass(frozen=True)
class Answer:
    """What ``ask()`` returns: answer text with ``[n]`` markers and the citations behind them.

    When ``found`` is false the text states no figure and ``related`` holds the nearest
    passages (not offered as support for anything).
    """

    question: str
    text: str
    found: bool
    citations: tuple[Citation, ...] = ()
    related: tuple[Citation, ...] = ()
    conflict: bool = False  # the sources give different figures for the same thing
    timings_ms: dict[str, float] = field(default_factory=dict)
    retrieved: tuple[str, ...] = ()  # sources of the retrieved passages, best first (for evals)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "found": self.found,
            "conflict": self.conflict,
            "citations": [c.to_dict() for c in self.citations],
            "related": [c.to_dict() for c in self.related],
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
        }
