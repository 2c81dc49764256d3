"""Derived figures: the change, percentage change, difference, average or total of one table
row's values in the periods a question names, computed exactly (``arithmetic``) from the cells,
each operand cited, the working shown. No operand, no figure: when a period the question needs
heads no column of the row, nothing is computed and the question is answered as any other.

>>> operation("What was the percentage change in revenue from 2018 to 2019?"), operation("What was revenue?")
('percent_change', None)
>>> operands_in_order("change", "By how much did X change from 2017 to 2018?", {"2016", "2017", "2018"})
['2018', '2017']
>>> operands_in_order("average", "What is the 2019 average X?", {"2019", "2018"})
['2019', '2018']
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..documents.tables import amount, headers, number, period_list, periods, row_label, row_span, scale_at
from ..language import lexical
from ..language.asking import EACH, beside, threshold
from ..language.question import Question, analyze
from ..records import Cell, CellRef, Derived, Operand, Refusal, Segment, Table
from .arithmetic import ROUNDING, compute
from .candidates import Candidate
from .cells import (
    ROWS_LOOKED_AT,
    Named,
    elsewhere,
    factor_at,
    in_band,
    member_rows,
    named_row,
    period_cells,
    period_span,
    picked_cell,
    row_periods,
    same_rows,
    table_at,
    unit_of,
)

_PERCENT_CHANGE = re.compile(r"\bpercent(?:age)?\s+(?:change|increase|decrease|growth|rise|decline|drop)\b|"
                             r"%\s*change|\bgrowth rate\b|\bby what percent", re.I)
_AVERAGE = re.compile(r"\baverage\b|\bmean\b", re.I)
_DIFFERENCE = re.compile(r"\bdifference\b", re.I)
_CHANGE = re.compile(r"\bchange[sd]?\b|\bincrease[sd]?\b|\bdecrease[sd]?\b|\bgr[eo]w(?:th)?\b|\brise\b|\brose\b|"
                     r"\bfell\b|\bfall\b|\bdecline[sd]?\b|\bhow much (?:more|less|higher|lower)\b", re.I)
_DECREASE_BY = re.compile(r"\b(?:decrease[sd]?|decline[sd]?|fell|fall|drop(?:ped)?)\s+by\b", re.I)  # a positive amount
_SUM = re.compile(r"\btotal\b|\bsum\b|\bcombined\b|\baltogether\b", re.I)
_FROM_TO = re.compile(r"\bfrom\s+(?:fiscal\s+(?:year\s+)?|FY\s?)?((?:19|20)\d\d)\s+(?:to|and)\s+"
                      r"(?:fiscal\s+(?:year\s+)?|FY\s?)?((?:19|20)\d\d)\b", re.I)
# The words that ask for the operation: never evidence that the question is about the text.
_OPERATION_WORDS = set(lexical.terms(
    "change changes changed increase increased decrease decreased growth grow grew rise rose fall fell decline "
    "declined difference average mean total sum combined altogether percentage percent rate how much more less "
    "higher lower between from"))


def operation(question: str) -> str | None:
    """What a question asks to compute (one of ``records.OPERATIONS``), or None: never for one
    that asks for each value "respectively".

    >>> operation("What is the total X in 2019 and 2018?"), operation("What were X in 2019 and 2018 respectively?")
    ('sum', None)
    """
    if EACH.search(question):
        return None
    for op, pattern in (("percent_change", _PERCENT_CHANGE), ("average", _AVERAGE), ("difference", _DIFFERENCE),
                        ("decrease", _DECREASE_BY), ("change", _CHANGE), ("sum", _SUM)):
        if pattern.search(question):
            return op
    return None


def _before(period: str) -> str:
    return str(int(period) - 1) if period.isdigit() else ""


def operands_in_order(op: str, question: str, have: Collection[str]) -> list[str] | None:
    """The periods whose values ``op`` is computed from, in the order it takes them (``have``:
    the periods the row has): a change or percentage change is the later (or "to") period's value
    against the earlier (or "from"), a decrease ("decreased by") the earlier less the later; one
    period alone, against the period before it ("the change in 2019", "the 2019 average": opening
    and closing); none, the row's two years (a change) or all its years (an average). A
    difference keeps the question's order; a total needs two periods or more. None when the
    question does not say enough."""
    asked = period_list(question)
    if len(quarters := [p for p in asked if not p.isdigit()]) >= 2:  # "the second and first quarter of 2019":
        asked = quarters  # the quarters are the operands, the year picks the row's band
    years = sorted((p for p in have if p.isdigit()), reverse=True)
    if op in ("change", "percent_change", "decrease"):
        if m := _FROM_TO.search(question):
            pair = [m[2], m[1]]
        elif len(asked) == 2:
            pair = sorted(asked, reverse=True)
        elif len(asked) == 1 and _before(asked[0]) in have:
            pair = [asked[0], _before(asked[0])]
        elif not asked and len(years) == 2:  # "the change in closing cash": the row's two years
            pair = years
        else:
            return None
        return pair[::-1] if op == "decrease" else pair  # a decrease: the earlier less the later
    if op == "average" and len(asked) == 1 and _before(asked[0]) in have:
        return [asked[0], _before(asked[0])]
    if op == "average" and not asked and len(years) >= 2:  # "the average X": over every year the row has
        return years
    if op == "difference" and len(asked) == 2 or op in ("average", "sum") and len(asked) >= 2:
        return asked
    return None


@dataclass(frozen=True)
class Calculation:
    """A derived figure found: the row's candidate and table, the operand cells (in the order
    the operation takes them) and their values, the result and what follows it when said."""

    candidate: Candidate
    table: Table
    row: int
    cells: tuple[Cell, ...]
    values: tuple[Decimal, ...]
    op: str
    result: Decimal
    unit: str


_HOW_MANY_PERIODS = re.compile(r"\bhow many (?:of the )?(?:fiscal )?(?:years|periods|quarters)\b", re.I)


def count(q: Question, named: Named | None) -> Calculation | None:
    """"How many years did X exceed $200,000 thousand?": the row's values, one per period (those
    the question names, if it names some), that meet the threshold (the table's scale applied),
    counted; each one counted is an operand. None when none does, or the question is not that."""
    if not _HOW_MANY_PERIODS.search(q.text) or (beyond := threshold(q.text)) is None or beyond.than is None:
        return None
    if named is None:
        return None
    c, table, row, _ = named
    text, asked = c.doc.text, periods(q.text)
    met: list[tuple[Cell, Decimal]] = []
    seen: set[str] = set()
    for x in sorted((x for x in table.cells if x.row == row and x.col >= table.header_cols), key=lambda x: x.col):
        value, where = amount(text[x.start:x.end]), period_span(table, text, x.col)
        if value is None or where is None:
            continue
        period = text[where[1][0]:where[1][1]]
        if period in seen or (asked and not asked & periods(period)):
            continue
        seen.add(period)
        if beyond.met(value * factor_at(table, text, x)):
            met.append((x, value))
    if not met or len(seen) < 2:
        return None
    return Calculation(c, table, row, tuple(x for x, _ in met), tuple(v for _, v in met), "count",
                       Decimal(len(met)), "")


_HOW_MANY = re.compile(r"\bhow many\b", re.I)


def count_rows(q: Question, ranked: Sequence[Candidate]) -> Calculation | None:
    """"How many components of deferred tax assets exceeded $50,000 thousand in 2019?": the
    values under that year of the rows ``member_rows`` finds that meet the threshold (the
    table's scale applied), counted; each one counted is an operand."""
    if not _HOW_MANY.search(q.text) or _HOW_MANY_PERIODS.search(q.text):
        return None
    if (beyond := threshold(q.text)) is None or beyond.than is None:
        return None
    if len(year := [p for p in period_list(q.text) if p.isdigit()]) != 1 or (
            members := member_rows(q, ranked)) is None:
        return None
    c, table, named, rows = members
    text = c.doc.text
    met: list[tuple[Cell, Decimal]] = []
    for r in rows:
        if (cells := period_cells(table, text, r, year)) is None or (value := number(
                text[cells[0].start:cells[0].end])) is None:
            return None  # a row without its value that year: no honest count
        if beyond.met(value * factor_at(table, text, cells[0])):
            met.append((cells[0], value))
    if not met:
        return None
    return Calculation(c, table, named if named >= 0 else rows[0], tuple(x for x, _ in met),
                       tuple(v for _, v in met), "count", Decimal(len(met)), "")


# "X as a percentage of Y", "the ratio of X to Y", "What percentage of Y was X?": the two rows' words.
_SHARE = [re.compile(r"^(?P<a>.+?)\s+as\s+an?\s+(?:percentage|proportion|share|%)\s+of\s+(?P<b>.+)$", re.I),
          re.compile(r"^what\s+(?:percentage|proportion|share|%)\s+of\s+(?P<b>.+?)\s+(?:is|was|are|were|did|does|do)"
                     r"\s+(?P<a>.+)$", re.I)]
_RATIO = re.compile(r"\bratio\s+(?:of|between)\s+(?P<a>.+?)\s+(?:to|and|against|over)\s+(?P<b>.+)$", re.I)
# "the difference in total expected charges between Transportation Solutions and Industrial Solutions"
_DIFFERENCE_OF_ROWS = re.compile(r"\bdifference\s+(?:in\s+(?P<what>.+?)\s+)?between\s+(?:the\s+)?(?P<a>.+?)\s+and"
                                 r"\s+(?:the\s+)?(?P<b>.+?)\s*\??$", re.I)


def two_rows(question: str) -> tuple[str, str, str] | None:
    """A share, ratio or difference of two rows: (op, the first row's words, the second's).

    >>> two_rows("What is services revenue as a percentage of total revenue in 2019?")
    ('share', 'What is services revenue', 'total revenue in 2019?')
    >>> two_rows("What is the ratio of current assets to current liabilities in 2018?")[0]
    'ratio'
    >>> two_rows("What was the difference in expected charges between Transportation and Industrial?")
    ('difference', 'Transportation', 'Industrial')
    >>> two_rows("What is the difference in revenue between 2018 and 2019?") is None
    True
    """
    for pattern in _SHARE:
        if m := pattern.search(question.strip()):
            return "share", m["a"], m["b"]
    if m := _RATIO.search(question.strip()):
        return "ratio", m["a"], m["b"]
    if (m := _DIFFERENCE_OF_ROWS.search(question.strip())) and not (period_list(m["a"]) or period_list(m["b"])):
        return "difference", m["a"], m["b"]  # two rows, not two periods ("between 2018 and 2019")
    return None


def share(q: Question, ranked: Sequence[Candidate]) -> Calculation | None:
    """A share or ratio of two rows of one table, in the period the question names (or the one
    period the rows have): each row named by its own part of the question."""
    if (parts := two_rows(q.text)) is None:
        return None
    op, first, second = parts
    named = [named_row(analyze(words), ranked) for words in (first, second)]
    if named[0] is None or named[1] is None:
        return None
    (c, table, row_a, label_a), (_, table2, row_b, label_b) = named[0], named[1]
    if table2 is not table or row_a == row_b or label_a <= label_b and label_b <= label_a:
        return None
    text = c.doc.text
    wanted = period_list(q.text)
    if len(wanted) > 1:
        return None
    cells = []
    for row in (row_a, row_b):
        if wanted:
            found = period_cells(table, text, row, wanted)
        else:  # the one value of the row, or the one its headers' words pick ("total expected charges")
            cell = picked_cell(q, text, table, row, label_a | label_b, set(), False, most=True)
            found = [cell] if cell is not None else None
        if not found:
            return None
        cells.append(found[0])
    values = [number(text[x.start:x.end]) for x in cells]
    exact = [v for v in values if v is not None]
    if len(exact) < 2 or (result := compute(op, exact)) is None:
        return None
    unit = "%" if op == "share" else unit_of(table, text, cells[0]) if op == "difference" else ""
    return Calculation(c, table, row_a, tuple(cells), tuple(exact), op, result, unit)


def _years(ps: Collection[str]) -> str:
    """Years as a person writes them: "2016–2018" when three or more run on, else "2014 and 2015".

    >>> _years({"2018", "2016", "2017"}), _years({"2015", "2014"}), _years({"2019"})
    ('2016–2018', '2014 and 2015', '2019')
    """
    ys = [str(y) for y in sorted(int(p) for p in ps if p.isdigit())]
    if len(ys) > 2 and ys == [str(y) for y in range(int(ys[0]), int(ys[-1]) + 1)]:
        return f"{ys[0]}–{ys[-1]}"
    return ", ".join(ys[:-1]) + (" and " if len(ys) > 1 else "") + ys[-1]


def missing_period(q: Question, ranked: Sequence[Candidate], named: Named | None) -> Refusal | None:
    """A refusal that names what is missing, when the answer would be a table row the question
    names but the row has no value for a year the question needs ("The table gives Cost of sales
    for 2016–2018, not 2015."), and no sentence of the text among the best candidates names that
    year (the text may still state the figure, and then it answers as usual)."""
    if q.expects not in ("figure", "other") or named is None:
        return None
    c, table, row, terms = named
    text = c.doc.text
    have = set().union(*(ps for r in same_rows(table, text, row) for ps in row_periods(table, text, r).values()))
    op = operation(beside(q.text, terms))
    wanted = (operands_in_order(op, q.text, have) if op else None) or period_list(q.text)
    lacking = [p for p in dict.fromkeys([*wanted, *map(str, q.years)]) if p.isdigit() and p not in have]
    if not lacking or not any(p.isdigit() for p in have):
        return None
    if any(table_at(x.doc, x.start) is None and set(lacking) <= periods(x.text) for x in ranked[:ROWS_LOOKED_AT]):
        return None
    label = row_label(table, text, row)
    return Refusal("period", f"The table gives {' '.join(label.split())} for {_years(have)}, not {_years(lacking)}.")


def find(q: Question, ranked: Sequence[Candidate], named: Named | None) -> Calculation | None:
    """The calculation a question asks of the table row it names, from the cells under the
    periods it names (or a count of its periods' values beyond a threshold); None when it asks
    none, names no row, or a period it needs is missing."""
    if q.expects not in ("figure", "other"):  # "What caused the increase ...?" asks for a reason
        return None
    if (counted := count(q, named) or count_rows(q, ranked)) is not None:
        return counted
    if (shared := share(q, ranked)) is not None:
        return shared
    if named is None or (op := operation(beside(q.text, named[3]))) is None:
        return None
    c, table, _, _ = named
    text = c.doc.text
    years = {p for p in period_list(q.text) if p.isdigit()}
    row = in_band(table, text, named[2], years)
    have = set().union(*row_periods(table, text, row).values())
    if years - have:  # a year asked that the row lacks: never a stand-in from another band
        return None
    if (wanted := operands_in_order(op, q.text, have)) is None:
        return None
    if (cells := period_cells(table, text, row, wanted)) is None:
        return None
    values = [number(text[x.start:x.end]) for x in cells]
    if any(v is None for v in values):
        return None
    exact = [v for v in values if v is not None]
    if (result := compute(op, exact)) is None:
        return None
    if elsewhere(q, c.doc, table, headers(table, text, row, cells[0].col), row) - _OPERATION_WORDS:
        return None
    percent = all(scale_at(table, text, x.row, x.col) == "%" for x in cells)
    unit = "%" if op == "percent_change" or percent and op in ("average", "sum") else " percentage points" if (
        percent and op in ("change", "decrease", "difference")) else unit_of(table, text, cells[0])
    return Calculation(c, table, row, tuple(cells), tuple(exact), op, result, unit)


def segments(calc: Calculation) -> tuple[list[Segment], Derived]:
    """Each operand cell (role "operand", its value as a number), then the row they are in; and
    the derived figure over them (its operands' ``n``: their segments' places)."""
    c, table, text = calc.candidate, calc.table, calc.candidate.doc.text
    out, operands = [], []
    for i, (cell, value) in enumerate(zip(calc.cells, calc.values, strict=True)):
        under = headers(table, text, cell.row, cell.col)
        out.append(Segment(text[cell.start:cell.end], c.doc, cell.start, cell.end, c.prob, role="operand",
                           cell=CellRef(table.index, cell.row, cell.col, under), operand=str(value)))
        operands.append(Operand(i, str(value), under[0] if under else "", under[-1] if len(under) > 1 else ""))
    a, b = row_span(table, calc.row)
    out.append(Segment(text[a:b], c.doc, a, b, c.prob))
    return out, Derived(calc.op, tuple(operands), str(calc.result), ROUNDING[calc.op], calc.unit)
