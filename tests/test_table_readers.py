"""Every reader finds a table's cells, each a span of its document's text, read under its row
and column headers: a web page's <table>, a Word table (merged cells too), a PDF's drawn table
(cells parted by the blank between them on the page), aligned plain text, and the rows of a
filing page where single spaces part the figures. No model is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.documents.aligned import aligned_tables, text_tables
from assistant.documents.chunking import sentence_spans
from assistant.documents.corpus import load_file
from assistant.documents.tables import headers, periods
from assistant.records import Document
from evals.external.renderings import RENDERINGS, write

GRID = [["(Millions, except per share amounts)", "2018", "2017", "2016"],
        ["Net sales", "$ 32,765", "$ 31,657", "$ 30,109"],
        ["Operating expenses", "", "", ""],
        ["Cost of sales", "16,682", "16,055", "15,118"],
        ["Other expense (income)", "(547)", "—", "12"]]
PARAGRAPHS = ["Cost of sales rose in 2018 as the company grew.", "The table below gives the income statement."]


def _cell(doc: Document, row_label: str, column: str) -> tuple[str, tuple[str, ...], str]:
    """The text, headers and table scale of the cell in the row labelled ``row_label`` under ``column``."""
    for table in doc.tables:
        for cell in table.cells:
            under = headers(table, doc.text, cell.row, cell.col)
            if under[:1] == (row_label,) and column in under:
                return doc.text[cell.start:cell.end], under, table.scale
    raise AssertionError(f"no cell under {row_label!r} and {column!r} in {doc.id}: {doc.text[-400:]!r}")


@pytest.mark.parametrize("kind", RENDERINGS)
def test_each_format_reads_the_table_cell_by_cell(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"report.{kind}"
    path.write_bytes(write(kind, "Income statement", PARAGRAPHS, GRID))
    docs, skipped = load_file(path, path.name)
    assert not skipped and len(docs) == 1
    doc = docs[0]
    value, under, scale = _cell(doc, "Cost of sales", "2018")
    assert value == "16,682" and under[-1] == "2018" and scale == "millions", under
    assert _cell(doc, "Other expense (income)", "2018")[0] == "(547)"
    assert _cell(doc, "Net sales", "2016")[0] == "$ 30,109"
    rows = [doc.text[a:b] for a, b in sentence_spans(doc.text, doc.tables)]
    assert any(r.strip("| ").startswith("Cost of sales") and "16,682" in r and "15,118" in r for r in rows), rows
    assert not any("Cost of sales" in r and "Net sales" in r for r in rows), "two rows glued into one sentence"


def test_a_merged_word_cell_is_written_once(tmp_path: Path) -> None:
    import io

    import docx

    d = docx.Document()
    table = d.add_table(rows=2, cols=3)
    table.cell(0, 1).merge(table.cell(0, 2)).text = "Year ended"
    for c, v in enumerate(["Sales", "9", "8"]):
        table.cell(1, c).text = v
    buf = io.BytesIO()
    d.save(buf)
    path = tmp_path / "merged.docx"
    path.write_bytes(buf.getvalue())
    (doc,), _ = load_file(path, path.name)
    assert doc.text.count("Year ended") == 1 and "| Sales | 9 | 8 |" in doc.text


def test_a_filing_page_with_single_spaces_still_parts_its_figures() -> None:
    text = ("Income statement\n(Millions) 2018 2017 2016\nNet sales $ 32,765 $ 31,657 $ 30,109\n"
            "Cost of sales 16,682 16,055 15,118\nThe company sold 5 plants in 2018 and 2019.\n")
    (table,) = aligned_tables(text)
    cell = next(c for c in table.cells if text[c.start:c.end] == "16,055")
    assert headers(table, text, cell.row, cell.col) == ("Cost of sales", "2017")
    assert text[:table.end].endswith("15,118"), "the prose line after the table is not a row"


@pytest.mark.parametrize("prose", [
    "Revenue was $390,000 in 2018 and $440,000 in 2019.\nIt rose by 12% to 1,200 units.\n",
    "We sold 12 cars.\nWe bought 7 vans.\n",
    "Sales rose from 1,000 to 1,234 in 2019, as the table shows; costs rose from 5 to 6.\n" * 2,
])
def test_prose_with_figures_is_not_a_table(prose: str) -> None:
    assert text_tables(prose) == ()


def test_periods_are_read_one_way() -> None:
    assert periods("What was it in FY19?") == periods("fiscal 2019") == periods("2019 €m") == {"2019"}


def test_a_filing_page_spaced_but_not_aligned_reads_its_columns_in_order() -> None:
    """FinanceBench's page text: three spaces between cells, a currency sign parted from its
    figure, nothing aligned: the columns are still the header's, in order."""
    text = ("Consolidated Statement of Income\n(Millions, except per share amounts)   2018   2017   2016\n"
            "Net sales   $   32,765   $   31,657   $   30,109\nOperating expenses\n"
            "  Cost of sales   16,682   16,055   15,118\n")
    (table,) = aligned_tables(text)
    got = {text[c.start:c.end]: headers(table, text, c.row, c.col) for c in table.cells}
    assert got["$   32,765"] == ("Net sales", "2018") and got["15,118"] == ("Cost of sales", "2016")


def test_a_per_share_row_of_a_table_in_millions_is_said_without_millions() -> None:
    """"$0.23 million" for earnings per share is a wrong figure: a per-share, ratio or margin row
    counts units or percent whatever the table's caption says."""
    from assistant.answering.cells import factor_at, unit_of
    from assistant.documents.tables import lay_out

    text, table = lay_out([["(in millions)", "2019", "2018"], ["Net income", "$ 106.4", "$ 70.5"],
                           ["Diluted earnings per share", "$0.23", "$0.20"], ["Gross margin", "41.5", "40.1"]])
    net, eps, margin = table.cell(1, 1), table.cell(2, 1), table.cell(3, 1)
    assert net and eps and margin
    assert (unit_of(table, text, net), unit_of(table, text, eps), unit_of(table, text, margin)) == (" million", "", "%")
    assert (factor_at(table, text, net), factor_at(table, text, eps)) == (1_000_000, 1)


@pytest.mark.parametrize("table", [
    "| | 2019 | 2018 |\n| Revenues | $94,888 | $88,081 |\n| Gross profit | 38,091 | 37,443 |\n",
    "                 2019      2018\nRevenues      $94,888   $88,081\nGross profit   38,091    37,443\n",
])
def test_a_scale_the_text_states_before_a_table_is_its_scale(table: str) -> None:
    """TAT-QA's reports say "(in thousands, ...)" in a sentence above the table, not in it."""
    text = ("The following summarizes quarterly data (in thousands, except percentages and per share data). "
            "Revenue grew by $5.0 million.\n\n" + table)
    (tb,) = text_tables(text)
    assert tb.scale == "thousands"
    (plain,) = text_tables(table)
    assert plain.scale == ""  # nothing stated: no scale made up


def test_a_percent_column_and_a_per_share_column_keep_their_own_scale() -> None:
    from assistant.documents.tables import scale_at

    text = ("Results (in thousands, except per share data).\n\n| | 2019 | 2018 | % change |\n"
            "| Revenue | 1,000 | 900 | 11 |\n\n| | Total | Per share |\n| Dividends | 9,765 | $0.75 |\n")
    first, second = text_tables(text)
    assert first.scale == "thousands"  # the "%" over one column is not the table's scale
    assert [scale_at(first, text, 1, c) for c in (1, 2, 3)] == ["thousands", "thousands", "%"]
    assert [scale_at(second, text, 1, c) for c in (1, 2)] == ["thousands", ""]  # never "$0.75 thousand"


def test_a_scale_row_above_the_figures_and_a_margin_in_dollars() -> None:
    from assistant.documents.tables import scale_at

    text = ("| | 2019 | 2018 | 2019 |\n| | Amount | Amount | % |\n| | $ | $ | |\n| (In thousands) | | | |\n"
            "| Gross margin | $40,615 | $38,433 | 41.5% |\n| Net sales | $117,625 | $113,530 | 100% |\n")
    (tb,) = text_tables(text)
    assert tb.scale == "thousands"  # said in a fourth row above the figures, past the header rows
    assert [scale_at(tb, text, 4, c) for c in (1, 2, 3)] == ["thousands", "thousands", "%"]  # "$40,615" is money


WRAPPED = [["", "2019 (1)", "2018", "Variance in Dollars"],
           ["Total interest expense, net presented in the consolidated statements of income in which the effects "
            "of cash flow hedges are recorded", "$133", "$138", "$(5)"],
           ["Operating leases (1)", "$4,143", "$7,111", "$(2,968)"],
           ["Other", "12", "14", "(2)"]]


@pytest.mark.parametrize("kind", RENDERINGS)
def test_wrapped_cells_and_footnote_marks_keep_their_rows_and_columns(tmp_path: Path, kind: str) -> None:
    """A label the PDF wraps onto three lines (its figures drawn beside the first), a header cell
    wrapped onto two, and a footnote's mark "(1)" after a label or a year: each row keeps its
    label and each figure its column, in every format."""
    path = tmp_path / f"report.{kind}"
    path.write_bytes(write(kind, "Interest", PARAGRAPHS, WRAPPED))
    (doc,), _ = load_file(path, path.name)
    grid = [[" ".join(doc.text[c.start:c.end].split()) for c in sorted(t.cells, key=lambda c: (c.row, c.col))
             if c.row == r] for t in doc.tables for r in range(t.rows)]
    assert [r for r in grid if r] == [[c for c in row if c] for row in WRAPPED], grid
    assert _cell(doc, "Operating leases (1)", "2019 (1)")[0] == "$4,143"
    assert _cell(doc, "Other", "Variance in Dollars")[0] == "(2)"


def test_a_long_section_label_does_not_cut_a_text_table_in_two() -> None:
    """A one-cell line of 83 characters between rows is a section of the table, not prose: the
    rows below it keep the table's headers."""
    text = ("                                2019    2018\n"
            "Profit for the period attributable to equity holders of the parent entity used in\n"
            "Continuing operations         1,493   1,605\n"
            "Weighted average number of shares used in earnings per share (shares, millions)\n"
            "Basic earnings per share    1,305.7 1,300.5\n")
    (table,) = aligned_tables(text)
    cell = next(c for c in table.cells if text[c.start:c.end] == "1,300.5")
    assert headers(table, text, cell.row, cell.col) == ("Basic earnings per share", "2018")
