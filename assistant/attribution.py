"""Who says or reports a sentence, and who "he" / "the official" is.

Rule-based, for news prose: finds the speaker phrase of a reporting verb ("X said",
"said X", "according to X") and resolves pronouns and generic phrases ("he", "it",
"the source") to the nearest earlier speaker phrase of the same article.

>>> speaker('"It is unfair," said Taizo Watanabe, a spokesman for the Ministry, who came.').text
'Taizo Watanabe, a spokesman for the Ministry'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERBS = (r"said|says|say|told|tells|asserted|argued|pointed out|indicated|claimed|claims|claim|"
          r"reported|reports|added|denied|conceded|cautioned|insisted|corroborated|rejected|"
          r"stated|noted|explained|warned|announced|urged|quoted|estimated|projected")
_ADVERBS = r"(?:(?:also|today|yesterday|flatly|publicly|repeatedly|this week|last week|here)\s+)*"
_NP = r"(?P<np>[A-Z\"']?[^\"\u201c\u201d;:]{1,140}?)"
_LEAD = r"^(?:(?:But|And|However|Meanwhile|Therefore|Still|Yet)\s+)?(?:[^,\"]{1,40},\s+)?"

_PATTERNS = [
    re.compile(r"\baccording to (?P<np>[^,.;\"]{2,90})", re.IGNORECASE),
    re.compile(r"[,\"\u201d]\s*(?:" + _VERBS + r")\s+(?P<np>[A-Z][^\"\u201c\u201d;]{1,140}?)"
               r"(?=,\s+(?:who|which|whose|after|before|when|as)\b|\.\s*$|$|,\s*\"|\s+(?:in|on|at)\s+a\b)"),
    re.compile(r"[,!?]\"\s+" + _NP + r"\s+" + _ADVERBS + r"(?:" + _VERBS + r")\b"),
    re.compile(_LEAD + _NP + r"\s+" + _ADVERBS + r"(?:" + _VERBS + r")\b"),
    re.compile(r",\s+(?:but\s+|and\s+)?(?P<np>[^,\"]{1,60}?)\s+" + _ADVERBS + r"(?:" + _VERBS + r")[,.]"),
]

PRONOUNS = {"he", "she", "it", "they"}
_GENERIC = re.compile(r"^the (official|source|spokesman|spokeswoman|minister|ministry|report|"
                      r"ambassador|president|company|newspaper|paper|agency)$", re.IGNORECASE)
_DETERMINERS = {"a", "an", "the", "one", "two", "some", "he", "she", "it", "they", "sources"}
_AUXILIARIES = {"is", "are", "was", "were", "be", "been", "has", "have", "had"}
_BAD_START = re.compile(r"^(that|this|which|what|when|if|because|while|although|who|there)\b", re.I)


@dataclass(frozen=True)
class Speaker:
    text: str
    start: int  # offsets within the sentence it was found in
    end: int

    @property
    def needs_resolution(self) -> bool:
        return self.text.lower() in PRONOUNS or bool(_GENERIC.match(self.text))

    @property
    def named(self) -> bool:
        """Contains a proper name ("The Yomiuri newspapers", "Watanabe"), not just "sources"."""
        words = self.text.split()
        return any(w[0].isupper() for w in words[1:]) or (
            words[0][0].isupper() and words[0].lower() not in _DETERMINERS)

    @property
    def plural(self) -> bool:
        last = self.text.split(",")[0].split()[-1].lower()
        return last == "they" or (last.endswith("s") and not last.endswith("ss") and last != "he")


def speaker(sentence: str) -> Speaker | None:
    """The phrase naming who says or reports ``sentence``, or None."""
    for pat in _PATTERNS:
        for m in pat.finditer(sentence):
            np_ = m.group("np").strip().rstrip(",")
            start = m.start("np") + (len(m.group("np")) - len(m.group("np").lstrip()))
            tail = np_.rsplit(", ", 1)[-1]
            if tail.lower() in PRONOUNS:  # "As a condition ..., they insisted"
                start += len(np_) - len(tail)
                np_ = tail
            if (not np_ or len(np_.split()) > 14 or _BAD_START.match(np_)
                    or np_.split()[-1].lower() in _AUXILIARIES):  # passive: "X is said to"
                continue
            if not (np_[0].isupper() or np_.split()[0].lower() in _DETERMINERS):
                continue
            return Speaker(np_, start, start + len(np_))
    return None


def resolve(
    target: Speaker, earlier: list[tuple[int, Speaker]]
) -> tuple[int, Speaker] | None:
    """The antecedent of a pronoun/generic speaker among ``earlier`` (sentence offset, speaker),
    nearest first; None if nothing fits."""
    low = target.text.lower()
    generic = _GENERIC.match(target.text)
    for pos, cand in reversed(earlier):
        if cand.needs_resolution:
            continue
        if generic:
            if generic.group(1).lower() in cand.text.lower():
                return pos, cand
        elif low in ("he", "she"):
            if not cand.plural:
                return pos, cand
        elif low == "they":
            if cand.plural and cand.named:
                return pos, cand
        elif cand.named and not cand.plural or cand.text.split()[-1].lower().endswith("newspapers"):
            return pos, cand  # "it": a named newspaper, report, ministry ...
    return None
