"""make calibrate: fit the answer scoring model on the dev splits of the public suites.

    python -m evals.calibrate            # writes assistant/calibration/<model>.json and a curve

1. Replay the query path of ``Assistant.ask`` on every dev question of every external suite and
   keep every candidate sentence with its features (``assistant.answering.candidates.FEATURES``). A sentence
   is a positive if it states the gold answer (the eval's own matcher); every sentence offered
   for an unanswerable question is a negative.
2. Fit the sentence model (first without the reader's score; its best ``READ_TOP`` sentences of
   each question are then read by the shipped reader, and the model is fitted again with it),
   a logistic regression whose features can only push the way their
   meaning says (``SENTENCE_SIGNS``: collinear features otherwise take artefactual signs), each
   data set weighing the same in total (RGB's three suites count as one), not on QMSum (its gold
   is a stretch of turns, too coarse to label single sentences). Report its grouped 5-fold
   cross-validated AUC next to each feature's own AUC.
3. Fit the found model on the questions, sign-constrained (``FOUND_SIGNS``): a positive when
   the best sentence under the sentence model states the gold answer; every unanswerable
   question is a negative. Its threshold (the operating point) is the highest at which at most
   ``MAX_FALSE_REFUSAL`` of answerable dev questions are refused (macro over suites): the
   product's tolerance for refusing a question the documents answer, the same one
   ``evals/thresholds.toml`` sets. The share of unanswerable questions refused there is
   reported, not chosen. Found by replaying the real composer, verifier and eval scorer.
4. ``keep_ratio`` (when a second sentence is quoted) maximises the harmonic mean of "answer
   right" and citation precision on dev, answering every question (the lowest ratio within
   ``RATIO_TOLERANCE`` of the best); it is chosen before the threshold, which is then swept with it.
5. Conflicts (``fit_pairs``, at each of ``CONFLICT_RATIOS``: how close to the best a source's
   best sentence must be to be compared; the ratio that best separates planted conflicts from
   none is kept): every pair of sources whose compared sentences give different values is a
   training pair (figure pairs that share no figure, and sentences differing only inside their
   values, are conflicts by rule, see ``answer.by_rule``, and are left out), a positive when
   one states the gold answer and the other the planted wrong one (RGB mixed). A logistic model over
   ``PAIR_FEATURES`` is fitted on them; its threshold maximises "conflict flagged where planted"
   minus "conflict flagged where none was" on dev.

6. The strictness levels and the weak-evidence band (``fit_selective``): with the models
   written, every dev question of the fitted suites is answered once at found threshold 0 by
   the real ``ask`` (``external/selective.py``); each level's threshold is the highest refusing
   at most its ``STRICTNESS_TARGET`` of answerable questions, and balanced becomes the found
   threshold. ``--levels-only`` runs this step alone on the shipped models.

Steps 3-5 run twice, without the reader and with it; ``SHIP_READER`` says which fit is shipped,
the other is written to ``evals/external/ablation-calibration.json``, which ``make eval-external``
reports beside the shipped one (the ablation).

Only dev splits are read; test splits and the CI suites (evals/*.jsonl) are never seen here.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import typer

from assistant import offline  # noqa: F401  (before any model library loads)
from assistant.answering import Candidate, Candidates, ExtractiveAnswerer, Policy, load_calibration
from assistant.answering.candidates import FEATURES, SENTENCE_SIGNS
from assistant.answering.conversation import Turn
from assistant.answering.policy import (
    FOUND_FEATURES,
    FOUND_SIGNS,
    PAIR_FEATURES,
    READER_FEATURES,
    by_rule,
    pair_features,
    question_features,
    read_top,
    reading,
)
from assistant.answering.reader import READER_FILE, Reader, sha256
from assistant.answering.scoring import CALIBRATION_DIR, Calibration, Logistic, slug
from assistant.answering.verify import render, verify
from assistant.core import Assistant, make_embedder, retrieval_key
from assistant.interfaces.evals import Case, Result, check, mentions, metrics, states_answer
from assistant.records import STRICTNESS_TARGET
from assistant.settings import Settings

from .external.convert import SUITES, convert_all
from .external.run import ABLATION, by_corpus, cases_of, open_bot, suite_outcomes
from .external.run import HERE as EXTERNAL
from .external.selective import WEAK_RIGHT, false_refusal, fit_levels, fit_weak

# PolNeAR has no licence: it is measured, never fitted on (its README).
FIT_SUITES = [s for s in SUITES if s != "polnear"]
# keep_ratio: the lowest (quoting most) whose harmonic mean is within this of the best: smaller
# differences are noise on a few hundred dev questions (0.3 and 0.7 have swapped on a 0.5-point change)
RATIO_TOLERANCE = 0.01
CONFLICT_RATIOS = (0.3, 0.5, 0.7)  # candidate conflict_ratio values, fitted on dev like keep_ratio
MAX_FALSE_REFUSAL = STRICTNESS_TARGET["balanced"]  # answerable dev questions refused, macro over suites
MIN_CASES = 10  # a suite with fewer cases of a kind is left out of that macro average
RATIOS = (0.3, 0.5, 0.7, 0.8, 0.9, 1.0)
# Ship the models that use the reader? Decided on the dev ablation (`make eval-external` reports
# the other fit beside the shipped one): no. With the reader of 2026-11-30 dev answers moved by
# one or two questions per suite, up for answers (RGB clean 74 -> 76%, QuoteSum 86 -> 91%) and
# down for refusals (RGB unanswerable refused 10 -> 5%, FinanceBench 92 -> 89%); reading 8
# sentences costs ~55 ms a question. evals/reader/RESULTS.md has both splits.
SHIP_READER = False


@dataclass
class Item:
    suite: str
    case: Case
    bot: Assistant
    turn: Turn  # the question in its conversation, as ask() analyses it
    cands: list[Candidate]  # its candidates with their features, in a fixed order
    labels: list[bool]


def collect(settings: Settings) -> list[Item]:
    embedder = make_embedder(settings)
    neutral = Calibration(embedder.model_id, Logistic(), Logistic(bias=30.0))  # features need no weights
    items = []
    for suite in FIT_SUITES:
        for corpus, cases in by_corpus(cases_of(suite, "dev")):
            bot = open_bot(suite, corpus, embedder, settings, neutral)
            candidates = Candidates(bot.index)
            for case in cases:
                history: list[Turn] = []
                for question in case.turns[:-1]:
                    history.append(bot.ask(question, history))
                turn = bot.begin(case.question, history)
                found = bot.retrieve(turn)
                cands = Policy(neutral).rank(candidates.of(turn.resolved, found.hits, found.vec))
                labels = [case.answerable and bool(states_answer(case, c.text, (c.doc.id, c.start, c.end)))
                          for c in cands]
                items.append(Item(suite, case, bot, turn, cands, labels))
    return items


def _signed_logistic(X: np.ndarray, y: np.ndarray, w: np.ndarray, signs: list[int], c: float = 1.0
                     ) -> tuple[np.ndarray, float]:
    """L2-regularised weighted logistic regression whose weights keep the given signs (0: free),
    by L-BFGS-B with bounds; the same loss as scikit-learn's LogisticRegression(C=c)."""
    from scipy.optimize import minimize

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = X @ theta[:-1] + theta[-1]
        p = 1 / (1 + np.exp(-z))
        eps = 1e-12
        val = -np.sum(w * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))) + 0.5 / c * theta[:-1] @ theta[:-1]
        g = X.T @ (w * (p - y)) + theta[:-1] / c
        return float(val), np.append(g, np.sum(w * (p - y)))

    bounds = [(0, None) if s > 0 else (None, 0) if s < 0 else (None, None) for s in signs] + [(None, None)]
    res = minimize(loss, np.zeros(X.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return res.x[:-1], float(res.x[-1])


def family(suite: str) -> str:
    """The public data set a suite is made from: RGB's three suites ask the same questions, so
    together they weigh as much as one other data set."""
    return suite.split("-")[0]


def fit_logistic(X: np.ndarray, y: np.ndarray, suites: list[str], groups: list[str], names: list[str],
                 signs: dict[str, int] | None = None) -> tuple[Logistic, dict[str, Any]]:
    """Logistic regression (sign-constrained where ``signs`` says), each data set (``family``)
    weighing the same in total; grouped 5-fold CV AUC."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    count: dict[str, int] = defaultdict(int)
    families = [family(s) for s in suites]
    for f in families:
        count[f] += 1
    w = np.array([1.0 / count[f] for f in families])
    w /= w.mean()  # equal suites, but the usual amount of regularisation
    sg = [(signs or {}).get(n, 0) for n in names]
    yf = y.astype(float)
    pred = np.zeros(len(y))
    for tr, te in GroupKFold(5).split(X, y, np.array(groups)):
        coef, bias = _signed_logistic(X[tr], yf[tr], w[tr], sg)
        pred[te] = X[te] @ coef + bias
    coef, bias = _signed_logistic(X, yf, w, sg)
    single = {n: round(float(roc_auc_score(y, X[:, i])), 3) for i, n in enumerate(names) if len(set(X[:, i])) > 1}
    info = {"rows": int(len(y)), "positives": int(y.sum()), "cv_auc": round(float(roc_auc_score(y, pred)), 4),
            "feature_auc": single}
    return Logistic(tuple(names), tuple(float(c) for c in coef), bias), info


def _show(title: str, model: Logistic, info: dict[str, Any]) -> None:
    typer.echo(f"{title}: {info['rows']} rows ({info['positives']} positive), grouped 5-fold CV AUC {info['cv_auc']}")
    for n, c in sorted(zip(model.features, model.weights, strict=True), key=lambda x: -abs(x[1]))[:12]:
        typer.echo(f"  {n:13s} {c:+.3f}   (alone: AUC {info['feature_auc'].get(n, '-')})")


SPAN_ONLY = {"qmsum"}  # gold is a stretch of turns: too coarse to label sentences, fine for questions


def usable(features: dict[str, str], reads: bool) -> list[str]:
    """The features a model may be fitted on: the reader's only when it reads."""
    return [n for n in features if reads or n not in READER_FEATURES]


def fit_sentence(items: list[Item], names: list[str]) -> tuple[Logistic, dict[str, Any]]:
    items = [it for it in items if it.suite not in SPAN_ONLY]
    X = np.array([[c.features[n] for n in names] for it in items for c in it.cands])
    y = np.array([lab for it in items for lab in it.labels])
    suites = [it.suite for it in items for _ in it.cands]
    groups = [f"{it.suite}/{it.case.id}" for it in items for _ in it.cands]
    return fit_logistic(X, y, suites, groups, names, SENTENCE_SIGNS)


def fit_found(items: list[Item], cal: Calibration) -> tuple[Logistic, dict[str, Any]]:
    """Question level: is the best sentence (under the fitted sentence model) a right answer?"""
    names = usable(FOUND_FEATURES, cal.reads)
    rows, labels, suites = [], [], []
    for it in items:
        cands = rescored(it, cal)
        if cands:
            f = question_features(cands)
            rows.append([f[n] for n in names])
            top = cands[0]
            right = states_answer(it.case, top.text, (top.doc.id, top.start, top.end))
            labels.append(it.case.answerable and bool(right))
            suites.append(it.suite)
    groups = [str(i) for i in range(len(rows))]
    return fit_logistic(np.array(rows), np.array(labels), suites, groups, names, FOUND_SIGNS)


def rescored(it: Item, cal: Calibration) -> list[Candidate]:
    """The item's candidates ranked by ``cal``'s sentence model."""
    return Policy(cal).rank(it.cands)


def replay(items: list[Item], cal: Calibration, keep_ratio: float | None = None) -> list[tuple[str, Result]]:
    """The eval verdict of every dev question under ``cal``: the real answerer, verifier and scorer."""
    out = []
    for it in items:
        answerer = ExtractiveAnswerer(Candidates(it.bot.index), Policy(cal), it.bot.settings.max_answer_sentences)
        draft = verify(answerer.choose(it.turn.resolved, rescored(it, cal), keep_ratio))
        out.append((it.suite, check(it.case, render(it.case.question, draft, {}))))
    return out


def macro(results: list[tuple[str, Result]], key: str, kind: str) -> float:
    """Mean over suites (with >= MIN_CASES cases of ``kind``) of metric ``key``."""
    by: dict[str, list[Result]] = defaultdict(list)
    for suite, r in results:
        by[suite].append(r)
    vals = []
    for rs in by.values():
        n = sum((r.case.answerable if kind == "answerable" else not r.case.answerable) for r in rs)
        v = metrics(rs).get(key)
        if n >= MIN_CASES and v is not None:
            vals.append(float(v))
    return float(np.mean(vals)) if vals else 0.0


def read_items(items: list[Item], prerank: Logistic) -> None:
    """Every item's best ``READ_TOP`` candidates under ``prerank`` read by the shipped reader, as
    ``Policy.rank`` reads them when answering."""
    from tqdm import tqdm

    reader = Reader()
    for it in tqdm(items, desc="reading", unit="question"):
        it.cands = read_top(it.cands, prerank, reading(reader, it.turn.query))


def levels_point(measured: dict[str, dict[str, float]]) -> str:
    """The operating point the levels fit leaves: the found threshold is balanced's."""
    return ("found threshold per strictness level, the highest refusing at most its share of answerable dev "
            "questions (macro over suites); the found model's own is balanced's: " + "; ".join(
                f"{lv} {m['threshold']:.4f} refuses {m['answerable refused']:.1%}" for lv, m in measured.items()))


def fit_selective(path: Path, settings: Settings) -> Calibration:
    """The calibration in ``path`` with its strictness levels and weak-evidence band fitted on
    the dev outcomes of the fitted suites (``selective``), written back; balanced is the found
    threshold."""
    embedder = make_embedder(settings)
    cal = load_calibration(embedder.model_id, path)
    outcomes = [o for suite in FIT_SUITES for o in suite_outcomes(suite, "dev", embedder, settings, cal)]
    levels, weak = fit_levels(outcomes), fit_weak(outcomes)
    measured = {level: {"threshold": round(t, 6), "answerable refused": round(false_refusal(outcomes, t) or 0, 4)}
                for level, t in levels.items()}
    for level, m in measured.items():
        typer.echo(f"  {level}: found threshold {m['threshold']:.4f}, dev answerable refused "
                   f"{m['answerable refused']:.1%} (target {STRICTNESS_TARGET[level]:.0%}, macro over suites)")
    typer.echo(f"  weak evidence below found p {weak:.4f} (fewer than {WEAK_RIGHT:.0%} of those answers right)")
    cal = replace(cal, levels=dict(levels), weak_below=weak, found=replace(cal.found, threshold=levels["balanced"]),
                  operating_point=levels_point(measured),
                  fitted={**cal.fitted, "levels": measured, "weak_below": f"isotonic fit of right on found p over "
                          f"{sum(o.gate == 'found' for o in outcomes)} dev answers of the found model"})
    path.write_text(cal.to_json(), encoding="utf-8")
    return cal


def main(plot: bool = typer.Option(True, help="Write the refusal / answer-right curve as a PNG."),
         reader: bool = typer.Option(SHIP_READER, help="Ship the models fitted with the reader's score (the other "
                                                       "fit is kept as the ablation)."),
         levels_only: bool = typer.Option(False, "--levels-only", help="Keep the shipped models; refit only the "
                                          "strictness levels and the weak-evidence band on dev."),
         ) -> None:
    t0 = time.perf_counter()
    convert_all()
    if levels_only:
        settings = Settings()
        fit_selective(CALIBRATION_DIR / f"{slug(make_embedder(settings).model_id)}.json", settings)
        typer.echo(f"({time.perf_counter() - t0:.0f} s)")
        return
    items = collect(Settings())
    model_id = items[0].bot.embedder.model_id
    typer.echo(f"{len(items)} dev questions: " + ", ".join(
        f"{s} {sum(it.suite == s for it in items)}" for s in FIT_SUITES))
    prerank, p_info = fit_sentence(items, usable(FEATURES, reads=False))
    _show("sentence model without the reader", prerank, p_info)
    typer.echo("== every model without the reader ==")
    plain, plain_curve = fit_rest(items, Calibration(model_id, prerank, Logistic(bias=30.0)), p_info)
    typer.echo("== with the reader ==")
    read_items(items, prerank)
    sentence, s_info = fit_sentence(items, usable(FEATURES, reads=True))
    _show("sentence model with the reader", sentence, s_info)
    s_info = {**s_info, "prerank": p_info, "reader": f"{READER_FILE.name} sha256 {sha256(READER_FILE)}"}
    read, read_curve = fit_rest(items, Calibration(model_id, sentence, Logistic(bias=30.0), prerank=prerank), s_info)
    (shipped, curve), other = ((read, read_curve), plain) if reader else ((plain, plain_curve), read)
    path = CALIBRATION_DIR / f"{slug(model_id)}.json"
    path.write_text(shipped.to_json(), encoding="utf-8")
    ABLATION.write_text(other.to_json(), encoding="utf-8")
    typer.echo(f"wrote {path} ({'with' if reader else 'without'} the reader) and the ablation {ABLATION} "
               f"({time.perf_counter() - t0:.0f} s)")
    fit_selective(path, Settings())
    if plot:
        _plot(curve, shipped.found.threshold, EXTERNAL / "calibration.png")


def fit_rest(items: list[Item], cal: Calibration, s_info: dict[str, Any]
             ) -> tuple[Calibration, list[tuple[float, float, float, float]]]:
    """Everything after the sentence model (``cal.sentence``): the found model and its threshold,
    keep_ratio, the conflict model; the calibration and the found threshold's curve."""
    found, f_info = fit_found(items, cal)  # cal's found model says "found" always, while fitting
    _show("found model", found, f_info)

    cal = replace(cal, found=replace(found, threshold=0.0))
    scores = {}  # keep_ratio first, answering everything: how much to quote when answering
    for ratio in RATIOS:
        res = replay(items, replace(cal, conflict_ratio=ratio), ratio)  # as before the conflict_ratio fit
        ar, cp = macro(res, "answer_right", "answerable"), macro(res, "citation_precision", "answerable")
        scores[ratio] = 2 * ar * cp / (ar + cp) if ar + cp else 0.0
        typer.echo(f"  keep_ratio {ratio:.1f}: answer right {ar:.1%}, citation precision {cp:.1%}, "
                   f"harmonic mean {scores[ratio]:.1%}")
    keep = min(r for r in RATIOS if scores[r] >= max(scores.values()) - RATIO_TOLERANCE)
    cal = replace(cal, keep_ratio=keep, conflict_ratio=keep)  # fit_pairs refits conflict_ratio
    probs = sorted({round(found.prob(question_features(rescored(it, cal))), 4) for it in items if it.cands})
    curve = []
    for t in sorted(set(np.quantile(probs, np.linspace(0, 1, 61)).round(4))):
        res = replay(items, replace(cal, found=replace(found, threshold=float(t))))
        curve.append((float(t), macro(res, "refusal_accuracy", "unanswerable"),
                      macro(res, "answer_right", "answerable"), macro(res, "false_refusal_rate", "answerable")))
    for t, a, b, c in curve[:: max(1, len(curve) // 15)]:
        typer.echo(f"  threshold {t:.4f}: unanswerable refused {a:.1%}, answerable answered right {b:.1%}, "
                   f"answerable refused {c:.1%}")
    ok = [c for c in curve if c[3] <= MAX_FALSE_REFUSAL]
    threshold, refused, right, false_refusal = ok[-1] if ok else curve[0]
    cal = replace(cal, found=replace(found, threshold=threshold))
    typer.echo(f"keep_ratio {keep}, found threshold {threshold:.4f}: dev answerable refused {false_refusal:.1%}, "
               f"answered right {right:.1%}; unanswerable refused {refused:.1%} (macro over suites)")
    final = replace(fit_pairs(items, cal), retrieval=retrieval_key(items[0].bot.settings), operating_point=(
        f"highest found threshold refusing <= {MAX_FALSE_REFUSAL:.0%} of answerable dev questions (macro over "
        f"suites): answerable refused {false_refusal:.1%}, answered right {right:.1%}; unanswerable refused "
        f"{refused:.1%}"),
        fitted={"splits": "dev of " + ", ".join(FIT_SUITES), "date": time.strftime("%Y-%m-%d"),
                "questions": {s: sum(it.suite == s for it in items) for s in FIT_SUITES},
                "sentence": s_info, "found": f_info,
                "curve": [[round(x, 4) for x in point] for point in curve]})
    return final, curve


def fit_pairs(items: list[Item], cal: Calibration) -> Calibration:
    """The pair model and its threshold, fitted at each candidate ``conflict_ratio``; the ratio
    and threshold that best separate planted conflicts from none (flagged where planted minus
    flagged where none was) are kept."""
    best: tuple[float, Calibration] = (-2.0, cal)
    for ratio in CONFLICT_RATIOS:
        score, pair = _fit_pairs_at(items, cal, ratio)
        typer.echo(f" conflict_ratio {ratio}: flagged where planted minus where none was {score:.1%}")
        if score > best[0] + 1e-9:
            best = (score, replace(cal, pair=pair, conflict_ratio=ratio))
    return best[1]


def _fit_pairs_at(items: list[Item], cal: Calibration, ratio: float) -> tuple[float, Logistic]:
    from sklearn.linear_model import LogisticRegression

    names = usable(PAIR_FEATURES, cal.reads)
    rows, labels, where = [], [], []
    def true_vs_planted(case: Case, x: Candidate, y: Candidate) -> bool:
        return bool(states_answer(case, x.text)) and any(mentions(y.text, p) for p in case.expect.get("planted", []))

    ruled: set[int] = set()  # questions flagged by rule, whatever the model says
    for it in items:
        for a, b in Policy(cal).conflict_pairs(rescored(it, cal), ratio):
            if by_rule(a, b):
                ruled.add(id(it))
                continue
            f = pair_features(a, b)
            rows.append([f[n] for n in names])
            labels.append(true_vs_planted(it.case, a, b) or true_vs_planted(it.case, b, a))
            where.append(it)
    X, y = np.array(rows), np.array(labels)
    typer.echo(f"conflict pairs at ratio {ratio}: {len(y)} ({int(y.sum())} true vs planted)")
    if len(set(y)) < 2:
        return -1.0, Logistic(tuple(names), (0.0,) * len(names), 0.0, 1.0)  # nothing to fit: rules alone
    model = LogisticRegression(C=1.0, max_iter=5000).fit(X, y)
    for n, c in sorted(zip(names, model.coef_[0], strict=True), key=lambda x: -abs(x[1])):
        typer.echo(f"  {n:9s} {c:+.3f}")
    probs = model.predict_proba(X)[:, 1]
    pm = Logistic(tuple(names), tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0]))
    best = (-2.0, 1.0)
    planted = [it for it in items if it.case.expect.get("conflict") is True]
    calm = [it for it in items if it.case.expect.get("conflict") is False]
    for t in [*sorted(set(np.round(probs, 4))), 1.0]:  # 1.0: the rules alone
        flagged = ruled | {id(it) for it, p in zip(where, probs, strict=True) if p >= t}
        hit = sum(id(it) in flagged for it in planted) / max(1, len(planted))
        false = sum(id(it) in flagged for it in calm) / max(1, len(calm))
        if hit - false > best[0] + 1e-9:
            best = (hit - false, float(t))
            typer.echo(f"  conflict threshold {t:.4f}: flagged where planted {hit:.1%}, where none was {false:.1%}")
    return best[0], replace(pm, threshold=best[1])


def _plot(curve: list[tuple[float, float, float, float]], threshold: float, path: Any) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t, refused, right, false_refusal = zip(*curve, strict=True)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    ax.plot(t, refused, label="unanswerable refused (dev, macro)")
    ax.plot(t, right, label="answerable answered right (dev, macro)")
    ax.plot(t, false_refusal, label="answerable refused (dev, macro)")
    ax.axhline(MAX_FALSE_REFUSAL, color="gray", linestyle=":", linewidth=0.8)
    ax.axvline(threshold, color="gray", linestyle="--", label=f"operating point {threshold:.3f}")
    ax.set_xlabel("found threshold on P(the best sentence is a right answer)")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


if __name__ == "__main__":
    typer.run(main)
