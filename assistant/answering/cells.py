"""Figures answered from a table's cell: the row the question names, the column its period or
header names, that cell's value said first and cited exactly, read under its headers.

A retrieved table row is a candidate sentence like any other ("Cost of sales | 16,682 | 16,055");
of the best few, the row whose label the question covers best is the one asked about, and of its
values the one whose column header the question names (a year, "Q3", a segment). Without exactly
one such cell the answer is the ordinary one (the row quoted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..documents.tables import headers, number
from ..language import lexical
from ..language.figures import find_figures
from ..language.question import Question
from ..records import Cell, CellRef, Document, Segment, Table
from .candidates import Candidate

ROWS_LOOKED_AT = 8  # the best candidates searched for a table row the question names


@dataclass(frozen=True)
class Found:
    """The cell that answers, with the row it was found in."""

    candidate: Candidate
    table: Table
    cell: Cell
    headers: tuple[str, ...]


def table_at(doc: Document, start: int) -> Table | None:
    return next((t for t in doc.tables if t.start <= start < t.end), None)


def _row_of(table: Table, start: int, end: int) -> int | None:
    rows = {c.row for c in table.cells if start <= c.start and c.end <= end}
    return rows.pop() if len(rows) == 1 else None


def _terms(text: str) -> set[str]:
    return set(lexical.terms(text))


def _cover(wanted: set[str], have: set[str]) -> float:
    return len(wanted & have) / len(wanted) if wanted else 0.0


def find(q: Question, ranked: Sequence[Candidate]) -> Found | None:
    """The cell of a table row among the best candidates that answers figure question ``q`` (or a
    "What was X in 2018?" whose type the words leave open: a row's value under that year is a figure).

    The row: the best-ranked one whose label's words are all asked about ("Cost of sales"). The
    column: the one value column whose headers hold the question's year (or, with no year, its
    terms); a row with a single value needs none. None when no row is named or no one column is.
    """
    if not (q.expects == "figure" or (q.expects == "other" and q.years)):  # "What was X in 2018?" too
        return None
    asked = set(q.terms) - {str(y) for y in q.years}
    for c in ranked[:ROWS_LOOKED_AT]:
        table = table_at(c.doc, c.start)
        row = _row_of(table, c.start, c.end) if table is not None else None
        if table is None or row is None or row < table.header_rows:
            continue
        label = _terms(" ".join(c.doc.text[x.start:x.end] for x in table.cells
                                if x.row == row and x.col < table.header_cols))
        if _cover(label, asked) == 1.0:
            return _cell(q, c, table, row, label)
    return None


def _cell(q: Question, c: Candidate, table: Table, row: int, label: set[str]) -> Found | None:
    """The one cell of row ``row`` (of the candidate ``c``; ``label``: its label's terms) that
    the question's year or terms pick."""
    values = [x for x in table.cells if x.row == row and x.col >= table.header_cols]
    under = {x: headers(table, c.doc.text, row, x.col)[table.header_cols:] for x in values}
    years = {str(y) for y in q.years}
    if years:
        picked = [x for x in values if years & _terms(" ".join(under[x]))]
    else:
        focus = set(q.focus) - label
        picked = [x for x in values if focus & _terms(" ".join(under[x]))]
    if len(picked) != 1:
        picked = values if len(values) == 1 and not years else []
    if len(picked) != 1:
        return None
    cell = picked[0]
    read_under = headers(table, c.doc.text, row, cell.col)
    if elsewhere(q, c.doc, table, read_under):
        return None
    return Found(c, table, cell, read_under)


def elsewhere(q: Question, doc: Document, table: Table, read_under: tuple[str, ...]) -> set[str]:
    """The question's words that neither the cell's headers, the table's caption nor the
    document's title account for, and that the document's own text outside the table uses: the
    question is then about that text ("Of the 50 restaurants *acquired* in 2017, how many were
    sold?" over a row "Restaurants sold to franchisees"), not the cell. A word the document never
    uses is only the asker's own phrasing ("spend" for "expenses")."""
    explained = _terms(" ".join(read_under)) | _terms(table.caption) | _terms(doc.display_title) | {
        str(y) for y in q.years}
    outside = _terms(doc.text[:table.start] + " " + doc.text[table.end:])
    return (set(q.focus) - explained) & outside


SCALES = {"thousands": ("thousand", 1e3), "millions": ("million", 1e6), "billions": ("billion", 1e9)}  # word, factor


def unit_of(table: Table, text: str, cell: Cell) -> str:
    """What follows a cell's value when the answer says it: its scale as a word, and the
    table's currency when the cell does not carry it ("$55 million", "16,682 million ($)"), or
    "%" in a table of percentages.

    >>> from ..documents.tables import lay_out
    >>> t, tb = lay_out([["(in millions)", "2018", "2017"], ["Sales", "$ 55", "48"]])
    >>> unit_of(tb, t, tb.cell(1, 1)), unit_of(tb, t, tb.cell(1, 2))
    (' million', ' million ($)')
    """
    value = text[cell.start:cell.end]
    if table.scale == "%":
        return "" if "%" in value else "%"
    body = text[table.start:table.end]
    currency = next((sym for sym in ("$", "€", "£", "¥") if sym in body), "")
    word = f" {SCALES[table.scale][0]}" if table.scale in SCALES else ""
    return word + (f" ({currency})" if currency and currency not in value else "")


def in_words(found: Found, ranked: Sequence[Candidate]) -> Candidate | None:
    """The best-ranked sentence outside a table that states the cell's value (its scale applied:
    "$55" in a table in millions is "$55 million"): the text's own account of the figure."""
    value = number(found.candidate.doc.text[found.cell.start:found.cell.end])
    if value is None:
        return None
    want = float(value) * (SCALES[found.table.scale][1] if found.table.scale in SCALES else 1.0)
    for c in ranked[:ROWS_LOOKED_AT]:
        if table_at(c.doc, c.start) is None and any(
                abs(f.value - want) <= 1e-9 * max(1.0, abs(want)) and not f.is_year for f in find_figures(c.text)):
            return c
    return None


def segments(found: Found, ranked: Sequence[Candidate] = ()) -> list[Segment]:
    """The answer: the cell's value first (citing the cell, with its scale and unit and the
    headers it is read under), then its row (citing the row), then the sentence of the text
    that states the same figure, if one ranks among the best."""
    c, cell = found.candidate, found.cell
    ref = CellRef(found.table.index, cell.row, cell.col, found.headers)
    value = Segment(c.doc.text[cell.start:cell.end], c.doc, cell.start, cell.end, c.prob, role="answer",
                    label=unit_of(found.table, c.doc.text, cell), cell=ref)
    out = [value, Segment(c.text, c.doc, c.start, c.end, c.prob)]
    if (said := in_words(found, ranked)) is not None:
        out.append(Segment(said.text, said.doc, said.start, said.end, said.prob))
    return out
