"""Compose a quote-first answer from retrieved passages, deterministically, without a language model.

The answer is made of sentences copied verbatim from the retrieved passages. Around them only
fact-free connective words are added, plus spans copied from the cited sentences themselves:
the name that answers a "who" question, and the name of a speaker a sentence calls "he".

Steps: every sentence of the retrieved passages becomes a Candidate with named features
(``scoring.FEATURES``) and one fitted probability of stating the answer -> found iff the best
reaches the calibrated threshold -> quote it (and others close to it) -> when the best
sentences of different sources give different values of the type asked for (figures, dates,
names), quote one per source under "The sources differ" -> resolve speakers -> Draft for the
verifier.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import lexical
from .attribution import Speaker, resolve, speaker
from .chunking import sentence_spans
from .entities import Span, answer_spans, person_like, year_clash
from .question import Question
from .records import Answer, Document, Hit
from .scoring import FOUND_FEATURES, Calibration

NEAR = 60  # characters each side of an answer span that say what it is about
_NEGATED = re.compile(r"\b(not|no|never|none|without|neither|nor|cannot)\b|n't\b", re.I)
_COMPARES = re.compile(r"\b(before|after|earlier|later|prior|more|less|fewer|greater|higher|lower|larger|"
                       r"smaller|bigger|most|least|highest|lowest|largest|smallest|biggest|best|worst|than|"
                       r"maximum|minimum|up|down|rose|fell|increase[sd]?|decrease[sd]?|exceed\w*)\b", re.I)
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w'’-]{2,}")  # a capitalised word, not the first of the question
CONFLICT_ON = {"figure": "figure", "date": "date", "name": "name"}


@dataclass(frozen=True)
class Sentence:
    """What the composer knows about one sentence of a document, whatever the question."""

    start: int
    end: int
    terms: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    speaker: Speaker | None
    negated: bool
    compares: bool
    words: int


@dataclass(frozen=True)
class Candidate:
    doc: Document
    start: int
    end: int
    features: dict[str, float]
    prob: float
    spans: tuple[Span, ...] = ()  # answers of the asked type, outside the question's words
    speaker: Speaker | None = None
    antecedent: tuple[int, Speaker] | None = None  # (sentence start in doc, speaker)
    vec: np.ndarray | None = field(default=None, compare=False, repr=False)  # the sentence's vector
    terms: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @property
    def text(self) -> str:
        return self.doc.text[self.start : self.end]

    @property
    def primary(self) -> Span | None:
        """The answer this sentence gives: the typed span nearest the question's words in it."""
        return self.spans[0] if self.spans else None


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
    role: str = ""  # "" = by position; "answer" = the value that answers, shown before its sentence


@dataclass
class Draft:
    found: bool
    segments: list[Segment] = field(default_factory=list)
    related: list[Segment] = field(default_factory=list)
    conflict: bool = False
    conflict_on: str = ""  # "figure", "date", "name", ...
    found_p: float | None = None  # the found model's probability (None: not decided by it)
    conflict_p: float | None = None  # the pair model's highest probability; 1.0 when a rule decided


class Composer:
    """Builds a Draft from hits. Holds per-document sentence caches only."""

    def __init__(self, index: Any, calibration: Calibration, max_sentences: int = 3) -> None:
        self.index = index  # a LoadedIndex: documents, sentence spans and vectors, IDF
        self.documents: dict[str, Document] = index.documents
        self.idf: lexical.IDF = index.idf
        self.calibration = calibration
        self.max_sentences = max_sentences
        self._sentences: dict[str, list[Sentence]] = {}

    def sentences(self, doc: Document) -> list[Sentence]:
        if doc.id not in self._sentences:
            spans = self.index.sentences.get(doc.id) or sentence_spans(doc.text)
            out = []
            for s, e in spans:
                text = doc.text[s:e]
                t = lexical.terms(text)
                out.append(Sentence(s, e, frozenset(t), frozenset(zip(t, t[1:], strict=False)), speaker(text),
                                    bool(_NEGATED.search(text)), bool(_COMPARES.search(text)), len(text.split())))
            self._sentences[doc.id] = out
        return self._sentences[doc.id]

    def _antecedent(self, doc: Document, idx: int, sp: Speaker | None) -> tuple[int, Speaker] | None:
        if sp is None or not sp.needs_resolution:
            return None
        earlier = [(x.start, x.speaker) for x in self.sentences(doc)[:idx] if x.speaker is not None]
        return resolve(sp, earlier)

    def _coverage(self, wanted: set[str] | set[tuple[str, str]], have: frozenset[Any] | set[Any]) -> float:
        def weight(t: Any) -> float:
            return self.idf(t) if isinstance(t, str) else self.idf(t[0]) + self.idf(t[1])

        total = sum(weight(t) for t in wanted)
        return sum(weight(t) for t in wanted & have) / total if total else 0.0

    def candidates(self, q: Question, hits: list[Hit], qvec: np.ndarray) -> list[Candidate]:
        """Every sentence of the hit passages, with features and probability, best first."""
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
            chunk_terms = frozenset().union(*(sents[i].terms for i in in_chunk)) if in_chunk else frozenset()
            passage = doc.text[hit.chunk.start : hit.chunk.end]
            for i in in_chunk:
                x = sents[i]
                if (doc.id, x.start) in seen:
                    continue
                seen.add((doc.id, x.start))
                text = doc.text[x.start : x.end]
                ante = self._antecedent(doc, i, x.speaker)
                # A sentence said by "he" is also about the person "he" stands for.
                terms = x.terms | frozenset(lexical.terms(ante[1].text)) if ante else x.terms
                spans = _by_nearness(answer_spans(text, q), text, focus)
                if q.subtype == "person":  # the person named, before a place or a title near the words
                    spans = sorted(spans, key=lambda sp: not person_like(sp))
                missing = [self.idf(t) for t in focus - terms - chunk_terms]
                vec = vecs[i].astype(np.float32)
                f = {
                    "lex": self._coverage(focus, terms),
                    "bigram": self._coverage(bigrams, x.bigrams),
                    "rel": self._coverage(rel, terms) if rel else 1.0,
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
                    "near": _near(spans[0], text, focus, self._coverage) if spans else 0.0,
                    "year_clash": float(year_clash(text, q, passage, spans[0] if spans else None)),
                    "coarse": float(wants_day and bool(spans) and spans[0].key.count("-") < 2),
                    "neg_mismatch": float(q.negated != x.negated),
                    "comp_mismatch": float(q.comparative and not x.compares),
                    "rank_dense": 1.0 / (1 + hit.dense_rank) if hit.dense_rank is not None else 0.0,
                    "rank_lex": 1.0 / (1 + hit.lexical_rank) if hit.lexical_rank is not None else 0.0,
                    "length": min(1.0, x.words / 40),
                }
                cands.append(Candidate(doc, x.start, x.end, f, 0.0, tuple(spans),
                                       x.speaker, ante, vec, x.terms))
        for c in cands:  # corroboration needs every candidate's values first
            c.features["corroborated"] = _corroboration(c, cands)
        cands = [replace(c, prob=self.calibration.sentence.prob(c.features)) for c in cands]
        cands.sort(key=lambda c: (-c.prob, c.doc.id, c.start))
        return cands

    def compose(self, q: Question, hits: list[Hit], qvec: np.ndarray, previous: Answer | None = None) -> Draft:
        if previous is not None and q.subtype == "speaker" and previous.found and (
                draft := self._who_said_that(previous)):
            return draft
        cands = self.candidates(q, hits, qvec)
        if previous is not None:  # a follow-up asks for something new: not the sentence just quoted
            said = {(c.source, c.start) for c in previous.citations}
            cands = [c for c in cands if (c.doc.id, c.start) not in said] or cands
        return self.choose(q, cands)

    def choose(self, q: Question, cands: list[Candidate], keep_ratio: float | None = None) -> Draft:
        """The draft for ranked candidates (``keep_ratio`` overrides the calibrated one: the
        calibration script sweeps it)."""
        if not cands:
            return Draft(found=False)
        cal = self.calibration
        found_p = cal.found.prob(question_features(cands))
        if found_p < cal.found.threshold:
            return Draft(found=False, related=[_segment(c) for c in _one_per_source(cands)[:3]], found_p=found_p)
        typed = q.expects in ("name", "figure", "date")
        # A second quote must hold an answer of the asked type itself: without a figure it cannot
        # help answer "how many".
        extra = [c for c in self.confident(cands, keep_ratio)[1:] if c.spans or not typed]
        chosen = _first_by([cands[0], *extra], _wording)[: self.max_sentences]
        conflict_on, conflict_p = "", None
        if q.expects in CONFLICT_ON:
            sides, conflict_p = self.conflict_sides(cands, keep_ratio)
            if sides:
                conflict_on, chosen = CONFLICT_ON[q.expects], sides[: max(self.max_sentences, 3)]
        segments: list[Segment] = []
        for c in chosen:
            if not conflict_on and c is chosen[0] and q.expects == "name":
                segments.extend(self._answer_first(c, q))
            segments.append(_segment(c))
            if c.antecedent is not None:
                segments.append(self._speaker_note(c, len(segments) - 1))
        return Draft(True, segments, [], bool(conflict_on), conflict_on, found_p, conflict_p)

    def confident(self, cands: list[Candidate], keep_ratio: float | None = None) -> list[Candidate]:
        """The candidates close enough to the best to be quoted beside it."""
        ratio = self.calibration.keep_ratio if keep_ratio is None else keep_ratio
        return [c for c in cands if c.prob >= ratio * cands[0].prob]

    def conflict_pairs(self, cands: list[Candidate], keep_ratio: float | None = None
                       ) -> list[tuple[Candidate, Candidate]]:
        """Pairs of sources whose best confident sentences answer with different values."""
        per_source = _one_per_source([c for c in self.confident(cands, keep_ratio) if c.primary is not None])
        return [(a, b) for i, a in enumerate(per_source) for b in per_source[i + 1 :] if _differ(a, b)]

    def conflict_sides(self, cands: list[Candidate], keep_ratio: float | None = None
                       ) -> tuple[list[Candidate], float | None]:
        """The sentences to quote when sources disagree (best first; [] when they do not), and the
        highest conflict probability of the pairs considered (1.0 for a pair a rule decides;
        None when no pair of sources disagrees)."""
        sides: list[Candidate] = []
        best: float | None = None
        pair = self.calibration.pair
        for a, b in self.conflict_pairs(cands, keep_ratio):
            # The fitted model knows planted copies (the only conflicts in the public data). Two
            # kinds are conflicts whatever it says: articles giving different figures for what
            # they both confidently answer (1.99 vs 1.82 million cars, at any ratio), and two
            # sources saying the same sentence with another name or date in it.
            p = 1.0 if by_rule(a, b) else pair.prob(pair_features(a, b))
            best = p if best is None else max(best, p)
            if p >= pair.threshold:
                sides += [c for c in (a, b) if c not in sides]
        return sorted(sides, key=lambda c: (-c.prob, c.doc.id, c.start)), best

    def _answer_first(self, c: Candidate, q: Question) -> list[Segment]:
        """A "who" answer names the person first: the speaker (or who "he" is) for "who said",
        else the name nearest the question's words, unless the sentence already starts with it."""
        if q.subtype == "speaker" and c.speaker is not None:
            if c.antecedent is not None:
                pos, ante = c.antecedent
                return [Segment(ante.text, c.doc, pos + ante.start, pos + ante.end, c.prob, role="answer")]
            if c.speaker.named:
                return [Segment(c.speaker.text, c.doc, c.start, c.end, c.prob, role="answer")]
        # A person, or nothing: "Luzhniki Stadium" does not answer "who won".
        name = next((s for s in c.spans if person_like(s)), None) if q.subtype == "person" else c.primary
        if name is None or name.start == 0:
            return []
        return [Segment(name.text, c.doc, c.start, c.end, c.prob, role="answer")]

    @staticmethod
    def _speaker_note(c: Candidate, supports: int) -> Segment:
        assert c.antecedent is not None
        pos, ante = c.antecedent
        return Segment(ante.text, c.doc, pos + ante.start, pos + ante.end, c.prob, supports=supports,
                       label=c.speaker.text if c.speaker else "")

    def _who_said_that(self, previous: Answer) -> Draft | None:
        """"Who said that?": the speaker of the sentence the previous answer quoted first."""
        claim = next((c for c in previous.claims if c.role in ("quote", "conflict")), None)
        cite = previous.citation(claim.n) if claim else None
        doc = self.documents.get(cite.source) if cite else None
        if cite is None or doc is None:
            return None
        for i, x in enumerate(self.sentences(doc)):
            if x.start <= cite.start < x.end and x.speaker is not None:
                c = Candidate(doc, x.start, x.end, {}, 1.0, (), x.speaker, self._antecedent(doc, i, x.speaker))
                if c.antecedent is None and not x.speaker.named:
                    return None
                segs = self._answer_first(c, Question("", "name", "speaker"))
                segs.append(_segment(c))
                return Draft(True, segs)
        return None


def _near(span: Span, text: str, focus: set[str], coverage: Callable[..., float]) -> float:
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
              if o.doc.title != c.doc.title and any(_same_value(c.primary, s) for s in o.spans)}
    return min(1.0, len(titles) / 3)


def _segment(c: Candidate) -> Segment:
    return Segment(claim=c.text, doc=c.doc, start=c.start, end=c.end, score=c.prob)


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


def _same_value(a: Span, b: Span) -> bool:
    """Do two answer spans give the same value? Dates match when one is a partial form of the
    other ("April 29" and "April 29, 2015"); names when they share a word ("Halep", "Simona Halep")."""
    if a.kind == "date" and b.kind == "date":
        pa, pb = a.key.split("-"), b.key.split("-")
        return all(x == y or "????" in (x, y) for x, y in zip(pa, pb, strict=False))
    if a.kind in ("name", "speaker") and b.kind in ("name", "speaker"):
        return bool(set(a.key.split()) & set(b.key.split()))
    return a.key == b.key


def _differ(a: Candidate, b: Candidate) -> bool:
    """Two sentences answer with different values of the asked type: neither states the other's
    answer anywhere (1.99 vs 1.82 million; Tampa vs Glendale; 2015 vs 2016), or each has a name
    or date the other lacks ("Germany captured its second World Cup title after defeating
    Croatia" vs "France captured ..."; the fitted pair model judges whether that is a rival
    answer or another topic). Names only rival names of the same shape (two people, or two places)."""
    pa, pb = a.primary, b.primary
    if pa is None or pb is None:
        return False
    if person_like(pa) == person_like(pb) and _lacks((pa,), b.spans) and _lacks((pb,), a.spans):
        return True
    if pa.kind == "figure":
        return False
    return _lacks(a.spans, b.spans) and _lacks(b.spans, a.spans)


def _lacks(these: tuple[Span, ...], others: tuple[Span, ...]) -> bool:
    """Does one of ``these`` spans give a value none of ``others`` gives?"""
    return any(not any(_same_value(s, o) for o in others) for s in these)


def by_rule(a: Candidate, b: Candidate) -> bool:
    """Is this disagreeing pair a conflict without asking the fitted model?"""
    return figures_differ(a, b) or restated(a, b)


def restated(a: Candidate, b: Candidate) -> bool:
    """The two sentences differ only inside their answer values: the same statement with another
    value ("The prize was won by Maria Lopez" / "... by Anna Berg")."""
    return bool(a.terms - b.terms) and bool(b.terms - a.terms) and (a.terms ^ b.terms) <= _value_terms(a, b)


def _value_terms(a: Candidate, b: Candidate) -> set[str]:
    """The terms inside the two sentences' answer values."""
    return {t for c in (a, b) for s in c.spans for t in lexical.terms(s.text)}


def figures_differ(a: Candidate, b: Candidate) -> bool:
    """Both sentences answer a figure question with figures of one kind, and share none."""
    fa, fb = [s for s in a.spans if s.kind == "figure"], [s for s in b.spans if s.kind == "figure"]
    kinds = {s.key.split("|")[1] for s in fa} & {s.key.split("|")[1] for s in fb}
    return bool(kinds) and not {s.key for s in fa} & {s.key for s in fb}


def question_features(cands: list[Candidate]) -> dict[str, float]:
    """``scoring.FOUND_FEATURES`` of a question's ranked candidates (best first)."""
    top = cands[0]
    logit = math.log(max(top.prob, 1e-12) / max(1 - top.prob, 1e-12))
    others = _one_per_source(cands)[1:]
    same = [c for c in others if top.primary is not None and any(_same_value(top.primary, s) for s in c.spans)]
    own = {k: top.features[k] for k in FOUND_FEATURES if k in top.features}
    return {**own, "score": logit / 10, "margin": top.prob - (cands[1].prob if len(cands) > 1 else 0.0),
            "agree": min(1.0, len(same) / 3), "support": min(1.0, sum(c.prob for c in same) / 2)}


def pair_features(a: Candidate, b: Candidate) -> dict[str, float]:
    """``scoring.PAIR_FEATURES`` of two disagreeing sentences."""
    union = a.terms | b.terms
    diff = a.terms ^ b.terms
    values = _value_terms(a, b)
    return {
        "sim": float(np.dot(a.vec, b.vec)) if a.vec is not None and b.vec is not None else 0.0,
        "jaccard": len(a.terms & b.terms) / len(union) if union else 0.0,
        "pmin": min(a.prob, b.prob),
        "lex_min": min(a.features["lex"], b.features["lex"]),
        "near_min": min(a.features["near"], b.features["near"]),
        "single": float(len({s.key for s in a.spans}) == 1 and len({s.key for s in b.spans}) == 1),
        "diff_values": len(diff & values) / len(diff) if diff else 0.0,
    }
