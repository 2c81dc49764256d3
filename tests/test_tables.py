"""Figures answered from a table's cell, with the real model: the row the question names, the
column its year names, the value said first with its unit and scale, cited exactly, read under
its headers; a spreadsheet's formula cell cites its value."""

from __future__ import annotations

import pytest

from assistant.core import Assistant, index_corpus
from assistant.records import Answer
from assistant.settings import Settings

from .docfactory import INCOME_CSV, make_xlsx

pytestmark = pytest.mark.model

# Quarterly results as TAT-QA reports give them: a year over the quarters written once, and the
# earlier year's band of headers inside the body.
QUARTERS = ("Quarterly bookings (in thousands)\n\n| | | | Fiscal 2019 | |\n| | First | Second | Third | Fourth |\n"
            "| | Quarter | Quarter | Quarter | Quarter |\n| Bookings | 410 | 420 | 430 | 440 |\n"
            "| Weighted average shares outstanding | 900 | 910 | 920 | 930 |\n| | | | Fiscal 2018 | |\n"
            "| | First | Second | Third | Fourth |\n| | Quarter | Quarter | Quarter | Quarter |\n"
            "| Bookings | 310 | 320 | 330 | 340 |\n| Weighted average shares outstanding | 800 | 810 | 820 | 830 |\n")


@pytest.fixture(scope="module")
def table_bot(tmp_path_factory, real_embedder):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("tables")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "3M_income_statement.csv").write_text(INCOME_CSV, encoding="utf-8")
    make_xlsx(corpus / "plant.xlsx")
    (corpus / "note.txt").write_text("The harbour board met four times last year to discuss dredging.\n")
    (corpus / "credit.txt").write_text(  # a report's table written out as text, as TAT-QA's are
        "Credit risk\n\nThe maximum exposure to credit risk for trade receivables at the reporting date by "
        "geographic region was:\n\n2019 | 2018\nNote | £m | £m\nUnited Kingdom | 24.5 | 24.9\n"
        "Ireland | 0.4 | 0.5\nTotal | 24.9 | 25.4\n", encoding="utf-8")
    (corpus / "quarters.txt").write_text(QUARTERS, encoding="utf-8")
    (corpus / "common.txt").write_text(
        "Results of operations\n\nThe following table sets forth the percentage of sales represented by certain "
        "items in our statements of income.\n\n| | 2019 | 2018 |\n| Sales | 100.0 % | 100.0 % |\n"
        "| Gross profit | 40.0 | 50.9 |\n| Operating expenses | 33.1 | 27.0 |\n", encoding="utf-8")
    (corpus / "leases.txt").write_text(
        "Contractual obligations\n\n| | 2020 | 2021 |\n| Operating leases (1) | $4,143 | $7,111 |\n"
        "| Other | 120 | 90 |\n", encoding="utf-8")
    (corpus / "backlog.txt").write_text(  # one year, three columns: the dates ended pick one
        "Backlog by quarter (in millions)\n\nQuarter ended | July 27, 2019 | April 27, 2019 | January 26, 2019\n"
        "Backlog | 13,428 | 12,958 | 12,446\n", encoding="utf-8")
    (corpus / "taxes.txt").write_text(
        "Income taxes\n\nFederal and state income taxes of $36.5 million, $2.1 million, "
        "and $3.7 million were paid in fiscal years 2019, 2018, and 2017, respectively.\n")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    index_corpus(settings, real_embedder, progress=False)
    return Assistant.open(settings=settings, embedder=real_embedder)


@pytest.mark.parametrize(("question", "value", "read_under", "unit"), [
    ("What was 3M's cost of sales in 2018?", "16,682", ("Cost of sales", "2018"), " million ($)"),
    ("What was operating income in 2017?", "7,692", ("Operating income", "2017"), " million ($)"),
    ("How much did 3M spend on research and development in 2016?", "1,764", ("Research and development", "2016"),
     " million ($)"),
    ("What was the plant's operating income in 2019?", "40.5", ("Operating income", "2019"), " thousand"),
    ("What was the credit risk exposure for trade receivables in Ireland in 2018?", "0.5",
     ("Ireland", "2018", "£m"), " million (£)"),
    # three columns in 2019: the one whose headers hold the most of the question's words
    ("What was the backlog for the quarter ended April 27, 2019?", "12,958", ("Backlog", "April 27, 2019"),
     " million"),
])
def test_a_figure_question_is_answered_by_its_cell(table_bot, question, value, read_under, unit):
    turn = table_bot.ask(question)
    answer = turn.answer
    assert answer.found and answer.claims[0].role == "answer" and answer.claims[0].text == value, turn.text
    cite = answer.citation(answer.claims[0].n)
    assert cite is not None and cite.quote == value and cite.cell is not None
    assert cite.cell.headers == read_under
    assert turn.text.startswith(f"{value}{unit} [1]: ")  # the value first, its scale and unit beside it
    row = answer.citation(answer.claims[1].n)
    assert row is not None and row.quote.startswith(read_under[0]) and value in row.quote
    for claim in answer.claims:  # every claim is its citation's text, a span of the indexed document
        c = answer.citation(claim.n)
        assert c is not None and claim.text in c.quote == table_bot.index.documents[c.source].text[c.start:c.end]
    assert Answer.from_dict(turn.to_dict()) == answer  # the cell survives the JSON


def test_a_question_naming_no_column_of_several_quotes_the_row(table_bot):
    """Net sales for which year? Three cells hold one: none is said to be the answer."""
    answer = table_bot.ask("What were 3M's net sales?").answer
    assert answer.found and all(c.role != "answer" for c in answer.claims)
    assert answer.citations[0].quote.startswith("Net sales |") and answer.citations[0].cell is None


@pytest.mark.parametrize(("question", "period", "value"), [
    ("Which year had the lowest cost of sales?", "2016", "15,118"),
    ("Which year had the highest research and development spending?", "2017", "1,870"),
    ("In which year was the cost of sales less than 16,000 million?", "2016", "15,118"),
])
def test_which_year_is_answered_from_the_row_compared(table_bot, question, period, value):
    answer = table_bot.ask(question).answer
    assert answer.found and answer.claims[0].role == "answer" and answer.claims[0].text == period
    head = answer.citation(answer.claims[0].n)
    assert head is not None and head.cell is not None and head.quote == period  # cited in its column header
    row = answer.citation(answer.claims[1].n)
    assert row is not None and value in row.quote  # the row whose values were compared is shown


def test_which_year_beyond_a_threshold_says_every_one(table_bot):
    """Two years below the threshold: both are said (never one of them as if it were the only one)."""
    turn = table_bot.ask("In which year was the cost of sales less than 16,100 million?")
    assert [c.text for c in turn.answer.claims if c.role == "answer"] == ["2017", "2016"], turn.text


def test_two_periods_asked_are_two_cells_in_the_order_asked(table_bot):
    turn = table_bot.ask("What were 3M's net sales in 2016 and 2018 respectively?")
    answers = [c for c in turn.answer.claims if c.role == "answer"]
    assert [c.text for c in answers] == ["$ 30,109", "$ 32,765"], turn.text
    cites = [turn.answer.citation(c.n) for c in answers]
    assert [c.cell.headers[-1] for c in cites if c and c.cell] == ["2016", "2018"]
    assert turn.text.startswith("$ 30,109 million [1], $ 32,765 million [2]: ")


def test_a_change_between_two_periods_is_not_answered_with_its_operands(table_bot):
    answer = table_bot.ask("What was the change in 3M's cost of sales from 2017 to 2018?").answer
    assert sum(c.role == "answer" for c in answer.claims) < 2


def test_the_years_a_table_covers_are_its_period_headers(table_bot):
    answer = table_bot.ask("Which years does the 3M income statement cover?").answer
    said = [c.text for c in answer.claims if c.role == "answer"]
    assert said == ["2018", "2017", "2016"], answer
    assert all((c := answer.citation(n)) and c.cell and c.cell.row == 0 for n in range(1, 4))


def test_which_row_is_highest_is_answered_by_its_label(table_bot):
    answer = table_bot.ask("Which region had the highest credit risk exposure in 2019?").answer
    assert answer.claims[0].role == "answer" and answer.claims[0].text == "United Kingdom", answer
    row = answer.citation(answer.claims[1].n)
    assert row is not None and "24.5" in row.quote  # the row whose value made it the highest


@pytest.mark.parametrize(("question", "said", "op", "operands"), [
    ("By how much did 3M's cost of sales change from 2017 to 2018?",
     "627 million ($) (an increase) = 16,682 [1] − 16,055 [2]: ", "change", ["16682", "16055"]),
    ("What was the percentage change in 3M's cost of sales from 2017 to 2018?",
     "3.91% (an increase) ≈ (16,682 [1] − 16,055 [2]) / 16,055 [2] × 100: ", "percent_change", ["16682", "16055"]),
    ("What was 3M's average research and development expense from 2016 to 2018?",
     "1,818.33 million ($) ≈ (1,764 [1] + 1,870 [2] + 1,821 [3]) / 3: ", "average", ["1764", "1870", "1821"]),
])
def test_a_derived_figure_is_computed_from_cited_cells_with_its_working(table_bot, question, said, op, operands):
    turn = table_bot.ask(question)
    answer = turn.answer
    assert answer.derived is not None and answer.derived.op == op, turn.text
    assert turn.text.startswith(said), turn.text
    assert [o.value for o in answer.derived.operands] == operands
    for o in answer.derived.operands:  # each operand cites its cell
        c = answer.citation(o.n)
        assert c is not None and c.cell is not None and c.cell.headers[-1] == o.column
    assert Answer.from_dict(turn.to_dict()) == answer


@pytest.mark.parametrize(("question", "reason"), [
    ("By how much did 3M's cost of sales change from 2014 to 2015?",
     "The table gives Cost of sales for 2016–2018, not 2014 and 2015."),
    ("What was 3M's cost of sales in 2015?", "The table gives Cost of sales for 2016–2018, not 2015."),
    # a year named beside the quarters asked is a condition too, not a word to pass over
    ("What is the change in bookings between the second and first quarter of fiscal 2016?",
     "The table gives Bookings for 2018 and 2019, not 2016."),
    # no row named: a sentence about other years is no answer when no document mentions the year
    ("How much federal and state income tax was paid in fiscal year 2014?",
     "None of the documents found mention 2014."),
])
def test_a_year_the_row_lacks_is_refused_by_name(table_bot, question, reason):
    """No operand, no figure: the refusal says which year is missing, in the text and the JSON."""
    turn = table_bot.ask(question)
    answer = turn.answer
    assert not answer.found and answer.derived is None and not answer.claims
    assert [(r.kind, r.text) for r in answer.refused_for] == [("period", reason)]
    assert reason in turn.text
    assert Answer.from_dict(turn.to_dict()) == answer


def test_a_count_of_years_beyond_a_threshold_cites_each_one_counted(table_bot):
    turn = table_bot.ask("How many years did 3M's cost of sales exceed 16,000 million?")
    d = turn.answer.derived
    assert d is not None and d.op == "count" and d.result == "2", turn.text
    assert turn.text.startswith("2 = count of 16,682 [1], 16,055 [2]: ")
    assert [turn.answer.citation(o.n).cell.headers[-1] for o in d.operands] == ["2018", "2017"]  # type: ignore[union-attr]


def test_a_share_of_two_rows_is_computed_from_both_cells(table_bot):
    turn = table_bot.ask("What was 3M's research and development as a percentage of net sales in 2018?")
    d = turn.answer.derived
    assert d is not None and d.op == "share" and d.result == "5.56", turn.text
    assert turn.text.startswith("5.56% ≈ 1,821 [1] / $ 32,765 [2] × 100: ")


def test_respectively_asks_for_each_value_never_their_sum(table_bot):
    turn = table_bot.ask("What were 3M's total net sales in 2016 and 2018 respectively?")
    assert turn.answer.derived is None, turn.text  # not 62,874: the sum of the two was never asked
    assert [c.text for c in turn.answer.claims if c.role == "answer"] == ["$ 30,109", "$ 32,765"]
    summed = table_bot.ask("What were 3M's total net sales in 2016 and 2018?").answer.derived
    assert summed is not None and (summed.op, summed.result) == ("sum", "62874")


@pytest.mark.parametrize(("question", "value", "read_under"), [
    ("What were bookings in the fiscal 2019 second quarter?", "420", ("Bookings", "Fiscal 2019", "Second", "Quarter")),
    ("What were bookings in the fiscal 2018 third quarter?", "330", ("Bookings", "Fiscal 2018", "Third", "Quarter")),
    ("What were the weighted average shares outstanding in the fiscal 2018 first quarter?", "800",
     ("Weighted average shares outstanding", "Fiscal 2018", "First", "Quarter")),
])
def test_a_quarter_is_read_under_its_year_band(table_bot, question, value, read_under):
    turn = table_bot.ask(question)
    answer = turn.answer
    assert answer.derived is None, turn.text  # "average" names the row: nothing to compute
    assert answer.claims[0].role == "answer" and answer.claims[0].text == value, turn.text
    cite = answer.citation(answer.claims[0].n)
    assert cite is not None and cite.cell is not None and cite.cell.headers == read_under


def test_every_year_beyond_a_threshold_is_said(table_bot):
    turn = table_bot.ask("In which years was 3M's cost of sales greater than 16,000 million?")
    assert [c.text for c in turn.answer.claims if c.role == "answer"] == ["2018", "2017"], turn.text


def test_respective_values_are_each_cell(table_bot):
    turn = table_bot.ask("What were 3M's respective net sales in 2016 and 2018?")
    assert turn.answer.derived is None, turn.text
    assert [c.text for c in turn.answer.claims if c.role == "answer"] == ["$ 30,109", "$ 32,765"], turn.text


def test_a_change_between_two_quarters_is_computed_in_the_year_asked(table_bot):
    turn = table_bot.ask("What was the change in bookings between the second and first quarter of fiscal 2018?")
    d = turn.answer.derived
    assert d is not None and (d.op, d.result) == ("change", "10"), turn.text
    assert [o.value for o in d.operands] == ["320", "310"]


def test_a_respectively_sentence_gives_the_year_asked_its_own_figure(table_bot):
    turn = table_bot.ask("What were the federal and state income taxes paid in fiscal year 2018?")
    first = turn.answer.claims[0]
    assert first.role == "answer" and first.text == "$2.1 million", turn.text  # the second figure, for the second year
    cite = turn.answer.citation(first.n)
    assert cite is not None and "respectively" in cite.quote and "$2.1 million" in cite.quote


def test_the_components_of_a_total_are_the_rows_it_sums(table_bot):
    turn = table_bot.ask("What are the components of the total credit risk exposure by geographic region?")
    said = [c for c in turn.answer.claims if c.role == "answer"]
    assert [c.text for c in said] == ["United Kingdom", "Ireland"], turn.text  # not "Total", not "Note"
    assert all(turn.answer.citation(c.n).cell is not None for c in said)  # type: ignore[union-attr]


def test_a_table_of_percentages_of_one_row_says_percent(table_bot):
    turn = table_bot.ask("What was the percentage of sales represented by gross profit in 2018?")
    assert turn.text.startswith("50.9% [1]: "), turn.text  # every row a percentage of "Sales | 100.0 %"


def test_a_dash_is_nil_when_years_are_compared(table_bot):
    turn = table_bot.ask("In which years was 3M's other expense (income) less than 10 million?")
    assert [c.text for c in turn.answer.claims if c.role == "answer"] == ["2018", "2017"], turn.text  # "—" is 0


def test_a_row_is_named_whatever_its_footnote_mark(table_bot):
    turn = table_bot.ask("What were the operating leases in 2021?")
    assert turn.answer.claims[0].role == "answer" and turn.answer.claims[0].text == "$7,111", turn.text


def test_a_row_labelled_with_a_stopword_is_named_as_written(table_bot):
    turn = table_bot.ask("What were contractual obligations in Other in 2021?")
    assert turn.answer.claims[0].role == "answer" and turn.answer.claims[0].text == "90", turn.text


def test_a_count_of_components_beyond_a_threshold_cites_each_one_counted(table_bot):
    turn = table_bot.ask("How many components of the total credit risk exposure exceeded 1 million in 2019?")
    d = turn.answer.derived
    assert d is not None and (d.op, d.result) == ("count", "1"), turn.text
    assert [o.value for o in d.operands] == ["24.5"]  # the United Kingdom's; Ireland's 0.4 is below
