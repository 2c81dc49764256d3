"""Lexical analysis shared by BM25 retrieval and sentence scoring: one notion of a "term".

Terms are lower-cased words and whole numbers ("1.6", "200,000" -> "200000"), stop-words
removed, words Snowball-stemmed. Mixed tokens stay whole and also give their parts, so "3M"
matches "3M" and "FY2018" matches "2018".

>>> terms("Japan exported 1.99 million cars")
['japan', 'export', '1.99', 'million', 'car']
>>> terms("3M FY2018 10-K")
['3m', '3', 'fy2018', 'fy', '2018', '10']
>>> terms("Japan's nor'easter O’Neill isn't")
['japan', 'noreast', 'oneil']
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import Any

# Bump when terms() or the stored sentence spans change: indexes then refresh their text-derived
# parts (BM25, IDF, sentences) without re-embedding. 3: sentence spans stored in the index.
# 4: page chunks' BM25 terms include their context header, as their embeddings do.
# 5: an apostrophe inside a word is kept ("nor'easter" -> "noreaster"); only clitics drop.
LEXICAL_VERSION = 5
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:['\u2019][^\W_]+)?", re.UNICODE)
_CLITICS = {"s", "t", "re", "ve", "ll", "d", "m"}  # Japan's, isn't, they're, we've, he'll, I'd, I'm
_NUMBER = re.compile(r"[\d.,]+")
_PARTS = re.compile(r"\d+|[^\W\d_]+")

# Small English stop-word list (question words included: they carry no evidence).
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    said say says tell told according many much
    isn aren wasn weren don doesn didn hasn haven hadn wouldn shouldn couldn can cannot ain
    """.split()  # noqa: SIM905
)


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def _norm_number(tok: str) -> str:
    tok = tok.replace(",", "")
    return tok.rstrip(".")


def terms(text: str) -> list[str]:
    """Index/query terms of ``text`` (order kept, duplicates kept)."""
    raw: list[str] = []
    for m in _TOKEN.finditer(text.lower()):
        tok = m.group()
        if _NUMBER.fullmatch(tok):
            raw.append(_norm_number(tok))
            continue
        head, _, tail = tok.replace("\u2019", "'").partition("'")
        tok = head if tail in _CLITICS else head + tail
        parts = _PARTS.findall(tok)
        split = parts if 2 <= len(parts) <= 3 else []  # "fy2018", "3m"; not hashes
        for t in [tok, *split]:
            if t.isdigit() or (t not in STOPWORDS and len(t) > 1):
                raw.append(t)
    words = [t for t in raw if t.isalpha()]
    if not words:
        return raw
    stems = iter(_stemmer().stemWords(words))
    return [next(stems) if t.isalpha() else t for t in raw]


def title_terms(title: str) -> list[str]:
    """Terms of a document title or file name ("3M_2018_10K.jsonl" -> 3m, 2018, 10k ...)."""
    return terms(re.sub(r"[_\-./#]+", " ", re.sub(r"\.(txt|md|jsonl)$", "", title)))


class IDF:
    """Inverse document frequency over chunks (BM25's smoothed form, always positive). It also
    keeps the collection's total term count, so BM25 built for an added segment can be scored with
    the whole collection's statistics (``store.bm25_index``)."""

    def __init__(self, df: dict[str, int], n_docs: int, tokens: int = 0) -> None:
        self.df = df
        self.rows = n_docs
        self.n = max(n_docs, 1)
        self.tokens = tokens

    @classmethod
    def fit(cls, docs_terms: Iterable[list[str]]) -> IDF:
        return cls({}, 0).changed(docs_terms, [])

    def changed(self, added: Iterable[list[str]], removed: Iterable[list[str]]) -> IDF:
        """These statistics with some rows' terms added and others' taken away (a new one)."""
        df: Counter[str] = Counter(self.df)
        n, tokens = self.rows, self.tokens
        for t in added:
            df.update(set(t))
            n, tokens = n + 1, tokens + len(t)
        for t in removed:
            df.subtract(set(t))
            n, tokens = n - 1, tokens - len(t)
        return IDF({k: v for k, v in df.items() if v > 0}, n, tokens)

    def plus(self, other: IDF) -> IDF:
        """The statistics of two disjoint sets of rows together."""
        df = Counter(self.df)
        df.update(other.df)
        return IDF(dict(df), self.rows + other.rows, self.tokens + other.tokens)

    def to_json(self) -> dict[str, Any]:
        return {"n": self.rows, "tokens": self.tokens, "df": self.df}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> IDF:
        return cls(d["df"], d["n"], d.get("tokens", 0))

    def __call__(self, term: str) -> float:
        d = self.df.get(term, 0)
        return math.log(1 + (self.n - d + 0.5) / (d + 0.5))

    def known(self, term: str) -> bool:
        return term in self.df

    def known_prefix(self, term: str, min_len: int = 5) -> bool:
        """Known, or shares a stem-prefix with a known term ("america" ~ "american")."""
        if term in self.df:
            return True
        if len(term) < min_len:
            return False
        if not hasattr(self, "_sorted"):
            self._sorted = sorted(self.df)
        i = bisect.bisect_left(self._sorted, term)
        if i < len(self._sorted) and self._sorted[i].startswith(term):
            return True
        return any(term[:n] in self.df for n in range(min_len, len(term)))
