"""Candidate sentences: every sentence of the retrieved passages, with the named features
(``scoring.FEATURES``) the fitted models read. Nothing here decides anything.

Per-document sentence analysis (terms, speaker, negation) is cached; the sentence spans and
vectors come from the index.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import numpy as np

from ..documents.chunking import sentence_spans
from ..indexing.load import LoadedIndex
from ..language import lexical
from ..language.attribution import Attribution
from ..language.entities import Span, answer_spans, person_like, same_value, year_clash
from ..language.question import NEGATION, Question
from ..records import Document, Hit

NEAR = 60  # characters each side of an answer span that say what it is about
_COMPARES = re.compile(r"\b(before|after|earlier|later|prior|more|less|fewer|greater|higher|lower|larger|"
                       r"smaller|bigger|most|least|highest|lowest|largest|smallest|biggest|best|worst|than|"
                       r"maximum|minimum|up|down|rose|fell|increase[sd]?|decrease[sd]?|exceed\w*)\b", re.I)
_QUOTE = re.compile("[\"\u201c\u201d]")
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w'’-]{2,}")  # a capitalised word, not the first of the question
Term = TypeVar("Term", str, tuple[str, str])

# Features of one (question, sentence) pair; every one is in [0, 1].
FEATURES: dict[str, str] = {
    "lex": "IDF-weighted share of the question's focus terms in the sentence (and in who 'he' is)",
    "bigram": "IDF-weighted share of the question's adjacent term pairs in the sentence",
    "rel": "IDF-weighted share of the question's lower-case focus terms ('won', 'directed') in the sentence",
    "miss": "largest IDF of a focus term absent from the sentence and its passage, over the largest focus IDF",
    "unknown": "1 if the question names something (a capitalised word) the collection never mentions",
    "dense_chunk": "cosine of the question to the sentence's passage",
    "dense_sent": "cosine of the question to the sentence (its tokens' states in the passage)",
    "typed": "1 if the question expects a name, figure, date, reason or definition",
    "type_match": "1 if the sentence holds an answer of that type outside the question's words",
    "type_miss": "1 if the question is typed and the sentence holds no such answer",
    "person_match": "1 if a question about a person meets a person-shaped name outside its words",
    "values": "distinct answers of the asked type in the sentence / 4, at most 1 (a list is no answer)",
    "tabular": "table cell separators in the sentence / 6, at most 1",
    "corroborated": "other sources with a candidate sentence giving the same value / 3, at most 1",
    "near": "share of focus terms within 60 characters of the sentence's best answer span",
    "year_clash": "1 if the question pins a year ('2019', 'last year') or quarter the sentence (or, naming no "
                  "year, its passage; for a date question, its answering date) lacks while naming another",
    "coarse": "1 if the question wants a day ('when was it released') and the sentence's date is a year or "
              "a month",
    "neg_mismatch": "1 if one of question and sentence is negated and the other is not",
    "comp_mismatch": "1 if the question compares (before, more, highest ...) and the sentence does not",
    "rank_dense": "1 / (1 + rank) of the passage in the dense list (0 if absent)",
    "rank_lex": "1 / (1 + rank) of the passage in the BM25 list (0 if absent)",
    "length": "sentence length in words / 40, at most 1",
    "reader": "the reader's probability that the sentence states the answer (``answering.reader``; read for the "
              "policy.READ_TOP sentences the other features rank best, 0 for the rest)",
}
# The only direction each sentence feature may push (sign-constrained fit); absent = free.
SENTENCE_SIGNS: dict[str, int] = {
    "lex": 1, "bigram": 1, "rel": 1, "miss": -1, "unknown": -1, "dense_chunk": 1, "dense_sent": 1, "type_match": 1,
    "type_miss": -1, "person_match": 1, "corroborated": 1, "near": 1, "year_clash": -1, "coarse": -1,
    "neg_mismatch": -1,
    "comp_mismatch": -1, "rank_dense": 1, "rank_lex": 1, "reader": 1,
}


@dataclass(frozen=True)
class Sentence:
    """What is known about one sentence of a document, whatever the question."""

    start: int
    end: int
    terms: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    said: tuple[Attribution, ...]  # attributions whose cue is in this sentence (else whose content is)
    negated: bool
    compares: bool
    words: int


@dataclass(frozen=True)
class Candidate:
    """A sentence offered as an answer, with its features and (once ranked) its probability."""

    doc: Document
    start: int
    end: int
    features: dict[str, float]
    prob: float
    spans: tuple[Span, ...] = ()  # answers of the asked type, outside the question's words
    said: Attribution | None = None  # who says this sentence (its first attribution naming someone)
    vec: np.ndarray | None = field(default=None, compare=False, repr=False)  # the sentence's vector
    terms: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @property
    def text(self) -> str:
        return self.doc.text[self.start : self.end]

    @property
    def primary(self) -> Span | None:
        """The answer this sentence gives: the typed span nearest the question's words in it."""
        return self.spans[0] if self.spans else None


SENTENCE_CACHE = 2048  # documents whose sentence analysis is kept (least recently used dropped first)


class Candidates:
    """Builds the candidates of a question over one index (caching per-document sentences for the
    ``SENTENCE_CACHE`` documents used last; safe to share between threads)."""

    def __init__(self, index: LoadedIndex, cache_size: int = SENTENCE_CACHE) -> None:
        self.index = index
        self.documents: Mapping[str, Document] = index.documents
        self.idf: lexical.IDF = index.idf
        self._sentences: OrderedDict[str, list[Sentence]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def sentences(self, doc: Document) -> list[Sentence]:
        with self._lock:
            if (hit := self._sentences.get(doc.id)) is not None:
                self._sentences.move_to_end(doc.id)
                return hit
        out = self._analyse(doc)  # outside the lock: two threads may analyse one document, never wrongly
        with self._lock:
            self._sentences[doc.id] = out
            while len(self._sentences) > self._cache_size:
                self._sentences.popitem(last=False)
        return out

    def _analyse(self, doc: Document) -> list[Sentence]:
        """Each sentence's terms, attributions, negation and comparison words."""
        spans = self.index.sentences.get(doc.id) or sentence_spans(doc.text, doc.tables)
        atts = self.index.attributions.get(doc.id, [])
        out = []
        for k, (s, e) in enumerate(spans):
            text = doc.text[s:e]
            t = lexical.terms(text)
            overlap = tuple(a for a in atts if a.content[0] < e and s < a.content[1])
            # A sentence wholly inside a longer quotation is said by whoever the quotation is
            # attributed to, whatever its own verbs report ('"Bryan already asserted ...'); one
            # that only begins or ends it, when its own words name nobody.
            quoted, wholly = _quoted_by(doc.text, spans, k, atts)
            said = (quoted if wholly else ()) or tuple(a for a in overlap if s <= a.cue[0] < e) or overlap or tuple(
                a for a in atts if s <= a.cue[0] < e) or quoted
            if not said and _QUOTE.search(text):  # else a cue beside it ('He said:' before the quote)
                for j in (k + 1, k - 1):
                    if 0 <= j < len(spans) and (
                            said := tuple(a for a in atts if spans[j][0] <= a.cue[0] < spans[j][1])):
                        break
            out.append(Sentence(s, e, frozenset(t), frozenset(zip(t, t[1:], strict=False)), said,
                                bool(NEGATION.search(text)), bool(_COMPARES.search(text)), len(text.split())))
        return out

    def coverage(self, wanted: set[Term], have: frozenset[Term] | set[Term]) -> float:
        """IDF-weighted share of ``wanted`` terms (or term pairs) that ``have`` holds."""
        def weight(t: str | tuple[str, str]) -> float:
            return self.idf(t) if isinstance(t, str) else self.idf(t[0]) + self.idf(t[1])

        total = sum(weight(t) for t in wanted)
        return sum(weight(t) for t in wanted & have) / total if total else 0.0

    def content_fit(self, focus: set[str], text: str, a: Attribution) -> float:
        """How much of the question's words the attribution's reported content holds."""
        return self.coverage(focus, set(lexical.terms(text[a.content[0] : a.content[1]])))

    def of(self, q: Question, hits: list[Hit], qvec: np.ndarray) -> list[Candidate]:
        """Every sentence of the hit passages once, with its features (``prob`` not yet set)."""
        focus = set(q.focus)
        bigrams = set(zip(q.focus, q.focus[1:], strict=False))
        idf_max = max((self.idf(t) for t in focus), default=1.0) or 1.0
        unknown = float(any(not self.idf.known_prefix(t) for m in _NAME.finditer(q.text)
                            for t in lexical.terms(m.group())))
        typed = float(q.expects in ("name", "figure", "date", "reason", "definition"))
        rel, wants_day = q.relation, q.wants_day
        cands: list[Candidate] = []
        seen: set[tuple[str, int]] = set()
        for hit in hits:
            doc = self.documents[hit.chunk.doc_id]
            sents = self.sentences(doc)
            vecs = self.index.doc_sentence_vectors(doc.id)
            in_chunk = [i for i, x in enumerate(sents) if x.end > hit.chunk.start and x.start < hit.chunk.end]
            chunk_terms: frozenset[str] = frozenset().union(*(sents[i].terms for i in in_chunk)) if in_chunk \
                else frozenset()
            passage = doc.text[hit.chunk.start : hit.chunk.end]
            for i in in_chunk:
                x = sents[i]
                if (doc.id, x.start) in seen or not x.terms:  # a sentence without a word (".") says nothing
                    continue
                seen.add((doc.id, x.start))
                text = doc.text[x.start : x.end]
                said = speaker_of(x, partial(self.content_fit, focus, doc.text))
                # A sentence said by "he" is also about the person "he" stands for.
                terms = x.terms | frozenset(lexical.terms(said.speaker.name)) if (
                    said and said.speaker and said.how in ("pronoun", "nominal")) else x.terms
                spans = _by_nearness(answer_spans(text, q), text, focus)
                if q.subtype == "speaker" and said is not None:
                    name = said.who(doc.text)
                    spans = [Span("speaker", said.source[0] - x.start, said.source[1] - x.start, name,
                                  name.lower()), *spans]
                if q.subtype == "person":  # the person named, before a place or a title near the words
                    spans = sorted(spans, key=lambda sp: not person_like(sp))
                missing = [self.idf(t) for t in focus - terms - chunk_terms]
                vec = vecs[i].astype(np.float32)
                f = {
                    "lex": self.coverage(focus, terms),
                    "bigram": self.coverage(bigrams, x.bigrams),
                    "rel": self.coverage(rel, terms) if rel else 1.0,
                    "miss": max(missing, default=0.0) / idf_max,
                    "unknown": unknown,
                    "dense_chunk": hit.dense,
                    "dense_sent": float(np.dot(vec, qvec)),
                    "typed": typed,
                    "type_match": typed * bool(spans),
                    "type_miss": typed * (not spans),
                    "person_match": float(q.subtype in ("person", "speaker") and any(
                        person_like(s) or s.kind == "speaker" for s in spans)),
                    "values": min(1.0, len({s.key for s in spans}) / 4),
                    "tabular": min(1.0, text.count("|") / 6),
                    "near": _near(spans[0], text, focus, self.coverage) if spans else 0.0,
                    "year_clash": float(year_clash(text, q, passage, spans[0] if spans else None)),
                    "coarse": float(wants_day and bool(spans) and spans[0].key.count("-") < 2),
                    "neg_mismatch": float(q.negated != x.negated),
                    "comp_mismatch": float(q.comparative and not x.compares),
                    "rank_dense": 1.0 / (1 + hit.dense_rank) if hit.dense_rank is not None else 0.0,
                    "rank_lex": 1.0 / (1 + hit.lexical_rank) if hit.lexical_rank is not None else 0.0,
                    "length": min(1.0, x.words / 40),
                    "reader": 0.0,  # read later, for the best few only (policy.read_top)
                }
                cands.append(Candidate(doc, x.start, x.end, f, 0.0, tuple(spans), said, vec, x.terms))
        for c in cands:  # corroboration needs every candidate's values first
            c.features["corroborated"] = _corroboration(c, cands)
        return cands


def quotations(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The quotations in ``text[start:end]`` (one paragraph) as (opening mark, closing mark)
    offsets: curly marks open and close, a straight mark toggles; a quotation still open at the
    end closes there.

    >>> quotations('He said: “A. B.” Then "C."', 0, 26)
    [(9, 15), (22, 25)]
    """
    out, opened = [], None
    for m in _QUOTE.finditer(text, start, end):
        mark = m.group()
        if opened is None and mark != "\u201d":
            opened = m.start()
        elif opened is not None and mark != "\u201c":
            out.append((opened, m.start()))
            opened = None
    return out + ([(opened, end)] if opened is not None else [])


def _quoted_by(text: str, spans: list[tuple[int, int]], k: int,
               atts: list[Attribution]) -> tuple[tuple[Attribution, ...], bool]:
    """For sentence ``k`` in a quotation of several sentences ('"Bryan already asserted ... He
    was ready ... That's all there is to it," MacDougall said.'): the attributions whose cue is
    in the sentence that closes the quotation, else in the one that opens it ('He said: "...'),
    and whether the sentence lies wholly inside the quotation. ``((), False)`` when no quotation
    of its paragraph reaches past the sentence."""
    s, e = spans[k]
    para = text.rfind("\n\n", 0, s) + 1
    stop = text.find("\n\n", e)
    quote = next(((a, b) for a, b in quotations(text, para, len(text) if stop < 0 else stop)
                  if a < e and s <= b and (a < s or b >= e)), None)  # quotations never overlap: at most one fits
    if quote is None:
        return (), False
    for at in (quote[1], quote[0]):  # the closing sentence first, then the opening one
        j = bisect_right(spans, (at, len(text) + 1)) - 1  # the sentence holding ``at`` (spans are in order)
        if 0 <= j != k and at < spans[j][1] and (
                said := tuple(a for a in atts if spans[j][0] <= a.cue[0] < spans[j][1])):
            return said, quote[0] <= s and quote[1] >= e
    return (), False


def speaker_of(x: Sentence, fit: Callable[[Attribution], float] | None = None) -> Attribution | None:
    """Who says sentence ``x``: of its attributions, the one whose content ``fit`` best (the
    question's words: "X said A, while Y argued B"), then the first that names someone."""
    if not x.said:
        return None
    return min(x.said, key=lambda a: (-(fit(a) if fit else 0.0), a.speaker is None))


def _near(span: Span, text: str, focus: set[str], coverage: Callable[[set[str], set[str]], float]) -> float:
    window = text[max(0, span.start - NEAR) : span.end + NEAR]
    return coverage(focus, set(lexical.terms(window)))


def _by_nearness(spans: list[Span], text: str, focus: set[str]) -> list[Span]:
    """Answer spans ordered by distance to the question's words in the sentence (nearest first):
    in "Jun 16, 2015 ... X was released in Japan on April 29" the date near "released" answers."""
    if len(spans) < 2:
        return spans
    hits = [m.start() for m in re.finditer(r"[^\W_]+", text) if set(lexical.terms(m.group())) & focus]
    if not hits:
        return spans

    def dist(s: Span) -> int:  # a question word inside the span itself ("17" of "Sep 17") does not count
        return min((min(abs(h - s.start), abs(h - s.end)) for h in hits if not s.start <= h < s.end),
                   default=len(text))

    return sorted(spans, key=lambda s: (dist(s), s.start))


def _corroboration(c: Candidate, cands: list[Candidate]) -> float:
    """Other sources that give this sentence's answer value in one of their candidate sentences."""
    if c.primary is None:
        return 0.0
    titles = {o.doc.title for o in cands
              if o.doc.title != c.doc.title and any(same_value(c.primary, s) for s in o.spans)}
    return min(1.0, len(titles) / 3)
