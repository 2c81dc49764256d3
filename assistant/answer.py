"""Compose a quote-first answer from retrieved chunks, deterministically, without a language model.

The answer is made of sentences copied verbatim from the retrieved passages, each followed by
its citation marker. Around them only fact-free connective words are added, plus the name of
a speaker that a sentence calls "he" or "the official", itself quoted and cited from the
sentence that names them.

Steps: candidate sentences from the hits -> score each (question-term coverage weighted by
IDF, the chunk's dense similarity, wanted answer type, conversation context) -> decide found /
not found -> pick sentences (one per article, with a "sources differ" lead, when articles give
different figures) -> resolve speakers -> Draft for the verifier.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import lexical
from .attribution import Speaker, resolve, speaker
from .chunking import sentence_spans
from .figures import Figure, quantities
from .records import Document, Hit

_WANTS_FIGURE = re.compile(
    r"\b(how (many|much|big|large|far|long|high|deep|low)|what (figure|number|level|share|"
    r"percentage|percent|rate|limit|quota|amount|size|total|portion|proportion|cap|ceiling|"
    r"wage|premium)|number of|figure|percent|percentage|quota|limit|ceiling|cap on)\b",
    re.IGNORECASE,
)
_FOLLOW_UP = re.compile(
    r"\b(he|him|his|she|her|hers|they|them|their|it|its|that|this|those|these|the same|"
    r"also|else|too)\b|^(and|what about|how about)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]{2,}\b")

# Tuned on evals/seeds.jsonl; the numbers are what the eval reports measure against.
W_LEXICAL, W_DENSE, W_HISTORY, W_BIGRAM, W_FOCUS = 0.55, 0.45, 0.25, 0.15, 0.3
FOCUS_WINDOW = 60  # characters each side of a figure that say what the figure is
FIGURE_BONUS, NO_FIGURE_PENALTY = 0.12, 0.35
MIN_DENSE, MIN_LEXICAL, STRONG_LEXICAL = 0.42, 0.12, 0.45
KEEP_RATIO, KEEP_LEXICAL, CONFLICT_RATIO = 0.85, 0.6, 0.60


@dataclass(frozen=True)
class Candidate:
    doc: Document
    start: int
    end: int
    score: float
    lexical: float
    dense: float
    figure_list: tuple[Figure, ...]
    speaker: Speaker | None = None
    antecedent: tuple[int, Speaker] | None = None  # (sentence start in doc, speaker)

    @property
    def text(self) -> str:
        return self.doc.text[self.start : self.end]

    @property
    def figures(self) -> set[tuple[float, bool]]:
        return {(f.value, f.percent) for f in self.figure_list}


@dataclass(frozen=True)
class Segment:
    """One claim of the answer and the span that supports it (verified before rendering)."""

    claim: str  # text that must appear verbatim in doc.text[start:end]
    doc: Document
    start: int
    end: int
    score: float
    supports: int | None = None  # index of the segment this one annotates (a speaker name)
    label: str = ""  # for a speaker name: the word it stands for ("he")


@dataclass
class Draft:
    found: bool
    segments: list[Segment] = field(default_factory=list)
    related: list[Segment] = field(default_factory=list)
    conflict: bool = False
    conflict_on: str = ""  # "figure", "date", "name", ...


_WANTS_PERCENT = re.compile(r"\b(percent|percentage|share|proportion|portion)\b", re.I)
_WANTS_COUNT = re.compile(r"\bhow many\b|\bnumber of\b", re.I)


def wants_figure(question: str) -> bool:
    return bool(_WANTS_FIGURE.search(question))


def figure_kind(question: str) -> bool | None:
    """True: a percentage is wanted; False: a count; None: either."""
    if _WANTS_PERCENT.search(question):
        return True
    return False if _WANTS_COUNT.search(question) else None


def is_follow_up(question: str) -> bool:
    """Does the question lean on an earlier turn ("what did *his* spokesman say?")?"""
    return bool(_FOLLOW_UP.search(question))


class Composer:
    """Builds a Draft from hits. Holds per-document sentence/speaker caches only."""

    def __init__(self, documents: dict[str, Document], idf: lexical.IDF, max_sentences: int = 3,
                 spans: dict[str, list[tuple[int, int]]] | None = None):
        self.documents = documents
        self.idf = idf
        self.max_sentences = max_sentences
        self.spans = spans or {}  # sentence spans stored in the index (no sentence model at query time)
        self._sentences: dict[str, list[tuple[int, int, Speaker | None]]] = {}

    def sentences(self, doc: Document) -> list[tuple[int, int, Speaker | None]]:
        if doc.id not in self._sentences:
            spans = self.spans.get(doc.id) or sentence_spans(doc.text)
            self._sentences[doc.id] = [(s, e, speaker(doc.text[s:e])) for s, e in spans]
        return self._sentences[doc.id]

    def _antecedent(self, doc: Document, idx: int, sp: Speaker | None) -> tuple[int, Speaker] | None:
        if sp is None or not sp.needs_resolution:
            return None
        earlier = [(s, x) for s, _, x in self.sentences(doc)[:idx] if x is not None]
        return resolve(sp, earlier)

    def _coverage(self, wanted: set[str], have: set[str]) -> float:
        total = sum(self.idf(t) for t in wanted)
        return sum(self.idf(t) for t in wanted & have) / total if total else 0.0

    def _bigram_coverage(self, wanted: set[tuple[str, str]], have: set[tuple[str, str]]) -> float:
        total = sum(self.idf(a) + self.idf(b) for a, b in wanted)
        return sum(self.idf(a) + self.idf(b) for a, b in wanted & have) / total if total else 0.0

    def unknown_names(self, question: str) -> list[str]:
        """Capitalised words of the question that the corpus never mentions ("Toyota")."""
        out = []
        for m in _NAME.finditer(question):
            t = lexical.terms(m.group())
            if t and not any(self.idf.known_prefix(x) for x in t):
                out.append(m.group())
        return out

    def rank(self, question: str, hits: list[Hit], context: str = "") -> list[Candidate]:
        """Every sentence of the hit chunks, scored, best first."""
        q_list = lexical.terms(question)
        q_terms, q_bigrams = set(q_list), set(zip(q_list, q_list[1:], strict=False))
        h_terms = set(lexical.terms(context)) - q_terms
        figure_q = wants_figure(question)
        kind = figure_kind(question)
        cands: list[Candidate] = []
        seen: set[tuple[str, int]] = set()
        for hit in hits:
            doc = self.documents[hit.chunk.doc_id]
            for idx, (s, e, sp) in enumerate(self.sentences(doc)):
                if e <= hit.chunk.start or s >= hit.chunk.end or (doc.id, s) in seen:
                    continue
                seen.add((doc.id, s))
                text = doc.text[s:e]
                ante = self._antecedent(doc, idx, sp)
                s_list = lexical.terms(text)
                # A sentence said by "he" is also about the person "he" stands for.
                s_terms = set(s_list) | set(lexical.terms(ante[1].text if ante else ""))
                lex = self._coverage(q_terms, s_terms)
                bigram = self._bigram_coverage(q_bigrams, set(zip(s_list, s_list[1:], strict=False)))
                hist = self._coverage(h_terms, s_terms) if h_terms else 0.0
                found_figs = [f for f in quantities(text) if kind is None or f.percent == kind]
                score = W_LEXICAL * lex + W_DENSE * hit.dense + W_HISTORY * hist + W_BIGRAM * bigram
                if figure_q:
                    # How well the words around the figure match: "1.82 million" in "last
                    # year's level of 1.82 million cars" answers a question about last year.
                    focus = max((self._coverage(q_terms, set(lexical.terms(
                        text[max(0, f.start - FOCUS_WINDOW) : f.end + FOCUS_WINDOW])))
                        for f in found_figs), default=0.0)
                    score += W_FOCUS * focus + (FIGURE_BONUS if found_figs else -NO_FIGURE_PENALTY)
                cands.append(Candidate(doc, s, e, score, lex, hit.dense, tuple(found_figs), sp, ante))
        cands.sort(key=lambda c: (-c.score, c.doc.id, c.start))
        return cands

    def compose(self, question: str, hits: list[Hit], context: str = "") -> Draft:
        cands = self.rank(question, hits, context)
        if not cands:
            return Draft(found=False)
        figure_q = wants_figure(question)
        best = cands[0]
        related = [self._segment(c) for c in _one_per_source(cands)[:3]]

        # Found: the best sentence shares the question's rarer words, or shares some of them
        # and its passage is semantically close (paraphrases). Chosen on evals/seeds.jsonl.
        grounded = best.lexical >= STRONG_LEXICAL or (best.lexical >= MIN_LEXICAL and best.dense >= MIN_DENSE)
        if not grounded or self.unknown_names(question) or (figure_q and not best.figures):
            return Draft(found=False, related=related)

        chosen = _first_by([c for c in cands if c.score >= KEEP_RATIO * best.score
                            and c.lexical >= KEEP_LEXICAL * best.lexical], _wording)[: self.max_sentences]
        conflict = False
        if figure_q:
            per_doc = [c for c in _one_per_source([c for c in cands if c.figures])
                       if c.score >= CONFLICT_RATIO * best.score]
            if _disagree(per_doc):
                conflict, chosen = True, per_doc[: max(self.max_sentences, 3)]
        segments: list[Segment] = []
        for c in chosen:
            segments.append(self._segment(c))
            if c.antecedent is not None:
                pos, ante = c.antecedent
                segments.append(Segment(
                    claim=ante.text, doc=c.doc, start=pos + ante.start, end=pos + ante.end,
                    score=c.score, supports=len(segments) - 1, label=c.speaker.text if c.speaker else "",
                ))
        return Draft(True, segments, [], conflict, "figure" if conflict else "")

    @staticmethod
    def _segment(c: Candidate) -> Segment:
        return Segment(claim=c.text, doc=c.doc, start=c.start, end=c.end, score=c.score)

def _first_by(cands: list[Candidate], key: Callable[[Candidate], str]) -> list[Candidate]:
    """The best-ranked candidate for each value of ``key``, in rank order."""
    seen: set[str] = set()
    out = []
    for c in cands:
        k = key(c)
        if k not in seen:
            seen.add(k)
            out.append(c)
    return out


def _one_per_source(cands: list[Candidate]) -> list[Candidate]:
    """The best candidate of each source (an article; for page files, the whole filing)."""
    return _first_by(cands, lambda c: c.doc.title)


def _wording(c: Candidate) -> str:
    """A sentence's words: boilerplate repeated in two filings counts once."""
    return " ".join(c.text.split()).lower()


def _disagree(per_doc: list[Candidate]) -> bool:
    """Two articles give different numbers for what looks like the same quantity: figures of
    the same kind within a factor of two (1.99 vs 1.82 million), and no figure in common."""
    for i, a in enumerate(per_doc):
        for b in per_doc[i + 1 :]:
            if a.figures & b.figures:
                continue
            if any(fa.percent == fb.percent and 0.5 <= fa.value / fb.value <= 2
                   for fa in a.figure_list for fb in b.figure_list if fb.value):
                return True
    return False
