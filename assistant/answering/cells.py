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

from ..documents.tables import headers
from ..language import lexical
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
    """The cell of a table row among the best candidates that answers figure question ``q``.

    The row: its label's terms most covered by the question's (a tie goes to the better ranked).
    The column: the one value column whose headers hold the question's year (or, with no year,
    its terms); a row with a single value needs none. None when no row is named or no one column is.
    """
    if q.expects != "figure":
        return None
    asked = set(q.terms)
    best: tuple[float, int, Candidate, Table, int] | None = None
    for rank, c in enumerate(ranked[:ROWS_LOOKED_AT]):
        table = table_at(c.doc, c.start)
        row = _row_of(table, c.start, c.end) if table is not None else None
        if table is None or row is None or row < table.header_rows:
            continue
        label = " ".join(c.doc.text[x.start:x.end] for x in table.cells if x.row == row and x.col < table.header_cols)
        score = _cover(_terms(label), asked)
        if score > 0 and (best is None or score > best[0]):
            best = (score, rank, c, table, row)
    if best is None:
        return None
    _, _, c, table, row = best
    values = [x for x in table.cells if x.row == row and x.col >= table.header_cols]
    under = {x: headers(table, c.doc.text, row, x.col)[table.header_cols:] for x in values}
    years = {str(y) for y in q.years}
    if years:
        picked = [x for x in values if years & _terms(" ".join(under[x]))]
    else:
        focus = set(q.focus) - _terms(" ".join(c.doc.text[x.start:x.end] for x in table.cells
                                               if x.row == row and x.col < table.header_cols))
        picked = [x for x in values if focus & _terms(" ".join(under[x]))]
    if len(picked) != 1:
        picked = values if len(values) == 1 and not years else []
    if len(picked) != 1:
        return None
    cell = picked[0]
    return Found(c, table, cell, headers(table, c.doc.text, row, cell.col))


def unit_of(table: Table, text: str) -> str:
    """What a table's figures are in, as the answer says it: "$ millions", "millions", "%"...

    >>> from ..documents.tables import lay_out
    >>> t, tb = lay_out([["(in millions)", "2018"], ["Sales", "$ 5"]])
    >>> unit_of(tb, t)
    '$ millions'
    """
    body = text[table.start:table.end]
    currency = next((sym for sym in ("$", "€", "£", "¥") if sym in body), "")
    return " ".join(x for x in (currency, table.scale) if x and (x != "%" or not currency))


def segments(found: Found) -> list[Segment]:
    """The answer: the cell's value first (citing the cell, with its unit and scale and the
    headers it is read under), then its row (citing the row)."""
    c, cell = found.candidate, found.cell
    ref = CellRef(found.table.index, cell.row, cell.col, found.headers)
    value = Segment(c.doc.text[cell.start:cell.end], c.doc, cell.start, cell.end, c.prob, role="answer",
                    label=unit_of(found.table, c.doc.text), cell=ref)
    row = Segment(c.text, c.doc, c.start, c.end, c.prob)
    return [value, row]
