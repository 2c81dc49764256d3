"""Selective answering: how often the assistant answers, and how often what it says is right.

Every question is answered once with the found threshold at 0 (``answer_all``): then each
question's fate at any threshold is known without asking again. An ``Outcome`` records it:

- "refused": refused at every level (a condition of the question no document meets, or nothing
  retrieved);
- "rule": answered at every level by a rule the found model does not weigh (a table cell, a
  computed figure, who said a quote);
- "found": answered when its found probability reaches the level's threshold.

From the dev outcomes of the fitted suites, ``fit_levels`` picks each strictness level's found
threshold (the highest refusing at most ``STRICTNESS_TARGET`` of the answerable questions, macro
over suites with at least ``MIN_CASES`` of them) and ``fit_weak`` the "weak evidence" band (the
found probability below which fewer than half of the answers were right, by isotonic
regression). ``make calibrate`` writes both into the calibration file; ``make eval-external``
draws the risk-coverage curves (accuracy of the answers given against the share of answerable
questions answered) of each suite and their area, the BM25 baseline beside it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from assistant.answering import Calibration
from assistant.interfaces.evals import Result
from assistant.records import STRICTNESS, STRICTNESS_TARGET, Answer, Strictness

MIN_CASES = 10  # a suite with fewer answerable questions is left out of the macro false refusal
WEAK_RIGHT = 0.5  # below this share of right answers (isotonic fit on dev), an answer is shown as weak evidence

Gate = Literal["found", "rule", "refused"]
Score = Callable[[Answer], "float | None"]  # an engine's confidence in an answer (None: decided by a rule)


@dataclass(frozen=True)
class Outcome:
    suite: str
    answerable: bool
    gate: Gate
    p: float  # the confidence the gate "found" compares with a threshold (0 otherwise)
    right: bool  # the answer given is right (an answer to an unanswerable question never is)
    question: str = ""
    refused_for: tuple[str, ...] = ()  # the kinds of the question's conditions no document meets


def answer_all(cal: Calibration) -> Calibration:
    """``cal`` with every strictness level answering whatever the found model says."""
    return replace(cal, levels={}, found=replace(cal.found, threshold=0.0))


def found_p(a: Answer) -> float | None:
    """The assistant's confidence: the found model's probability (None for a rule's answer)."""
    return a.found_p


def first_score(a: Answer) -> float | None:
    """The BM25 baseline's confidence: the share of the question's words its sentence covers."""
    return a.citations[0].score if a.citations else 0.0


def outcome(suite: str, r: Result, score: Score = found_p) -> Outcome:
    """The fate of ``r``'s question (answered at threshold 0) at any threshold. Right is the
    suite's headline: the exact answer said first where the suite asks one (TAT-QA tables),
    else every expected answer stated."""
    a = r.reply
    right = bool(r.exact_ok if r.exact_ok is not None else r.answer_ok) and r.case.answerable
    if not a.found:
        return Outcome(suite, r.case.answerable, "refused", 0.0, False, r.case.question,
                       tuple(x.kind for x in a.refused_for))
    p = score(a)
    return Outcome(suite, r.case.answerable, "rule" if p is None else "found", p or 0.0, right, r.case.question)


def answered(o: Outcome, threshold: float) -> bool:
    return o.gate == "rule" or (o.gate == "found" and o.p >= threshold)


def false_refusal(outcomes: Sequence[Outcome], threshold: float) -> float | None:
    """Answerable questions refused at ``threshold``, macro over suites with >= MIN_CASES of them."""
    by: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if o.answerable:
            by[o.suite].append(o)
    rates = [sum(not answered(o, threshold) for o in os) / len(os) for os in by.values() if len(os) >= MIN_CASES]
    return float(np.mean(rates)) if rates else None


def thresholds(outcomes: Sequence[Outcome]) -> list[float]:
    """Every threshold that changes something: 0 and each found probability, ascending."""
    return sorted({0.0, *(o.p for o in outcomes if o.gate == "found")})


def fit_levels(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """Each level's found threshold: the highest whose false refusal is at most its target."""
    ts = thresholds(outcomes)
    rates = [false_refusal(outcomes, t) or 0.0 for t in ts]
    return {level: max(t for t, r in zip(ts, rates, strict=True) if r <= STRICTNESS_TARGET[level] or t == 0.0)
            for level in STRICTNESS}


def fit_weak(outcomes: Sequence[Outcome]) -> float:
    """The found probability below which fewer than ``WEAK_RIGHT`` of the found model's answers
    were right (isotonic regression of right on it; 0 when none is that weak)."""
    from sklearn.isotonic import IsotonicRegression

    given = [o for o in outcomes if o.gate == "found"]
    if not given:
        return 0.0
    x = np.array([o.p for o in given])
    fit = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(x, [float(o.right) for o in given])
    sure = sorted(p for p, y in zip(x, fit.predict(x), strict=True) if y >= WEAK_RIGHT)
    return float(sure[0]) if sure else float(x.max()) + 1e-6


@dataclass(frozen=True)
class Point:
    threshold: float
    coverage: float  # answerable questions answered
    accuracy: float | None  # answers given that are right (None: none given)
    unanswerable_refused: float | None


def point(outcomes: Sequence[Outcome], threshold: float) -> Point:
    given = [o for o in outcomes if answered(o, threshold)]
    ans = [o for o in outcomes if o.answerable]
    unans = [o for o in outcomes if not o.answerable]
    return Point(threshold, sum(answered(o, threshold) for o in ans) / len(ans) if ans else 0.0,
                 sum(o.right for o in given) / len(given) if given else None,
                 sum(not answered(o, threshold) for o in unans) / len(unans) if unans else None)


def curve(outcomes: Sequence[Outcome]) -> list[Point]:
    """One point per threshold that changes something, from answering most to answering least."""
    return [point(outcomes, t) for t in thresholds(outcomes)]


def risk_area(points: Sequence[Point]) -> float | None:
    """Mean risk (1 - accuracy) over the coverage the curve spans (trapezoids; lower is better;
    the risk of the one point when the curve does not move)."""
    pts = sorted((p.coverage, 1 - p.accuracy) for p in points if p.accuracy is not None)
    if not pts:
        return None
    xs, ys = np.array([x for x, _ in pts]), np.array([y for _, y in pts])
    span = xs[-1] - xs[0]
    return float(np.trapezoid(ys, xs) / span) if span > 0 else float(ys.mean())


def plot(curves: dict[str, dict[str, list[Point]]], marked: dict[str, dict[Strictness, Point]], title: str,
         path: Path) -> None:
    """Small multiples, one per suite with answerable questions: each engine's risk-coverage
    curve, and the assistant's strictness levels (``marked``) on its own."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suites = [s for s, by in curves.items() if any(p.coverage for ps in by.values() for p in ps)]
    cols = 3
    rows = max(1, -(-len(suites) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), dpi=100, squeeze=False)
    shapes = {"strict": "v", "balanced": "o", "lenient": "^"}
    for ax, suite in zip(axes.flat, suites, strict=False):
        for engine, pts in curves[suite].items():
            shown = sorted((p.coverage, 1 - p.accuracy) for p in pts if p.accuracy is not None)
            ax.plot([x for x, _ in shown], [y for _, y in shown], label=engine, drawstyle="steps-post")
        for level, p in marked.get(suite, {}).items():
            if p.accuracy is not None:
                ax.plot([p.coverage], [1 - p.accuracy], shapes[level], color="black", label=level, markersize=6)
        ax.set_title(suite, fontsize=10)
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("answerable questions answered", fontsize=8)
        ax.set_ylabel("answers given that are wrong", fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(suites):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
