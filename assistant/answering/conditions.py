"""The conditions a question puts on its answer that can be checked before any is chosen: a
condition the documents cannot meet is a refusal that names it (``Refusal``), not a nearby
answer. Today: the years the question names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..language.question import Question
from ..records import Refusal
from .candidates import Candidate


def mentions_year(text: str, year: int) -> bool:
    """Does ``text`` name ``year`` ("2016", "fiscal 2016", "FY16", "FY 2016")?

    >>> mentions_year("In FY16 sales rose", 2016), mentions_year("20160 units", 2016), mentions_year("2015", 2016)
    (True, False, False)
    """
    return re.search(rf"(?<!\d){year}(?!\d)|\bFY\s?'?{year % 100:02d}\b", text, re.I) is not None


def unmentioned_year(q: Question, ranked: Sequence[Candidate]) -> Refusal | None:
    """A refusal when the question names a year that none of the documents found ever mentions
    (so no passage of them can be about it): "None of the documents found mention 2015.";
    None when every year it names is mentioned somewhere in them, or nothing was found."""
    texts = {c.doc.id: c.doc.text for c in ranked}.values()
    lacking = [y for y in dict.fromkeys(q.years) if not any(mentions_year(t, y) for t in texts)]
    if not texts or not lacking:
        return None
    said = " or ".join(str(y) for y in lacking)
    return Refusal("period", f"None of the documents found mention {said}.")
