"""What a question asks of a table, read from its words: a comparison of periods ("Which year
was X higher / less than 100 million?"), a ranking of rows ("Which segment had the highest X?"),
a threshold and its scale, each value asked for ("respectively"), a computation asked for (its
operands are not its answer), several periods or one. Used by ``answering.cells`` and
``answering.derive``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from . import lexical


def _terms(text: str) -> set[str]:
    return set(lexical.terms(text))


_WHICH_PERIOD = re.compile(r"\b(?:which|what)\s+(?:fiscal\s+|financial\s+)?(?:year|period|quarter)s?\b", re.I)
_MOST = re.compile(r"\b(?:higher|highest|larger|largest|greater|greatest|more|most|bigger|biggest|maximum)\b", re.I)
_LEAST = re.compile(r"\b(?:lower|lowest|smaller|smallest|less|least|fewer|fewest|minimum)\b", re.I)
_THAN = re.compile(r"\b(more|greater|higher|larger|above|over|exceed\w*|less|lower|smaller|fewer|below|under)\s*"
                   r"(?:than\s*)?\$?\s*(-?\d[\d,]*(?:\.\d+)?)\s*(thousands?|millions?|billions?|%)?", re.I)
COMPARING = ("year", "period", "quarter", "fiscal", "higher highest larger largest greater greatest more most bigger",
              "lower lowest smaller smallest less least fewer fewest than amount value")
FACTORS = {"thousand": Decimal(1000), "million": Decimal(10**6), "billion": Decimal(10**9)}  # a scale word's worth


@dataclass(frozen=True)
class Comparison:
    """What a "Which year ...?" question asks of a row's values: the most or the least, or the
    ones beyond a threshold (``than``, in units: scale applied)."""

    most: bool
    than: Decimal | None = None

    def met(self, units: Decimal) -> bool:
        """Is a value (in units, its scale applied) beyond the threshold, on the side asked?"""
        assert self.than is not None
        return units > self.than if self.most else units < self.than


def threshold(question: str) -> Comparison | None:
    """The threshold a question sets ("exceed $200,000 thousand", "less than 100.0 million"), in
    units (its scale word applied), and on which side; None if it sets none.

    >>> threshold("How many years did net sales exceed $200,000 thousand?")
    Comparison(most=True, than=Decimal('200000000'))
    """
    if not (m := _THAN.search(question)):
        return None
    value = Decimal(m[2].replace(",", ""))
    scale = (m[3] or "").lower().rstrip("s")
    return Comparison(bool(_MOST.fullmatch(m[1]) or m[1].lower() in ("above", "over") or
                           m[1].lower().startswith("exceed")), value * FACTORS.get(scale, Decimal(1)))


def comparison(question: str) -> Comparison | None:
    """The comparison a "Which year was X higher / the lowest / less than 100 million?" asks
    (None for any other question).

    >>> comparison("In which year was net income less than 100.0 million?")
    Comparison(most=False, than=Decimal('100000000.0'))
    >>> comparison("Which year had the highest revenue?"), comparison("What was revenue in 2019?")
    (Comparison(most=True, than=None), None)
    """
    if not _WHICH_PERIOD.search(question):
        return None
    if (beyond := threshold(question)) is not None:
        return beyond
    if _MOST.search(question) or _LEAST.search(question):
        return Comparison(bool(_MOST.search(question)))
    return None


_WHICH_ROW = re.compile(r"\bwhich\b|\bwhat (?:is|was|are|were) the \w+(?: \w+)? (?:that|with)\b", re.I)
_SUPERLATIVE_MOST = re.compile(r"\b(?:higher|highest|larger|largest|greater|greatest|most|bigger|biggest)\b", re.I)


def ranking(question: str) -> bool | None:
    """Whether a "Which segment has the highest ...?" asks for the most (True) or the least
    (False) of a table's rows; None for any other question (a "Which year ...?" among them).

    >>> ranking("Which contractual obligation has the highest total value?"), ranking("Which year was it higher?")
    (True, None)
    """
    if not _WHICH_ROW.search(question) or _WHICH_PERIOD.search(question) or _THAN.search(question):
        return None
    if _SUPERLATIVE_MOST.search(question):
        return True
    return False if _LEAST.search(question) else None


# A question asking for a figure computed from cells ("the change from 2018 to 2019"): its operands
# are not its answer.
DERIVED = re.compile(r"\b(?:change[sd]?|difference|differ|average|mean|sum|increase[sd]?|decrease[sd]?|growth|grow|"
                     r"grew|rise|rose|fall|fell|ratio|proportion|percentage|combined|total of|in total|altogether|"
                     r"how much (?:more|less|higher|lower))\b", re.I)
EACH = re.compile(r"\brespective(?:ly)?\b", re.I)  # each value asked for, whatever words ask it (never computed)
_WORD = re.compile(r"[\w'\u2019-]+")


def beside(question: str, label: set[str]) -> str:
    """``question`` without the words of a row's label (``label``: its terms), so that the words
    naming the row ("Basic weighted average shares", "Total revenue", "Net change in cash") are
    never read as asking for a computation.

    >>> beside("What was the basic weighted average shares in 2018?", _terms("Basic weighted average shares"))
    'What was the     in 2018?'
    """
    return _WORD.sub(lambda m: "" if (t := _terms(m[0])) and t <= label else m[0], question)


LIST_PERIODS = re.compile(r"\b(?:which|what)\s+(?:fiscal\s+|financial\s+)?(?:years|periods)\b", re.I)


def several(asked: Sequence[str]) -> bool:
    """Do the periods of a question name two or more ("2019 and 2018"), not one ("the fiscal 2019
    third quarter": a year and a quarter in it)?"""
    return sum(p.isdigit() for p in asked) >= 2 or sum(not p.isdigit() for p in asked) >= 2
