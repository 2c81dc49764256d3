"""Typed, frozen records handed from one stage to the next.

    Document --chunk--> Chunk --retrieve--> Hit --answer--> Draft(Segment...) --verify--> Answer(Claim, Citation...)

Library types (llama-index nodes, numpy arrays) never appear here; they stay inside the
adapters that use them. Nothing here knows how an answer is shown (``present`` does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

# How sure the found model must be before an answer is given, chosen per request. Each level's
# found threshold is fitted on dev (``evals/external/selective.py``) as the highest that refuses
# at most its share of answerable questions (macro over suites): a stricter level refuses more.
Strictness = Literal["lenient", "balanced", "strict"]
STRICTNESS: tuple[Strictness, ...] = get_args(Strictness)
DEFAULT_STRICTNESS: Strictness = "balanced"
STRICTNESS_TARGET: dict[str, float] = {"lenient": 0.02, "balanced": 0.05, "strict": 0.10}
STRICTNESS_HELP = (
    "How sure an answer must be before it is given: 'strict' refuses the most (about {strict:.0%} of the answerable "
    "dev questions), 'balanced' about {balanced:.0%}, 'lenient' about {lenient:.0%}. A question's own conditions "
    "(a year, person, place or name no document found mentions) are checked at every level."
).format(**STRICTNESS_TARGET)
# How an answer's evidence is shown: "weak" where fewer than half of such answers were right on
# dev, "strong" otherwise, "" for a refusal.
Evidence = Literal["strong", "weak", ""]

UNNAMED = "unnamed"  # the label of an answer claim giving a source the text does not name ("an official")

@dataclass(frozen=True)
class Cell:
    """One filled cell of a table: ``document.text[start:end]`` is what it says, so a citation of
    it is exact. ``row`` and ``col`` count from 0 over the whole grid, header rows included."""

    row: int
    col: int
    start: int
    end: int


@dataclass(frozen=True)
class Table:
    """A table of a document: a grid whose filled cells are spans of the document's text, the
    first ``header_rows`` rows and ``header_cols`` columns naming the others, a caption (or the
    nearest heading) and what its numbers count ("millions", "%": ``tables.scale_of``).

    >>> t = Table(0, 0, 20, 2, 2, (Cell(0, 1, 2, 6), Cell(1, 0, 7, 12)), 1, 1, "Sales", "millions")
    >>> Table.from_dict(t.to_dict()) == t
    True
    """

    index: int  # its place among the document's tables
    start: int  # the span of the whole table in the document's text
    end: int
    rows: int
    cols: int
    cells: tuple[Cell, ...]
    header_rows: int = 1
    header_cols: int = 1
    caption: str = ""
    scale: str = ""  # "thousands", "millions", "billions", "%" or "" (as written)

    def cell(self, row: int, col: int) -> Cell | None:
        return next((c for c in self.cells if c.row == row and c.col == col), None)

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "start": self.start, "end": self.end, "rows": self.rows, "cols": self.cols,
                "cells": [[c.row, c.col, c.start, c.end] for c in self.cells], "header_rows": self.header_rows,
                "header_cols": self.header_cols, "caption": self.caption, "scale": self.scale}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Table:
        return cls(d["index"], d["start"], d["end"], d["rows"], d["cols"], tuple(Cell(*c) for c in d["cells"]),
                   d.get("header_rows", 1), d.get("header_cols", 1), d.get("caption", ""), d.get("scale", ""))


@dataclass(frozen=True)
class Document:
    """One document of the corpus, with its full text so any span can be shown in context.

    >>> Document(id="a.txt", text="Hello.", sha256="…").title
    'a.txt'
    """

    id: str  # stable: path relative to the corpus (plus "#p<page>" for a PDF page, "#doc/p<page>" for page files)
    text: str
    sha256: str
    page: int | None = None  # 0-based page number for page-structured sources (people see page + 1)
    name: str = ""  # display name; defaults to the id
    source: str = ""  # the corpus file it came from (relative path); defaults to the id
    kind: str = "text"  # "text", "pages" (.jsonl), "pdf", "html", "docx", "csv", "sheet" (one of a workbook)
    heading: str = ""  # the title people see (metadata, first heading, largest line, lead words); "" = title
    tables: tuple[Table, ...] = ()  # its tables, each cell a span of ``text``

    def to_dict(self) -> dict[str, Any]:
        """The JSON of the index's ``documents.jsonl`` (no "tables" key when it has none).

        >>> d = Document("t.csv", "a | 1", "x", kind="csv", tables=(Table(0, 0, 5, 1, 2, (Cell(0, 1, 4, 5),)),))
        >>> Document.from_dict(d.to_dict()) == d, "tables" in Document("a.txt", "Hi.", "x").to_dict()
        (True, False)
        """
        d = {k: getattr(self, k) for k in ("id", "text", "sha256", "page", "name", "source", "kind", "heading")}
        return {**d, "tables": [t.to_dict() for t in self.tables]} if self.tables else d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        return cls(id=d["id"], text=d["text"], sha256=d["sha256"], page=d.get("page"), name=d.get("name", ""),
                   source=d.get("source", ""), kind=d.get("kind", "text"), heading=d.get("heading", ""),
                   tables=tuple(Table.from_dict(t) for t in d.get("tables", [])))

    @property
    def title(self) -> str:
        """The name retrieval knows the document by (BM25 title field, embedding header)."""
        return self.name or self.id

    @property
    def display_title(self) -> str:
        """The title shown to people: "Regional energy report" rather than "report.pdf"."""
        return self.heading or self.title

    @property
    def file(self) -> str:
        return self.source or self.id

    @property
    def page_label(self) -> int | None:
        """The page number people see (1-based), or None."""
        return None if self.page is None else self.page + 1


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
class CellRef:
    """Where a cited cell sits: its table (among its document's), row and column, and the
    headers it is read under (row label first, then the column's, upper levels first)."""

    table: int
    row: int
    column: int
    headers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "row": self.row, "column": self.column, "headers": list(self.headers)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CellRef:
        return cls(d["table"], d["row"], d["column"], tuple(d.get("headers", ())))


# What a derived figure computes (``answering.arithmetic`` says how).
OPERATIONS = ("change", "decrease", "difference", "percent_change", "average", "sum", "count", "share", "ratio")


@dataclass(frozen=True)
class Operand:
    """One figure a derived answer is computed from: citation ``n`` holds it (a cell, or a
    sentence), ``value`` is it as a number ("-547" for "(547)"), read under ``row`` and ``column``."""

    n: int
    value: str
    row: str = ""
    column: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "value": self.value, "row": self.row, "column": self.column}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Operand:
        return cls(d["n"], d["value"], d.get("row", ""), d.get("column", ""))


@dataclass(frozen=True)
class Derived:
    """A figure computed from cited figures: ``op`` (one of ``OPERATIONS``) of the operands, in
    order, gives ``result`` (a number, rounded to ``rounding`` decimals: -1 when exact); ``unit``
    is what follows it when said (" million ($)", "%"). The verifier recomputes it.

    >>> d = Derived("change", (Operand(1, "16682", "Cost of sales", "2018"), Operand(2, "16055")), "627", -1)
    >>> Derived.from_dict(d.to_dict()) == d
    True
    """

    op: str
    operands: tuple[Operand, ...]
    result: str
    rounding: int = -1
    unit: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "operands": [o.to_dict() for o in self.operands], "result": self.result,
                "rounding": self.rounding, "unit": self.unit}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Derived:
        return cls(d["op"], tuple(Operand.from_dict(o) for o in d["operands"]), d["result"], d.get("rounding", -1),
                   d.get("unit", ""))


@dataclass(frozen=True)
class Refusal:
    """Why an answer was refused, as data: ``kind`` names the condition the documents do not
    meet ("period"), ``text`` says it to a person ("The table gives Cost of sales for 2016–2018,
    not 2015.")."""

    kind: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Refusal:
        return cls(d["kind"], d["text"])


@dataclass(frozen=True)
class Citation:
    """A checkable span: ``quote == document.text[start:end]``; a table cell's carries ``cell``.

    >>> c = Citation(1, "t.csv", 4, 10, "16,682", 1.0, file="t.csv", title="Income",
    ...              cell=CellRef(0, 2, 1, ("Cost of sales", "2018")))
    >>> Citation.from_dict(c.to_dict()) == c, c.to_dict()["cell"]["headers"]
    (True, ['Cost of sales', '2018'])
    """

    n: int
    source: str
    start: int
    end: int
    quote: str
    score: float
    page: int | None = None  # 1-based, as printed on the page / shown by a PDF viewer
    file: str = ""  # the corpus file ("report.pdf"); source adds "#p<page>" for a page
    title: str = ""  # the document's title as people see it ("" = the file)
    cell: CellRef | None = None  # the span is this table cell

    @property
    def name(self) -> str:
        """The cited document as people know it: its title, else its file."""
        return self.title or self.file or self.source

    @property
    def label(self) -> str:
        """How a citation is named to people: "Regional energy report, p. 2"."""
        return f"{self.name}, p. {self.page}" if self.page is not None else self.name

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "n": self.n,
            "source": self.source,
            "file": self.file or self.source,
            "title": self.name,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "score": round(self.score, 6),
        }
        if self.page is not None:
            d["page"] = self.page
        if self.cell is not None:
            d["cell"] = self.cell.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Citation:
        return cls(d["n"], d["source"], d["start"], d["end"], d["quote"], d["score"], d.get("page"), d.get("file", ""),
                   d.get("title", ""), CellRef.from_dict(d["cell"]) if d.get("cell") else None)


@dataclass(frozen=True)
class Segment:
    """One claim of a draft answer and the span that supports it (verified before rendering)."""

    claim: str  # text that must appear verbatim in doc.text[start:end]
    doc: Document
    start: int
    end: int
    score: float
    supports: int | None = None  # index of the segment this one annotates (a speaker name)
    label: str = ""  # for a speaker name: the word it stands for ("he")
    role: str = ""  # "" = by position; "answer" = the value that answers, shown before its sentence
    speaker: str = ""  # who says the quoted sentence, as resolved ("Taizo Watanabe"; "" = not reported speech)
    cell: CellRef | None = None  # the span is this table cell (the claim is its value)
    operand: str = ""  # the figure of the span this segment gives a derived answer, as a number ("" = none)


@dataclass(frozen=True)
class Draft:
    """What an answerer proposes; ``verify`` keeps only what its spans support."""

    found: bool
    segments: list[Segment] = field(default_factory=list)
    related: list[Segment] = field(default_factory=list)
    conflict: bool = False
    conflict_on: str = ""  # "figure", "date", "name", ...
    found_p: float | None = None  # the found model's probability (None: not decided by it)
    conflict_p: float | None = None  # the pair model's highest probability; 1.0 when a rule decided
    derived: Derived | None = None  # a figure computed from the segments with ``operand`` set, in order
    # (their ``n`` is the segment's index here; ``render`` makes them citation numbers)
    refused_for: tuple[Refusal, ...] = ()  # not found: the conditions the documents do not meet
    evidence: Evidence = ""  # found: how sure the evidence is ("weak" is labelled as such)
    strictness: Strictness = DEFAULT_STRICTNESS  # the level it was decided at


CLAIM_ROLES = ("quote", "conflict", "speaker", "answer", "operand")


_SPACE_RUN = re.compile(r"\s+")


def squash(text: str) -> str:
    r"""``text`` with each run of whitespace (a PDF's hard line breaks, no-break spaces) as one
    space: how claims are shown; the citation's offsets and quote stay the document's own.

    >>> squash("Japan exported\n1.99 million\u00a0cars ")
    'Japan exported 1.99 million cars'
    """
    return flow(text).strip()


def flow(text: str) -> str:
    r"""``text`` with each run of whitespace as one space, its ends kept as one space: a piece of
    PDF text shown between others (``flow("exported\n 1.99 ")`` is ``'exported 1.99 '``)."""
    return _SPACE_RUN.sub(" ", text)


@dataclass(frozen=True)
class Claim:
    """One statement of an answer: ``text`` is copied verbatim from citation ``n``'s quote, its
    whitespace squashed (``squash(text) in squash(quote)``; line breaks of a PDF are not words).

    ``role`` says what the claim does: "quote" (a sentence that answers), "answer" (the name
    that answers a "who" question, copied from the sentence that follows it), "conflict" (one
    source's side when sources disagree) or "speaker" (who the previous claim's "he" or "the
    official" is; ``label`` holds that word; for the value of a table cell, ``label`` is what the
    answer says after it, " million ($)"). A quoted sentence that reports speech carries its
    ``speaker``: the person the text says it is by (the source as written when it names nobody).

    >>> Claim("He said so.", 2, speaker="Taizo Watanabe").to_dict()
    {'text': 'He said so.', 'n': 2, 'role': 'quote', 'speaker': 'Taizo Watanabe'}
    """

    text: str
    n: int
    role: str = "quote"
    label: str = ""
    speaker: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"text": self.text, "n": self.n, "role": self.role}
        if self.label:
            d["label"] = self.label
        if self.speaker:
            d["speaker"] = self.speaker
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Claim:
        return cls(d["text"], d["n"], d.get("role", "quote"), d.get("label", ""), d.get("speaker", ""))


@dataclass(frozen=True)
class Answer:
    """The answer of a turn: claims, each tied to a citation, and the citations behind them.

    Its text is derived from the claims by ``present.answer_text`` (the one place that writes
    ``[n]`` markers; ``present.answer_json`` is ``to_dict`` with that text). When ``found`` is
    false there are no claims, and ``related`` holds the nearest passages (not offered as
    support for anything).
    """

    question: str
    found: bool
    claims: tuple[Claim, ...] = ()
    citations: tuple[Citation, ...] = ()
    related: tuple[Citation, ...] = ()
    conflict: bool = False  # the sources give different values for the same thing
    conflict_on: str = ""  # what they differ on: "figure", "date", "name", ... ("" = no conflict)
    timings_ms: dict[str, float] = field(default_factory=dict)  # milliseconds, 3 decimals
    retrieved: tuple[str, ...] = ()  # sources of the retrieved passages, best first (for evals)
    found_p: float | None = None  # P(the best sentence answers), from the found model; found iff >= its threshold
    conflict_p: float | None = None  # highest P(two sources disagree) over the pairs that differ (1.0: by rule)
    derived: Derived | None = None  # a figure computed from cited operands, said first with its working
    refused_for: tuple[Refusal, ...] = ()  # a refusal's reasons, each naming what the documents lack
    evidence: Evidence = ""  # "weak": fewer than half of dev answers this sure were right; "" when refused
    strictness: Strictness = DEFAULT_STRICTNESS  # the level it was answered (or refused) at

    def citation(self, n: int) -> Citation | None:
        return next((c for c in self.citations if c.n == n), None)

    def to_dict(self) -> dict[str, Any]:
        """Every field; ``Answer.from_dict`` reads it back."""
        return {
            "question": self.question,
            "found": self.found,
            "found_p": self.found_p,
            "evidence": self.evidence,
            "strictness": self.strictness,
            "conflict": self.conflict,
            "conflict_on": self.conflict_on,
            "conflict_p": self.conflict_p,
            "claims": [c.to_dict() for c in self.claims],
            "citations": [c.to_dict() for c in self.citations],
            "related": [c.to_dict() for c in self.related],
            "retrieved": list(self.retrieved),
            "timings_ms": dict(self.timings_ms),
        } | ({"derived": self.derived.to_dict()} if self.derived else {}) | (
            {"refused_for": [r.to_dict() for r in self.refused_for]} if self.refused_for else {})

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Answer:
        """The Answer of ``to_dict`` (or ``present.answer_json``) output; the derived text is ignored."""
        return cls(d["question"], d["found"], tuple(Claim.from_dict(c) for c in d.get("claims", [])),
                   tuple(Citation.from_dict(c) for c in d.get("citations", [])),
                   tuple(Citation.from_dict(c) for c in d.get("related", [])), d.get("conflict", False),
                   d.get("conflict_on", ""), dict(d.get("timings_ms", {})), tuple(d.get("retrieved", [])),
                   d.get("found_p"), d.get("conflict_p"), Derived.from_dict(d["derived"]) if d.get("derived") else None,
                   tuple(Refusal.from_dict(r) for r in d.get("refused_for", [])), d.get("evidence", ""),
                   d.get("strictness", DEFAULT_STRICTNESS))
