"""The conditions a question puts on its answer that can be checked before any is chosen: a
condition the documents cannot meet is a refusal that names it (``Refusal``), not a nearby
answer. Today: the years the question names, and the names (people, places, organisations).

A condition fails only where no document found mentions it at all, read in the documents' own
words: a name is mentioned when each of its words is (all but one, for a name of three words or
more: "the 93rd Academy Awards Ceremony"), as the start of a word in any case ("America" in
"American", "U.S." as "US"); a capitalised word the documents use in lower case is a common
word, not a name ("the Company").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..language.entities import NAME_TITLES, Span, names, person_like
from ..language.question import Question
from ..records import Refusal
from .candidates import Candidate

# A name right after a preposition of place ("sold in Germany"; not "the increase in the Adjusted EBITDA").
_PLACE_BEFORE = re.compile(r"\b(?:in|to|from|at|into|across|within|throughout|outside|near)\s+$", re.I)
_SENTENCE_END = re.compile(r"(?<=[^\W\d_]{2})\.\s+")  # "Kestrel. Please", not "U.S. Open"
_SENTENCE_START = re.compile(r"(?:^|[.?!:;]\s+)[\"'“(]?$")
_NOT_A_NAME = re.compile(r"\d|^(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|CNY|RMB)$")  # "FY2018", "Q2", "93rd"; a currency code
_DEFINITE = re.compile(r"\bthe\s+$", re.I)  # "the Company": a document's defined term, not a name
_WORD = re.compile(r"[^\W_]+(?:\.[^\W_]+)*\.?")  # a word, or an abbreviation with its dots ("U.S.")


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


def _word_pattern(word: str) -> re.Pattern[str]:
    """A word of a name as the start of a word in any case, a dot or underscore optional between
    its letters ("U.S." ~ "US"; a transcript's "L_C_D_" ~ "LCD")."""
    letters = [re.escape(c) for c in word if c != "."]
    return re.compile(r"(?<![^\W_])" + r"[._]?".join(letters), re.I)


def _name_words(span: Span) -> list[str]:
    """The words of a name that identify it: not a title ("President"), not a connector ("of")."""
    words = [w.group() for w in _WORD.finditer(span.text)]
    return [w for w in words if w.lower().rstrip(".") not in NAME_TITLES and w.lower() not in
            ("of", "the", "and", "de", "la", "van", "von", "der")] or words


def _common_word(word: str, texts: Sequence[str]) -> bool:
    """The documents use ``word`` in lower case, as a common word ("company"), not a name."""
    if not word.isalpha():
        return False
    low = re.compile(rf"(?<![^\W_]){re.escape(word.lower())}(?![^\W_])")
    return any(low.search(t) for t in texts)


def _spelled_out(acronym: str) -> re.Pattern[str] | None:
    """Words whose initials spell an all-capitals ``acronym`` ("PPE": "property, plant and
    equipment"; "and", "of", "the" and "&" may sit between them); None for any other word."""
    letters = acronym.replace(".", "")
    if not (2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper()):
        return None
    gap = r"[\s,/-]+(?:(?:and|of|the|&|for)[\s,]+)*"
    return re.compile(r"(?<![^\W_])" + gap.join(rf"{re.escape(c)}[^\W\d_]*" for c in letters), re.I)


def _mentioned(word: str, texts: Sequence[str]) -> bool:
    """Is a word of a name in the texts: as the start of a word, or spelled out when an acronym?"""
    pattern, spelled = _word_pattern(word), _spelled_out(word)
    return any(pattern.search(t) or (spelled is not None and spelled.search(t)) for t in texts)


def _kind(q: Question, span: Span) -> str:
    if person_like(span):
        return "person"
    return "place" if _PLACE_BEFORE.search(q.text[: span.start]) else "name"


def unmentioned_name(q: Question, ranked: Sequence[Candidate]) -> Refusal | None:
    """A refusal when the question names a person, place or organisation that none of the
    documents found mentions (by title or text): "None of the documents found mention Canada.";
    None when each is mentioned somewhere in them, or nothing was found."""
    docs = {c.doc.id: c.doc for c in ranked}.values()
    texts = [f"{d.display_title}\n{d.text}" for d in docs]
    if not texts:
        return None
    for span in (part for name in names(q.text) for part in _sentences_of(name)):
        words = [w for w in _name_words(span) if not _NOT_A_NAME.search(w)]
        if _SENTENCE_START.search(q.text[: span.start]):  # a sentence's first word is capitalised anyway
            words = words[1:]  # ("Summarize the discussion", "... by FY2022. Please compute")
        if not words or len(words) == 1 and (_common_word(words[0], texts) or _DEFINITE.search(q.text[: span.start])):
            continue  # a common word, or a defined term: "the Company", "the Fund"
        missing = sum(not _mentioned(w, texts) for w in words)
        if missing and (len(words) < 3 or missing > 1):  # a long name may say one word its documents do not
            return Refusal(_kind(q, span), f"None of the documents found mention {span.text}.")  # ("Ceremony")
    return None


def _sentences_of(span: Span) -> list[Span]:
    """A run of capitalised words split where a sentence ends inside it ("Kestrel. Please"); an
    abbreviation's dots ("U.S. Open") do not end one."""
    out, at = [], 0
    for m in [*_SENTENCE_END.finditer(span.text), None]:
        end = m.start() + 1 if m else len(span.text)
        text = span.text[at:end].rstrip(".")
        if text:
            out.append(Span(span.kind, span.start + at, span.start + at + len(text), text, span.key))
        at = m.end() if m else end
    return out
