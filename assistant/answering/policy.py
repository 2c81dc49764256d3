"""The decisions: which sentences rank first, whether the best answers at all (found), which
sentences are confident enough to quote beside it, and when sources really disagree (conflict).

Each decision is a fitted model of ``scoring`` at its calibrated threshold; two kinds of
conflict are decided by named rules instead (``by_rule``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..errors import AssistantError
from ..language import lexical
from ..language.entities import lacks, person_like, same_value
from ..records import DEFAULT_STRICTNESS, Evidence, Strictness, squash
from ..settings import PACKAGED_MODEL_ID
from .candidates import FEATURES, Candidate
from .reader import Reader
from .scoring import CALIBRATION_DIR, Calibration, Logistic, slug

# Features of a whole question's candidates. Few on purpose: with every sentence feature, the
# model learnt which suite a question came from (all RGB's unanswerable questions are typed).
FOUND_FEATURES: dict[str, str] = {
    "score": "the best sentence's sentence-model log-odds / 10",
    "margin": "its probability minus the second best's",
    "agree": "other sources whose best sentences give the same value / 3, at most 1",
    "support": "summed probability of other sources' sentences stating that value / 2, at most 1",
    **{k: FEATURES[k] for k in ("lex", "rel", "dense_sent", "miss", "unknown", "year_clash", "coarse", "type_match",
                                "type_miss", "person_match", "near", "corroborated", "reader")},
}
# The only direction each found feature may push (the fit is sign-constrained): more evidence
# never lowers confidence, a missing or clashing term never raises it.
FOUND_SIGNS: dict[str, int] = {"score": 1, "margin": 1, "agree": 1, "support": 1, "lex": 1, "rel": 1,
                               "dense_sent": 1, "miss": -1, "unknown": -1, "year_clash": -1, "coarse": -1,
                               "type_match": 1, "type_miss": -1, "person_match": 1, "near": 1, "corroborated": 1,
                               "reader": 1}
# Features of a pair of sentences from two sources that answer with different values.
PAIR_FEATURES: dict[str, str] = {
    "sim": "cosine between the two sentences' vectors (a planted copy is nearly the same sentence)",
    "jaccard": "share of the two sentences' terms they have in common",
    "pmin": "the lower of the two sentences' probabilities of stating the answer",
    "lex_min": "the lower of their shares of the question's focus terms",
    "near_min": "the lower of their shares of focus terms next to the value",
    "reader_min": "the lower of the reader's probabilities that they state the answer (0: one was not read)",
    "single": "1 if each sentence gives exactly one value of the asked type",
    "diff_values": "share of the words only one sentence has that are inside their values (a copy with "
                   "another value)",
}


READER_FEATURES = frozenset({"reader", "reader_min"})  # the features only a calibration that reads may use
READ_TOP = 8  # sentences the reader reads per question: the best under the sentence model without it
Read = Callable[[list[Candidate]], list[float]]  # the reader, bound to a question: sentences -> probabilities


def reading(reader: Reader, question: str) -> Read:
    """``reader`` bound to ``question``: it reads each candidate sentence with its document's title."""
    return lambda cands: reader.read(question, [c.text for c in cands], [c.doc.display_title for c in cands])


def read_top(cands: list[Candidate], prerank: Logistic, read: Read, k: int = READ_TOP) -> list[Candidate]:
    """The candidates, the ``k`` best under ``prerank`` with the reader's score as feature "reader"
    (read in one batch); the others keep 0."""
    top = sorted(range(len(cands)), key=lambda i: (-prerank.prob(cands[i].features), cands[i].doc.id,
                                                    cands[i].start))[:k]
    out = list(cands)
    for i, p in zip(top, read([cands[i] for i in top]), strict=True):
        out[i] = replace(cands[i], features={**cands[i].features, "reader": p})
    return out


class Policy:
    """The calibrated decisions over ranked candidates (``keep_ratio`` arguments override the
    calibrated one: the calibration script sweeps it)."""

    def __init__(self, calibration: Calibration) -> None:
        self.calibration = calibration

    def rank(self, cands: list[Candidate], read: Read | None = None) -> list[Candidate]:
        """The candidates with the sentence model's probability, best first (ties by position);
        ``read`` (the reader, for this question) reads the best few first when the model uses it."""
        if read is not None and self.calibration.reads and cands:
            cands = read_top(cands, self.calibration.prerank, read)
        model = self.calibration.sentence
        return sorted((replace(c, prob=model.prob(c.features)) for c in cands),
                      key=lambda c: (-c.prob, c.doc.id, c.start))

    def found_p(self, ranked: list[Candidate]) -> float:
        """P(the best sentence is a right answer)."""
        return self.calibration.found.prob(question_features(ranked))

    def found(self, p: float, strictness: Strictness = DEFAULT_STRICTNESS) -> bool:
        return p >= self.calibration.threshold(strictness)

    def evidence(self, p: float) -> Evidence:
        """How an answer the found model gives at ``p`` is shown: "weak" below the band fitted on
        dev where fewer than half of such answers were right, else "strong"."""
        return "weak" if p < self.calibration.weak_below else "strong"

    def confident(self, ranked: list[Candidate], keep_ratio: float | None = None) -> list[Candidate]:
        """The candidates close enough to the best to be quoted beside it."""
        ratio = self.calibration.keep_ratio if keep_ratio is None else keep_ratio
        return [c for c in ranked if c.prob >= ratio * ranked[0].prob]

    def conflict_pairs(self, ranked: list[Candidate], ratio: float | None = None
                       ) -> list[tuple[Candidate, Candidate]]:
        """Pairs of sources whose best sentences (within ``ratio``, default the calibrated
        ``conflict_ratio``, of the best's probability) answer with different values."""
        ratio = self.calibration.conflict_ratio if ratio is None else ratio
        per_source = one_per_source([c for c in self.confident(ranked, ratio) if c.primary is not None])
        return [(a, b) for i, a in enumerate(per_source) for b in per_source[i + 1 :] if differ(a, b)]

    def conflict_sides(self, ranked: list[Candidate]) -> tuple[list[Candidate], float | None]:
        """The sentences to quote when sources disagree (best first; [] when they do not), and the
        highest conflict probability of the pairs considered (1.0 for a pair a rule decides;
        None when no pair of sources disagrees)."""
        sides: list[Candidate] = []
        best: float | None = None
        pair = self.calibration.pair
        for a, b in self.conflict_pairs(ranked):
            # The fitted model knows planted copies (the only conflicts in the public data). Two
            # kinds are conflicts whatever it says: articles giving different figures for what
            # they both confidently answer (1.99 vs 1.82 million cars, at any ratio), and two
            # sources saying the same sentence with another name or date in it.
            p = 1.0 if by_rule(a, b) else pair.prob(pair_features(a, b))
            best = p if best is None else max(best, p)
            if p >= pair.threshold:
                sides += [c for c in (a, b) if c not in sides]
        return sorted(sides, key=lambda c: (-c.prob, c.doc.id, c.start)), best


def first_by(cands: list[Candidate], key: Callable[[Candidate], str]) -> list[Candidate]:
    """The best-ranked candidate for each value of ``key``, in rank order."""
    seen: set[str] = set()
    out = []
    for c in cands:
        k = key(c)
        if k not in seen:
            seen.add(k)
            out.append(c)
    return out


def one_per_source(cands: list[Candidate]) -> list[Candidate]:
    """The best candidate of each source (an article; for page files, the whole filing)."""
    return first_by(cands, lambda c: c.doc.title)


def wording(c: Candidate) -> str:
    """A sentence's words: boilerplate repeated in two filings counts once."""
    return squash(c.text).lower()


def differ(a: Candidate, b: Candidate) -> bool:
    """Two sentences answer with different values of the asked type: neither states the other's
    answer anywhere (1.99 vs 1.82 million; Tampa vs Glendale; 2015 vs 2016), or each has a name
    or date the other lacks ("Germany captured its second World Cup title after defeating
    Croatia" vs "France captured ..."; the fitted pair model judges whether that is a rival
    answer or another topic). Names only rival names of the same shape (two people, or two places)."""
    pa, pb = a.primary, b.primary
    if pa is None or pb is None:
        return False
    if person_like(pa) == person_like(pb) and lacks((pa,), b.spans) and lacks((pb,), a.spans):
        return True
    if pa.kind == "figure":
        return False
    return lacks(a.spans, b.spans) and lacks(b.spans, a.spans)


def by_rule(a: Candidate, b: Candidate) -> bool:
    """Is this disagreeing pair a conflict without asking the fitted model?"""
    return figures_differ(a, b) or restated(a, b)


def restated(a: Candidate, b: Candidate) -> bool:
    """The two sentences differ only inside their answer values: the same statement with another
    value ("The prize was won by Maria Lopez" / "... by Anna Berg")."""
    return bool(a.terms - b.terms) and bool(b.terms - a.terms) and (a.terms ^ b.terms) <= value_terms(a, b)


def value_terms(a: Candidate, b: Candidate) -> set[str]:
    """The terms inside the two sentences' answer values."""
    return {t for c in (a, b) for s in c.spans for t in lexical.terms(s.text)}


def figures_differ(a: Candidate, b: Candidate) -> bool:
    """Both sentences answer a figure question with figures of one kind, and share none."""
    fa, fb = [s for s in a.spans if s.kind == "figure"], [s for s in b.spans if s.kind == "figure"]
    kinds = {s.key.split("|")[1] for s in fa} & {s.key.split("|")[1] for s in fb}
    return bool(kinds) and not {s.key for s in fa} & {s.key for s in fb}


def question_features(ranked: list[Candidate]) -> dict[str, float]:
    """``scoring.FOUND_FEATURES`` of a question's ranked candidates (best first)."""
    top = ranked[0]
    logit = math.log(max(top.prob, 1e-12) / max(1 - top.prob, 1e-12))
    others = one_per_source(ranked)[1:]
    same = [c for c in others if top.primary is not None and any(same_value(top.primary, s) for s in c.spans)]
    own = {k: top.features[k] for k in FOUND_FEATURES if k in top.features}
    return {**own, "score": logit / 10, "margin": top.prob - (ranked[1].prob if len(ranked) > 1 else 0.0),
            "agree": min(1.0, len(same) / 3), "support": min(1.0, sum(c.prob for c in same) / 2)}


def pair_features(a: Candidate, b: Candidate) -> dict[str, float]:
    """``scoring.PAIR_FEATURES`` of two disagreeing sentences."""
    union = a.terms | b.terms
    diff = a.terms ^ b.terms
    values = value_terms(a, b)
    return {
        "sim": float(np.dot(a.vec, b.vec)) if a.vec is not None and b.vec is not None else 0.0,
        "jaccard": len(a.terms & b.terms) / len(union) if union else 0.0,
        "pmin": min(a.prob, b.prob),
        "lex_min": min(a.features["lex"], b.features["lex"]),
        "near_min": min(a.features["near"], b.features["near"]),
        "reader_min": min(a.features.get("reader", 0.0), b.features.get("reader", 0.0)),
        "single": float(len({s.key for s in a.spans}) == 1 and len({s.key for s in b.spans}) == 1),
        "diff_values": len(diff & values) / len(diff) if diff else 0.0,
    }


def load_calibration(model_id: str, path: Path | None = None) -> Calibration:
    """The calibration fitted for ``model_id``; the packaged model's when there is none for it
    (a fake embedder in tests, or a model nobody has calibrated yet: run ``make calibrate``)."""
    candidates = [path] if path else [CALIBRATION_DIR / f"{slug(model_id)}.json",
                                      CALIBRATION_DIR / f"{slug(PACKAGED_MODEL_ID)}.json"]
    for p in candidates:
        if p is None or not p.exists():
            continue
        try:
            return Calibration.from_dict(json.loads(p.read_text(encoding="utf-8")), FEATURES, FOUND_FEATURES,
                                         PAIR_FEATURES)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise AssistantError(f"The calibration file {p} cannot be used ({e}). "
                                 "Refit it with `make calibrate`.") from None
    raise AssistantError(f"No calibration in {CALIBRATION_DIR} for {model_id!r}. Fit one with `make calibrate`.")
