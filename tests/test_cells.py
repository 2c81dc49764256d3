"""Which cell answers, without the model: the row a question names and the column its words
pick, over a document's tables and a ranked list of its sentences as the retriever gives them."""

from __future__ import annotations

from assistant.answering import cells
from assistant.answering.candidates import Candidate
from assistant.documents.aligned import text_tables
from assistant.documents.tables import line_spans
from assistant.language.question import analyze
from assistant.records import Document

REVENUE = ("Revenue\n\nThe following table presents the breakdown of revenue between product and service "
           "(in millions):\n"
           "| | Years Ended | | 2019 vs. 2018 |\n"
           "| | July 27, 2019 | July 28, 2018 | Variance in Dollars |\n"
           "| Revenue: | | | |\n| Product | $39,005 | $36,709 | $2,296 |\n| Service | 12,899 | 12,621 | 278 |\n"
           "| Total | $51,904 | $49,330 | $2,574 |\n\n"
           "Total revenue increased 5%, driven by growth in product sales of 6%.\n")
SALES = ("Additional Information\n\nThe following table presents sales information by geographic area "
         "(in thousands):\n\n"
         "Property, plant and equipment, net is reported on a company-wide, functional basis only.\n\n"
         "| | 2019 | 2018 |\n| United States | $300,853 | $288,843 |\n| Mexico | 90,795 | 12,186 |\n"
         "| Total | $391,648 | $301,029 |\n")


def _doc(text: str) -> Document:
    return Document("r.txt", text, "x", tables=text_tables(text))


def _ranked(doc: Document, *starts: str) -> list[Candidate]:
    """The lines of ``doc`` that start with each of ``starts``, as candidates in that order."""
    spans = line_spans(doc.text)
    out = [next(Candidate(doc, a, b, {}, 0.5) for a, b in spans if doc.text[a:b].startswith(s)) for s in starts]
    return out


def _answer(doc: Document, question: str, ranked: list[Candidate]) -> str | None:
    q = analyze(question)
    found = cells.find(q, ranked, cells.named_row(q, ranked))
    return doc.text[found.cells[0].start:found.cells[0].end] if found else None


def test_a_row_of_a_table_found_is_named_though_the_ranking_cut_it():
    """The ranking kept the "Total" and "Product" rows of the table; "Service" is read all the same,
    under the column of 2018 alone (not "2019 vs. 2018")."""
    doc = _doc(REVENUE)
    ranked = _ranked(doc, "Total revenue increased", "| Total", "| Product")
    assert _answer(doc, "What was the service revenue in 2018?", ranked) == "12,621"
    assert _answer(doc, "What was the product revenue in 2019?", ranked) == "$39,005"


def test_a_what_were_question_with_a_year_is_a_figure_question():
    """"What were the Inventories in 2018?" reads like a definition; with a year, it asks a cell."""
    doc = _doc("Working capital\n\n| | 2019 | 2018 |\n| Receivables | 6,165 | 7,111 |\n| Inventories | 1,000 | 900 |\n")
    assert analyze("What were the Inventories in 2018?").expects == "definition"
    assert _answer(doc, "What were the Inventories in 2018?", _ranked(doc, "| Inventories")) == "900"


def test_a_word_the_text_uses_about_other_things_does_not_turn_a_cell_away():
    """"sales" is not in the table's headers, and the text uses it, but never about Mexico: the
    question is still about the cell. (About the row, it would be: see test_tables' restaurants.)"""
    doc = _doc(SALES)
    ranked = _ranked(doc, "Property, plant", "| Mexico")
    assert _answer(doc, "What was the sales in Mexico in 2018?", ranked) == "12,186"


CHARGES = ("Restructuring\n\nThe following table summarizes expected, incurred, and remaining charges by segment:\n"
           "| | Total Expected Charges | Cumulative Charges Incurred | Remaining Expected Charges |\n"
           "| | | (in millions) | |\n| Transportation Solutions | $ 160 | $ 144 | $ 16 |\n"
           "| Industrial Solutions | 80 | 66 | 14 |\n| Total | $ 289 | $ 254 | $ 35 |\n")


def test_a_difference_between_two_rows_reads_the_column_the_question_names():
    """Two rows named by their labels, the column by its words: 160 − 80, each operand its cell."""
    from assistant.answering import derive

    doc = _doc(CHARGES)
    ranked = _ranked(doc, "| Transportation", "| Industrial")
    q = analyze("What was the difference in total expected charges between Transportation Solutions and "
                "Industrial Solutions?")
    calc = derive.find(q, ranked, cells.named_row(q, ranked))
    assert calc is not None and (calc.op, calc.result) == ("difference", 80), calc
    assert [doc.text[c.start:c.end] for c in calc.cells] == ["$ 160", "80"]
    q = analyze("What is the difference in remaining expected charges between Transportation Solutions and "
                "Industrial Solutions?")
    assert derive.find(q, ranked, cells.named_row(q, ranked)).result == 2  # type: ignore[union-attr]
