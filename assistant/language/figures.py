"""Find figures (numbers with their scale and unit) in text, and compare them as numbers.

One parser serves the composer (does a sentence state a figure?), the verifier (is every
figure of a sentence inside its cited quote?) and the eval matcher ("1.6 million" must not
match "11.6 million"; "21 percent" matches "21%"; "l.6 million" is read as 1.6 million).

>>> [(f.value, f.percent) for f in find_figures("a 21% share of 1.6 million, up from l.6 million")]
[(21.0, True), (1600000.0, False), (1600000.0, False)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}

_FIGURE = re.compile(
    r"(?<![\w.])(?<!\d,)(?P<cur>\$\s?)?"  # never the tail of a number glued to a word ("to11,600,000")
    r"(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+|[lI]\.\d+|(?:"
    + "|".join(_WORDS)
    + r")\b)"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion)\b)?"
    r"(?:\s*(?P<pct>%|percent\b|per cent\b|percentage points?\b))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Figure:
    value: float
    percent: bool
    start: int
    end: int
    text: str
    is_word: bool = False

    @property
    def is_year(self) -> bool:
        """A bare four-digit number 1800-2100 (a date, not a quantity)."""
        return (not self.percent and self.value.is_integer() and 1800 <= self.value <= 2100
                and re.fullmatch(r"\d{4}", self.text) is not None)

    def same(self, other: Figure) -> bool:
        return self.percent == other.percent and abs(self.value - other.value) <= 1e-9 * max(
            1.0, abs(self.value)
        )


def _number(tok: str) -> float:
    low = tok.lower()
    if low in _WORDS:
        return float(_WORDS[low])
    if low[0] in "li":  # OCR/typing slip: "l.6" is 1.6
        low = "1" + low[1:]
    return float(low.replace(",", ""))


def find_figures(text: str) -> list[Figure]:
    """Every figure in ``text``, left to right."""
    out = []
    for m in _FIGURE.finditer(text):
        num = m.group("num")
        is_word = num[0].isalpha() and num[0] not in "lI"
        if num[0] in "lI" and not re.fullmatch(r"[lI]\.\d+", num):
            is_word = True
        value = _number(num)
        scale = m.group("scale")
        if scale:
            value *= _SCALES[scale.lower()]
        out.append(Figure(value, bool(m.group("pct")), m.start(), m.end(), m.group(), is_word))
    return out


def quantities(text: str) -> list[Figure]:
    """Figures that are quantities: no years, and not "one" ("one official" is no figure)."""
    return [f for f in find_figures(text) if not f.is_year and f.text.lower() != "one"]


def parse_figure(expected: str) -> Figure | None:
    """The figure an expectation like "1.6 million" or "21%" names, if it is only a figure."""
    figs = find_figures(expected.strip())
    if len(figs) == 1 and figs[0].start == 0 and figs[0].end == len(expected.strip()):
        return figs[0]
    return None


def contains_figure(text: str, expected: str) -> bool:
    """Does ``text`` state ``expected``? Numbers compare as numbers, anything else as words.

    >>> contains_figure("about 1.6 million cars", "1.6 million")
    True
    >>> contains_figure("11.6 million or 1.65 million", "1.6 million")
    False
    >>> contains_figure("for three years at most", "three years")
    True
    """
    want = parse_figure(expected)
    if want is not None:
        return any(want.same(f) for f in find_figures(text))
    words = r"\s+".join(re.escape(w) for w in expected.split())
    return re.search(rf"(?<!\w){words}(?!\w)", text, re.IGNORECASE) is not None


_RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s*$", re.I)


def respective(text: str, year: int) -> Figure | None:
    """The figure a "respectively" sentence gives for ``year``: its quantities and its years
    listed in the same order, one to one ("taxes of $36.5 million, $2.1 million and $3.7 million
    were paid in fiscal years 2019, 2018 and 2017, respectively"); None unless the sentence
    pairs them so (a day of a date, "September 30", is no quantity).

    >>> respective("There were 268,000 and 108,000 shares for the years ended September 30, 2019 and 2018, "
    ...            "respectively, that were excluded.", 2018).text
    '108,000'
    """
    if not _RESPECTIVELY.search(text):
        return None
    figures = find_figures(text)
    years = [f for f in figures if f.is_year]
    values = [f for f in figures if not f.is_year and not f.is_word and not _MONTH.search(text[:f.start])]
    if len(years) < 2 or len(values) != len(years) or len({int(f.value) for f in years}) < len(years):
        return None
    return next((v for v, y in zip(values, years, strict=True) if int(y.value) == year), None)
