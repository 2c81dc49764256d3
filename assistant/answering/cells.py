"""Figures answered from a table's cell: the row the question names, the column its period or
header names, that cell's value said first and cited exactly, read under its headers.

A retrieved table row is a candidate sentence like any other ("Cost of sales | 16,682 | 16,055");
of the best few, the row whose label the question covers best is the one asked about, and of its
values the one whose column header the question names (a year, "Q3", a segment). Without exactly
one such cell the answer is the ordinary one (the row quoted).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from ..documents.tables import (
    CURRENCIES,
    amount,
    base_row,
    cell_periods,
    column_heads,
    headers,
    heads_periods,
    number,
    period_at,
    period_list,
    periods,
    row_label,
    row_span,
    scale_at,
    section,
)
from ..language import lexical
from ..language.asking import (
    COMPARING,
    DERIVED,
    EACH,
    FACTORS,
    LIST_PERIODS,
    Comparison,
    beside,
    comparison,
    ranking,
    several,
)
from ..language.figures import find_figures
from ..language.question import Question
from ..records import Cell, CellRef, Document, Segment, Table
from .candidates import Candidate

ROWS_LOOKED_AT = 8  # the best candidates searched for a table row the question names


@dataclass(frozen=True)
class Found:
    """The cells that answer (in the order asked), with the row they were found in."""

    candidate: Candidate
    table: Table
    cells: tuple[Cell, ...]
    said: tuple[tuple[int, int], ...] = ()  # what is said of each cell: its value whole (default), or
    # the words in it that answer a "Which year / segment ...?" (a period in a header, a row's label)
    row: tuple[int, int] | None = None  # the span of the row compared, when it is not the candidate's

    @property
    def values(self) -> bool:
        return not self.said


def table_at(doc: Document, start: int) -> Table | None:
    return next((t for t in doc.tables if t.start <= start < t.end), None)


def _row_of(table: Table, start: int, end: int) -> int | None:
    rows = {c.row for c in table.cells if start <= c.start and c.end <= end}
    return rows.pop() if len(rows) == 1 else None


def _terms(text: str) -> set[str]:
    return set(lexical.terms(text))


_FOOTNOTE = re.compile(r"\(\d{1,2}(?:\s*,\s*\d{1,2})*\)|\*+|\(\w\)$")


def label_terms(label: str) -> set[str]:
    """The terms of a row's label, its footnote marks aside ("Pre-tax losses (1)", "Revenue*").

    >>> sorted(label_terms("Diluted earnings per share (1,2)"))
    ['dilut', 'earn', 'per', 'share']
    """
    return _terms(_FOOTNOTE.sub(" ", label))


Named = tuple[Candidate, Table, int, set[str]]  # a row the question names: candidate, table, row, label's terms


def find(q: Question, ranked: Sequence[Candidate], named: Named | None) -> Found | None:
    """The cell of a table row among the best candidates that answers figure question ``q`` (or a
    "What was X in 2018?" whose type the words leave open: a row's value under that year is a figure).

    The row: one whose label's words are all asked about ("Cost of sales"), the most specific
    (most words, its section's asked words counted too; the better ranked on a tie). A row of
    the best ``ROWS_LOOKED_AT`` candidates may be named by one word ("Revenue"); further down,
    by two or more (the sentence scorer ranks prose above rows that name the same thing). The
    column: the one value column whose headers hold the question's period (or, with no period,
    its words); a row with a single value needs none. None when no row is named or no one column is.
    """
    compare = comparison(q.text)
    if compare is None and (most := ranking(q.text)) is not None:
        return _best_row(q, ranked, most)
    if compare is None and LIST_PERIODS.search(q.text):
        return _listed_periods(ranked)
    if compare is None and _MEMBERS.search(q.text):
        return _members(q, ranked)
    if compare is None and not (q.expects == "figure" or (q.expects in ("other", "definition") and periods(q.text))):
        return None  # "What was X in 2018?" is a figure too
    if named is None:
        return None
    c, table, row, label = named
    return _cell(q, c, table, row, label) if compare is None else _extreme(q, c, table, row, compare)


def named_row(q: Question, ranked: Sequence[Candidate]) -> Named | None:
    """The table row the question names (see ``find``; computed once per question and passed to
    ``find`` and ``derive``): its candidate, table, row and label's terms."""
    asked = set(q.terms) - {str(y) for y in q.years}
    named: list[tuple[int, int, Candidate, Table, int, set[str]]] = []
    for rank, c in enumerate(ranked):
        table = table_at(c.doc, c.start)
        row = _row_of(table, c.start, c.end) if table is not None else None
        if table is None or row is None or row < table.header_rows or not _valued(table, row):
            continue  # not a row, a header row, or a section's label alone
        name = _FOOTNOTE.sub(" ", row_label(table, c.doc.text, row)).strip(" :")
        label = _terms(name)
        if not label and name[:1].isupper() and rank < ROWS_LOOKED_AT and re.search(rf"\b{re.escape(name)}\b", q.text):
            named.append((-1, rank, c, table, row, label))  # "Other": no term, but named as the table writes it
        elif label and label <= asked and (rank < ROWS_LOOKED_AT or len(label) >= 2):
            named.append((-_specific(table, c.doc.text, row, label, asked), rank, c, table, row, label))
    named += _other_rows(ranked, asked)
    if not named:
        return None
    _, _, c, table, row, label = min(named, key=lambda n: n[:2])
    return c, table, row, label


def _other_rows(ranked: Sequence[Candidate], asked: set[str]) -> list[tuple[int, int, Candidate, Table, int, set[str]]]:
    """Rows the question names in the tables of the best ``ROWS_LOOKED_AT`` candidates that are
    not among them (a table is found as a whole: the "Service" row the ranking put below the
    cut, under the "Product" row it kept), each as a candidate of its own span, ranked after
    the candidate rows."""
    out: list[tuple[int, int, Candidate, Table, int, set[str]]] = []
    seen: set[tuple[str, int, int]] = set()
    tables: dict[tuple[str, int], tuple[int, Candidate, Table]] = {}
    for rank, c in enumerate(ranked[:ROWS_LOOKED_AT]):
        if (table := table_at(c.doc, c.start)) is None:
            continue
        if (row := _row_of(table, c.start, c.end)) is not None:
            seen.add((c.doc.id, table.index, row))
        tables.setdefault((c.doc.id, table.index), (rank, c, table))
    for rank, c, table in tables.values():
        text = c.doc.text
        for row in range(table.header_rows, table.rows):
            if (c.doc.id, table.index, row) in seen or not _valued(table, row):
                continue
            if (label := label_terms(row_label(table, text, row))) and label <= asked:
                a, b = row_span(table, row)
                row_c = replace(c, start=a, end=b, spans=(), said=None, vec=None)
                specific = _specific(table, text, row, label, asked)
                out.append((-specific, ROWS_LOOKED_AT + rank, row_c, table, row, label))
    return out


def _specific(table: Table, text: str, row: int, label: set[str], asked: set[str]) -> int:
    """How specifically the question names a row: its label's terms, and the asked terms of its
    section's label besides ("Inventory" under "Deferred tax assets")."""
    return len(label) + len(_terms(section(table, text, row)) & asked - label)


def row_periods(table: Table, text: str, row: int) -> dict[Cell, set[str]]:
    """Each value cell of ``row`` and the periods its column headers name."""
    return {x: cell_periods(table, text, row, x.col)
            for x in table.cells if x.row == row and x.col >= table.header_cols}


def period_cells(table: Table, text: str, row: int, wanted: Sequence[str]) -> list[Cell] | None:
    """The value cell of ``row`` under each period of ``wanted`` (in that order), each the only
    one under its period (of several, the one under that period alone: not a "2019 vs 2018"
    change column); None when a period heads no column of the row, or more than one."""
    under = row_periods(table, text, row)
    each = [[x for x in under if p in under[x]] for p in wanted]
    each = [[x for x in e if len(under[x]) == 1] if len(e) > 1 else e for e in each]  # not "2019 vs 2018"
    if not all(len(e) == 1 for e in each) or len({e[0] for e in each}) < len(each):
        return None
    return [e[0] for e in each]


def _top_table(ranked: Sequence[Candidate]) -> tuple[Candidate, Table] | None:
    """The best-ranked candidate that lies in a table, and its table."""
    for c in ranked[:ROWS_LOOKED_AT]:
        if (table := table_at(c.doc, c.start)) is not None:
            return c, table
    return None


def _listed_periods(ranked: Sequence[Candidate]) -> Found | None:
    """"Which years does the table cover?": the periods that head the best-ranked table's
    columns, each cited in its header, in the table's order (two at least)."""
    if (top := _top_table(ranked)) is None:
        return None
    c, table = top
    seen: dict[str, tuple[Cell, tuple[int, int]]] = {}
    for col in range(table.header_cols, table.cols):
        if (where := period_span(table, c.doc.text, col)) is not None:
            seen.setdefault(c.doc.text[where[1][0]:where[1][1]], where)
    if len(seen) < 2:
        return None
    return Found(c, table, tuple(h for h, _ in seen.values()), tuple(s for _, s in seen.values()))


_MEMBERS = re.compile(r"\b(?:what|which)\s+(?:are|were)\s+the\s+(?:\w+\s+)?(?:components|items|segments|categories|"
                      r"types|elements|sources)\b|\bwhat\s+(?:\w+\s+){0,2}(?:are|were)\s+listed\b", re.I)
_MEMBER_WORDS = _terms("components component items item segments segment categories category types type elements "
                       "element sources source listed table making make up under included")
_TOTAL = re.compile(r"^\s*total", re.I)  # a total row ("Total", "Totals", "Total revenue")


def _valued(table: Table, row: int) -> bool:
    return any(x.row == row and x.col >= table.header_cols for x in table.cells)


def member_rows(q: Question, ranked: Sequence[Candidate]) -> tuple[Candidate, Table, int, list[int]] | None:
    """The rows whose labels answer "What are the components of total revenue?" / "... making up
    current assets?" / "What items are listed in the table?" (in the best-ranked table): those a
    total sums (above it, to the section's start), those of a section (under its label, to its
    total), or the whole table's (its totals aside); with the row the question names (the total
    or the section's label; -1 for the whole table). None unless two or more."""
    if (top := _top_table(ranked)) is None:
        return None
    c, table = top
    text, asked = c.doc.text, set(q.terms) - _MEMBER_WORDS
    body = range(table.header_rows, table.rows)
    label = {r: row_label(table, text, r) for r in body}
    named = [r for r in body if label[r] and label_terms(label[r]) and label_terms(label[r]) <= asked]
    if named:  # the most specific label the question names
        row = max(named, key=lambda r: (len(label_terms(label[r])), -r))
        if _valued(table, row) and not _TOTAL.match(label[row]):
            return None
        step = -1 if _valued(table, row) else 1  # a total sums the rows above it; a section's rows follow it
        rows, r = [], row + step
        while r in body and label[r] and _valued(table, r) and not _TOTAL.match(label[r]):
            rows.append(r)
            r += step
        rows.sort()
    elif not asked - _terms("financial"):  # "What (financial) items are listed in the table?"
        row, rows = -1, [r for r in body if label[r] and _valued(table, r) and not _TOTAL.match(label[r])]
    else:
        return None
    return (c, table, row, rows) if len(rows) >= 2 else None


def _members(q: Question, ranked: Sequence[Candidate]) -> Found | None:
    """The labels of ``member_rows``, each cited in its cell, in the table's order."""
    if (members := member_rows(q, ranked)) is None:
        return None
    c, table, _, rows = members
    heads = [x for r in rows if (x := table.cell(r, 0)) is not None]
    return Found(c, table, tuple(heads), tuple((x.start, x.end) for x in heads),
                 (row_span(table, rows[0])[0], row_span(table, rows[-1])[1]))


def _best_row(q: Question, ranked: Sequence[Candidate], most: bool) -> Found | None:
    """The row of the best-ranked table whose value in the column the question names is the
    most (or least): its label answers. The column: the one whose headers share the most words
    with the question (its period, if it names one); rows labelled "Total" are not ranked."""
    if (top := _top_table(ranked)) is None:
        return None
    c, table = top
    text, asked, want = c.doc.text, set(q.terms), periods(q.text)
    scored = []
    for col in range(table.header_cols, table.cols):
        heads = column_heads(table, text, col)
        if want and not want & periods(heads):
            continue
        scored.append((len(_terms(heads) & asked), col))
    best = max((s for s, _ in scored), default=0)
    cols = [col for s, col in scored if s == best]
    if len(cols) != 1:
        return None
    rows = []
    for x in table.cells:
        if x.col == cols[0] and x.row >= table.header_rows and (v := number(text[x.start:x.end])) is not None:
            label = table.cell(x.row, 0)
            if label is not None and not _TOTAL.match(text[label.start:label.end]):
                rows.append((v, x, label))
    if len(rows) < 2:
        return None
    extreme = max(v for v, _, _ in rows) if most else min(v for v, _, _ in rows)
    picked = [t for t in rows if t[0] == extreme]
    if len(picked) != 1:
        return None
    _, cell, label = picked[0]
    return Found(c, table, (label,), ((label.start, label.end),), row_span(table, cell.row))


def period_span(table: Table, text: str, col: int) -> tuple[Cell, tuple[int, int]] | None:
    """The header cell over column ``col`` that names a period, and the period's span in it."""
    for r in range(table.header_rows - 1, -1, -1):
        for c in range(col, table.header_cols - 1, -1):
            cell = table.cell(r, c)
            if cell is None:
                continue
            if (at := period_at(text[cell.start:cell.end])) is not None:
                return cell, (cell.start + at[0], cell.start + at[1])
            break  # an upper header spans to the right only from a filled cell
    return None


def _extreme(q: Question, c: Candidate, table: Table, row: int, compare: Comparison) -> Found | None:
    """The period whose value in row ``row`` the comparison picks: the most or the least (one
    alone), or each one whose value is beyond the threshold (the table's scale applied)."""
    text = c.doc.text
    valued = []
    for x in table.cells:
        if x.row == row and x.col >= table.header_cols and (v := amount(text[x.start:x.end])) is not None and (
                where := period_span(table, text, x.col)) is not None:
            valued.append((v * factor_at(table, text, x), x, where))
    if len(valued) < 2 or len({text[s:e] for _, _, (_, (s, e)) in valued}) < len(valued):
        return None  # one value, or two columns of one period (segments): not a comparison of periods
    if compare.than is not None:  # every period beyond the threshold
        picked = [t for t in valued if compare.met(t[0])]
    else:
        best = max(v for v, _, _ in valued) if compare.most else min(v for v, _, _ in valued)
        picked = [t for t in valued if t[0] == best]
    if not picked or compare.than is None and len(picked) > 1:
        return None
    if elsewhere(q, c.doc, table, headers(table, text, row, picked[0][1].col), row) - _terms(" ".join(COMPARING)):
        return None
    return Found(c, table, tuple(head for _, _, (head, _) in picked), tuple(span for _, _, (_, span) in picked))


def _cell(q: Question, c: Candidate, table: Table, row: int, label: set[str]) -> Found | None:
    """The one cell of row ``row`` (of the candidate ``c``; ``label``: its label's terms) that
    the question's year or terms pick; or of a row with the same label (the same measure in
    another band of the table: "Revenues" under "Fiscal 2018"), the latest year's first when the
    question names no year."""
    asked = period_list(q.text)
    if several(asked) and (not DERIVED.search(beside(q.text, label)) or EACH.search(q.text)):  # each cell
        each = period_cells(table, c.doc.text, row, asked)
        if each and not elsewhere(q, c.doc, table, headers(table, c.doc.text, row, each[0].col), row):
            return Found(c, table, tuple(each))
        return None
    rows = same_rows(table, c.doc.text, row, latest=not any(p.isdigit() for p in asked))
    for strict in (True, False):  # under every period asked, else under one of them
        for r in rows:
            if (cell := picked_cell(q, c.doc.text, table, r, label, set(asked), strict)) is not None:
                if elsewhere(q, c.doc, table, headers(table, c.doc.text, r, cell.col), r):
                    return None
                return Found(c, table, (cell,), row=None if r == row else row_span(table, r))
    return None


def same_rows(table: Table, text: str, row: int, latest: bool = False) -> list[int]:
    """``row``, then the other body rows with its label in table order: the same measure in
    another band of the table; with ``latest``, the band of the latest year first (a question
    that names no year: "the first quarter" of a table of two years)."""
    name = row_label(table, text, row)
    rows = [row, *(r for r in range(table.header_rows, table.rows) if r != row and row_label(table, text, r) == name)]
    if latest:
        rows.sort(key=lambda r: -max((int(p) for ps in row_periods(table, text, r).values()
                                      for p in ps if p.isdigit()), default=0))
    return rows


def in_band(table: Table, text: str, row: int, years: set[str]) -> int:
    """``row``, or when its columns are not under every year of ``years``, the first row with its
    label whose columns are ("Revenues" in the "Fiscal 2018" band); with no year, the latest band's."""
    return next((r for r in same_rows(table, text, row, latest=not years) if years <= set().union(
        *row_periods(table, text, r).values())), row)


def picked_cell(q: Question, text: str, table: Table, row: int, label: set[str], years: set[str],
                strict: bool, most: bool = False) -> Cell | None:
    """The value cell of ``row`` under the periods of ``years`` (all of them if ``strict``, else
    one; of several, the one whose headers hold the most of the question's other words), or with
    no period, the one whose headers hold its words (with ``most``, the most of them: an operand
    named by its column); None unless exactly one."""
    values = [x for x in table.cells if x.row == row and x.col >= table.header_cols]
    under = {x: headers(table, text, row, x.col)[table.header_cols:] for x in values}
    focus = set(q.focus) - label - _terms(" ".join(years))
    if years:
        named = {x: heads_periods(under[x]) for x in values}
        picked = [x for x in values if (years <= named[x] if strict else years & named[x])]
        if len(picked) > 1:  # a column under that period alone, not "2019 vs. 2018"
            picked = [x for x in picked if named[x] <= years] or picked
        if len(picked) > 1:  # one period under two headers (segments, measures, dates): the words pick
            picked = _most_words(picked, under, focus)
    else:
        picked = _most_words(values, under, focus) if most else \
            [x for x in values if focus & _terms(" ".join(under[x]))]
    if len(picked) != 1:
        picked = values if len(values) == 1 and not years else []
    return picked[0] if len(picked) == 1 else None


def _most_words(cells: list[Cell], under: dict[Cell, tuple[str, ...]], focus: set[str]) -> list[Cell]:
    """The cells whose headers hold the most of the question's words (none if none holds one):
    "total expected charges" is the "Total Expected Charges" column, not "Remaining Expected Charges"."""
    shared = {x: len(focus & _terms(" ".join(under[x]))) for x in cells}
    return [x for x in cells if shared[x] and shared[x] == max(shared.values())]


def elsewhere(q: Question, doc: Document, table: Table, read_under: tuple[str, ...], row: int = -1) -> set[str]:
    """The question's words that neither the cell's headers, the table's caption nor the
    document's title account for (nor the table's header rows, nor the section of ``row``), and
    that a sentence of the document's own text outside the table uses with a word of the row's
    label (the cell's first header): the question is then about that text ("Of the 50
    restaurants *acquired* in 2017, how many were sold?" over a row "Restaurants sold to
    franchisees"), not the cell. A word the document never uses about the row is only the
    asker's own phrasing ("spend" for "expenses", "sales" over a table of sales by country)."""
    heads = " ".join(doc.text[c.start:c.end] for c in table.cells if c.row < table.header_rows)
    explained = _terms(" ".join(read_under)) | _terms(table.caption) | _terms(doc.display_title) | _terms(heads) | \
        _terms(section(table, doc.text, row)) | {str(y) for y in q.years}
    if base := base_row(table, doc.text):  # a table of percentages of one row ("Sales 100.0%")
        explained |= _terms(base) | _SHARE_WORDS
    unexplained = set(q.focus) - explained - _MEASURE_WORDS - _PERIOD_WORDS
    if not unexplained:
        return set()
    # ... used in a sentence outside the table that is about the row too (one of its label's words)
    label = _terms(read_under[0]) if read_under else set()
    out: set[str] = set()
    for sentence in _SENTENCE_END.split(doc.text[:table.start] + "\n" + doc.text[table.end:]):
        if (words := unexplained & _terms(sentence)) and (not label or label & _terms(sentence)):
            out |= words
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


_SHARE_WORDS = _terms("percentage percent proportion share represented")  # a cell of a table of percentages of one row
# Words that ask for a cell's value (or each, at a scale), whatever the row.
_MEASURE_WORDS = _terms("amount value figure level number respectively thousands millions billions")
_PERIOD_WORDS = _terms("fiscal financial year years quarter period")  # say which period, matched as a period


def factor_at(table: Table, text: str, cell: Cell) -> Decimal:
    """What one of a cell's units is worth (1000 in a table in thousands; 1 on a per-share row)."""
    return FACTORS.get(scale_at(table, text, cell.row, cell.col).rstrip("s"), Decimal(1))


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
    scale = scale_at(table, text, cell.row, cell.col)
    if scale == "%":  # a "$1,344" cell is money (``scale_at``)
        return "" if "%" in value else "%"
    body = text[table.start:table.end]
    currency = next((sym for sym in CURRENCIES if sym in body), "")
    word = f" {scale[:-1]}" if scale[:-1] in FACTORS else ""  # "millions" -> " million"
    return word + (f" ({currency})" if currency and currency not in value else "")


def in_words(found: Found, ranked: Sequence[Candidate]) -> Candidate | None:
    """The best-ranked sentence outside a table that states the cell's value (its scale applied:
    "$55" in a table in millions is "$55 million"): the text's own account of the figure."""
    text = found.candidate.doc.text
    value = number(text[found.cells[0].start:found.cells[0].end])
    if value is None or len(found.cells) > 1 or not found.values:
        return None
    want = float(value * factor_at(found.table, text, found.cells[0]))
    for c in ranked[:ROWS_LOOKED_AT]:
        if table_at(c.doc, c.start) is None and any(
                abs(f.value - want) <= 1e-9 * max(1.0, abs(want)) and not f.is_year for f in find_figures(c.text)):
            return c
    return None


def segments(found: Found, ranked: Sequence[Candidate] = ()) -> list[Segment]:
    """The answer: each cell's value first (citing the cell, with its scale and unit and the
    headers it is read under), then their row (citing the row), then the sentence of the text
    that states the same figure, if one ranks among the best. For a "Which year ...?" the
    period (or the row's label) said first, cited in its cell, then the row whose values were compared."""
    c, table, text = found.candidate, found.table, found.candidate.doc.text
    out = []
    for cell, (s, e) in zip(found.cells, found.said or [(x.start, x.end) for x in found.cells], strict=True):
        ref = CellRef(table.index, cell.row, cell.col, headers(table, text, cell.row, cell.col))
        out.append(Segment(text[s:e], c.doc, s, e, c.prob, role="answer", cell=ref,
                           label=unit_of(table, text, cell) if found.values else ""))
    a, b = found.row or (c.start, c.end)
    out.append(Segment(text[a:b], c.doc, a, b, c.prob))
    if (said := in_words(found, ranked)) is not None:
        out.append(Segment(said.text, said.doc, said.start, said.end, said.prob))
    return out
