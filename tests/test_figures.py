import pytest

from assistant.language.figures import contains_figure, find_figures, quantities


@pytest.mark.parametrize(
    ("text", "expected", "ok"),
    [
        ("about 1.6 million cars", "1.6 million", True),
        ("11.6 million cars", "1.6 million", False),
        ("1.65 million cars", "1.6 million", False),
        ("to l.6 million this year", "1.6 million", True),  # letter l typed for digit 1
        ("its 21% share", "21 percent", True),
        ("its 21 percent share", "21%", True),
        ("its 121 percent", "21 percent", False),
        ("21 cars", "21 percent", False),
        ("sacrificing about 200,000 car sales", "200000", True),
        ("sacrificing about 200000 car sales", "200,000", True),
        ("executives of seven auto companies", "seven", True),
        ("executives of 7 auto companies", "seven", True),
        ("for three years at the longest", "three years", True),
        ("for three months", "three years", False),
        ("revenue of $1,577.00 million", "1,577", False),  # scale differs: million vs units
        ("revenue was $1577.00", "1,577", True),
        ("in 1980", "1980", True),
        ("9.5 million auto sales", "9.5 million", True),
        ("9.5 million auto sales", "9 million", False),
    ],
)
def test_contains_figure_compares_numbers_not_substrings(text, expected, ok):
    assert contains_figure(text, expected) is ok


def test_years_and_one_are_not_quantities():
    figs = [f.text for f in quantities("One official said 1.8 million, the average of 1979 and 1980.")]
    assert figs == ["1.8 million"]


def test_figure_spans_point_into_the_text():
    text = "from 1.9 million last year to l.6 million this year"
    for f in find_figures(text):
        assert text[f.start : f.end] == f.text


def test_the_tail_of_a_number_glued_to_a_word_is_not_a_figure():
    """PDF text "authorizes up to11,600,000 shares": the number is unreadable as written, and its
    tail "600,000" would be a wrong figure (worse than none)."""
    assert [f.text for f in find_figures("up to11,600,000 common shares")] == []
    assert [f.text for f in find_figures("up to 11,600,000 common shares")] == ["11,600,000"]
