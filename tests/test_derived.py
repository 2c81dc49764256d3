"""Derived figures are data the verifier recomputes: each operand must be the figure of the
cell it cites, the operands must count the same thing, and the operation of the cited operands,
rounded as stated, must give the stated result; anything else is dropped. No model is loaded."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from assistant.answering.arithmetic import compute, parts, working
from assistant.answering.cells import period_cells
from assistant.answering.present import answer_text
from assistant.answering.verify import render, verify
from assistant.documents.tables import headers, lay_out
from assistant.records import Answer, CellRef, Derived, Document, Draft, Operand, Segment


def _doc(name: str, caption: str) -> Document:
    text, table = lay_out([["", "2018", "2017"], ["Cost of sales", "16,682", "16,055"],
                           ["Other expense", "(547)", "12"]], caption)
    return Document(name, text, "x", kind="csv", tables=(table,))


MILLIONS = _doc("m.csv", "(Millions)")
THOUSANDS = _doc("k.csv", "(in thousands)")


def _cell(doc: Document, row: int, col: int) -> Segment:
    table = doc.tables[0]
    c = table.cell(row, col)
    assert c is not None
    return Segment(doc.text[c.start:c.end], doc, c.start, c.end, 1.0, role="operand",
                   cell=CellRef(0, row, col, headers(table, doc.text, row, col)))


def _draft(op: str, cells: list[Segment], values: list[str], result: str, rounding: int = -1) -> Draft:
    derived = Derived(op, tuple(Operand(i, v) for i, v in enumerate(values)), result, rounding, " million ($)")
    return Draft(True, [*cells, Segment("Cost of sales", MILLIONS, *_label(), 1.0)], derived=derived)


def _label() -> tuple[int, int]:
    c = MILLIONS.tables[0].cell(1, 0)
    assert c is not None
    return c.start, c.end


GOOD = [_cell(MILLIONS, 1, 1), _cell(MILLIONS, 1, 2)]


def test_a_right_derived_figure_survives_and_is_said_first_with_its_working() -> None:
    draft = verify(_draft("change", GOOD, ["16682", "16055"], "627"))
    assert draft.derived is not None
    answer = render("q", draft, {})
    assert answer.derived is not None and [o.n for o in answer.derived.operands] == [1, 2]
    assert answer_text(answer) == "627 million ($) (an increase) = 16,682 [1] − 16,055 [2]: Cost of sales [3]"
    assert Answer.from_dict(answer.to_dict()) == answer  # the derived figure survives the JSON


@pytest.mark.parametrize(("why", "cells", "values", "result"), [
    ("a wrong operand", GOOD, ["16683", "16055"], "628"),
    ("a wrong result", GOOD, ["16682", "16055"], "628"),
    ("a reversed sign", GOOD, ["16682", "16055"], "-627"),
    ("thousands and millions mixed", [_cell(MILLIONS, 1, 1), _cell(THOUSANDS, 1, 2)], ["16682", "16055"], "627"),
    ("an operand citing another cell", [_cell(MILLIONS, 2, 1), _cell(MILLIONS, 1, 2)], ["16682", "16055"], "627"),
])
def test_a_wrong_derived_figure_is_dropped_with_its_operands(why: str, cells: list[Segment], values: list[str],
                                                             result: str) -> None:
    draft = verify(_draft("change", cells, values, result))
    assert draft.derived is None, why
    assert draft.found and all(s.role != "operand" for s in draft.segments)  # the row quoted stays
    assert "627" not in answer_text(render("q", draft, {}))


def test_rounding_is_checked_and_said() -> None:
    draft = verify(_draft("percent_change", GOOD, ["16682", "16055"], "3.91", 2))
    assert draft.derived is not None
    text = answer_text(render("q", replace(draft, derived=replace(draft.derived, unit="%")), {}))
    assert text.startswith("3.91% (an increase) ≈ (16,682 [1] − 16,055 [2]) / 16,055 [2] × 100: ")
    assert verify(_draft("percent_change", GOOD, ["16682", "16055"], "3.9", 2)).derived is None


def test_operations_compute_in_decimal() -> None:
    assert compute("average", [Decimal("0.1"), Decimal("0.2")]) == Decimal("0.15")  # 0.15000000000000002 in floats
    assert compute("sum", [Decimal("1821"), Decimal("1870"), Decimal("1764")]) == Decimal("5455")
    assert compute("decrease", [Decimal("3.3"), Decimal("2.3")]) == Decimal("1.0")
    assert compute("percent_change", [Decimal("5"), Decimal("0")]) is None  # no division by zero
    assert compute("change", [Decimal("1")]) is None
    assert working("average", ["1,821", "1,870", "1,764"]) == "(1,821 + 1,870 + 1,764) / 3"
    assert parts("change", 2) == [0, " − ", 1]


def test_a_change_column_headed_by_two_years_is_no_operand() -> None:
    text, table = lay_out([["", "2019", "2018", "2019 vs 2018"], ["Product", "39,005", "36,709", "2,296"]])
    cells = period_cells(table, text, 1, ["2019", "2018"])
    assert cells is not None and [text[c.start:c.end] for c in cells] == ["39,005", "36,709"]
