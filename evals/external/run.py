"""make eval-external: the assistant and the BM25 baseline on the public suites, dev and test.

    python -m evals.external.run                       # every suite, both splits -> RESULTS.md
    python -m evals.external.run --split dev           # what you tune on
    python -m evals.external.run --split dev --suite rgb-mixed --failures 10

Suites are (re)made by ``convert.py`` from ``../shared/benchmarks/`` (never copied into git);
indexes are built with the real model into the git-ignored ``cache/`` and reused while the
documents are unchanged. Tune on dev only: the test split is for the report.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant import offline  # noqa: F401  (before any model library loads)
from assistant.answering import Calibration, load_calibration
from assistant.answering.conversation import Turn
from assistant.answering.present import answer_text
from assistant.core import Assistant, build, index_corpus, make_embedder
from assistant.errors import IndexMismatchError
from assistant.indexing.embedding import Embedder
from assistant.interfaces.evals import Case, Result, load_suite, metrics, run_cases
from assistant.records import STRICTNESS, Strictness
from assistant.settings import Settings

from .baseline import BM25BestSentence, NearestName
from .convert import DATA, SUITES, convert_all
from .selective import Outcome, Point, answer_all, curve, first_score, outcome, plot, point, risk_area

HERE = Path(__file__).resolve().parent
CACHE = HERE / "cache"
COLUMNS = [  # (metric key, column title)
    ("cases", "cases (answerable / not)"), ("answer_right", "answer right"), ("first_quote", "answer in 1st quote"),
    ("short_given", "short answer given (answered)"), ("short_answer", "short answer right (given)"),
    ("exact", "exact, said first"), ("scale_right", "scale right (given)"),
    ("derived_recomputed", "derived figures that recompute"),
    ("refusal_accuracy", "unanswerable refused"), ("false_refusal_rate", "false refusal"),
    ("conflict_flagged", "conflict flagged (planted)"), ("false_conflict", "conflict flagged (none planted)"),
    ("citation_precision", "citation precision"), ("citation_recall", "citation recall"),
    ("speaker_first_named", "speaker named first (named)"),
    ("speaker_first_resolved", "speaker named first (he / the campaign)"),
]
ABLATION_ENGINE = "ablation"
EVERY_ENGINE = "every answer"  # the assistant at found threshold 0: each question's fate at every level
ENGINES = ("assistant", "baseline: BM25 best sentence", ABLATION_ENGINE, EVERY_ENGINE)
ABLATION = HERE / "ablation-calibration.json"  # `make calibrate`'s other fit: with the reader if the shipped is without
ATTRIBUTION_SUITES = {"polnear"}  # who-said suites: their baseline names the nearest speaker too
NEAREST_NAME = "baseline: BM25 sentence + nearest name"

AskFn = Callable[[str, list[Turn]], Turn]


def open_bot(suite: str, corpus: str, embedder: Embedder, settings: Settings,
             calibration: Calibration | None = None) -> Assistant:
    """The assistant over one suite corpus (indexed on first use; unchanged documents reused)."""
    s = settings.model_copy(update={"corpus_dir": DATA / suite / corpus, "index_dir": CACHE / suite / corpus})
    try:
        index_corpus(s, embedder, progress=False)
    except IndexMismatchError:  # a cache made by an older build: make it again
        index_corpus(s, embedder, rebuild=True, progress=False)
    return build(s, embedder=embedder, calibration=calibration)


def engines_for(bot: Assistant, suite: str = "", engines: tuple[str, ...] = ENGINES) -> dict[str, AskFn]:
    """Each engine's ask function over the same index (the baseline of a who-said suite names
    the nearest speaker; the ablation is the assistant with the other fit of ``make calibrate``)."""
    base = NearestName(bot) if suite in ATTRIBUTION_SUITES else BM25BestSentence(bot)
    asks: dict[str, AskFn] = {ENGINES[0]: bot.ask, ENGINES[1]: base.ask}
    if ABLATION_ENGINE in engines:
        asks[ABLATION_ENGINE] = ablation_bot(bot).ask
    if EVERY_ENGINE in engines:
        asks[EVERY_ENGINE] = build(bot.settings, embedder=bot.embedder, index=bot.index, calibration=answer_all(
            load_calibration(bot.embedder.model_id, bot.settings.calibration))).ask
    return asks


def ablation_bot(bot: Assistant) -> Assistant:
    """``bot`` with make calibrate's other fit (the ablation), over the same index and embedder."""
    return build(bot.settings, embedder=bot.embedder, index=bot.index,
                 calibration=load_calibration(bot.embedder.model_id, ABLATION))


def ablation_label() -> str:
    """The ablation row's name: what its models do that the shipped ones do not (or do)."""
    return f"assistant {'with' if load_calibration('', ABLATION).reads else 'without'} the reader"


def cases_of(suite: str, split: str) -> list[Case]:
    path = DATA / suite / f"{split}.jsonl"
    return load_suite(path) if path.exists() else []


def by_corpus(cases: list[Case]) -> Iterator[tuple[str, list[Case]]]:
    groups: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        groups[c.corpus or "corpus"].append(c)
    yield from sorted(groups.items())


def run_suite(suite: str, split: str, embedder: Embedder, settings: Settings,
              engines: tuple[str, ...] = ENGINES) -> dict[str, list[Result]]:
    out: dict[str, list[Result]] = {e: [] for e in engines}
    for corpus, cases in by_corpus(cases_of(suite, split)):
        asks = engines_for(open_bot(suite, corpus, embedder, settings), suite, engines)
        for engine in engines:
            out[engine] += run_cases(asks[engine], cases)
    return out


def suite_outcomes(suite: str, split: str, embedder: Embedder, settings: Settings, cal: Calibration) -> list[Outcome]:
    """Every question of a suite answered once at found threshold 0 under ``cal``: its fate at any level."""
    return [outcome(suite, r) for corpus, cases in by_corpus(cases_of(suite, split))
            for r in run_cases(open_bot(suite, corpus, embedder, settings, answer_all(cal)).ask, cases)]


def selective_table(by_suite: dict[str, dict[str, list[Outcome]]], cal: Calibration
                    ) -> tuple[str, dict[str, dict[str, list[Point]]], dict[str, dict[Strictness, Point]]]:
    """Each suite at each strictness level, and the area of its risk-coverage curve beside the
    baseline's, as Markdown; the curves and the levels' points for the plot."""
    head = ("| suite | " + " | ".join(f"{lv}: answerable refused · answers right · unanswerable refused"
                                       for lv in STRICTNESS)
            + " | risk area, assistant | risk area, baseline | answerable refused by a condition |\n|---|"
            + "---:|" * (len(STRICTNESS) + 3) + "\n")
    lines, curves, marked, examples = [], {}, {}, []
    for suite, engines in by_suite.items():
        every = engines[EVERY_ENGINE]
        pts = {lv: point(every, cal.threshold(lv)) for lv in STRICTNESS}
        cells = [" · ".join(_fmt(x) for x in (1 - p.coverage if any(o.answerable for o in every) else None,
                                              p.accuracy, p.unanswerable_refused)) for p in pts.values()]
        curves[suite] = {"assistant": curve(every), ENGINES[1]: curve(engines[ENGINES[1]])}
        marked[suite] = pts
        area = [risk_area(c) if any(o.answerable for o in every) else None for c in curves[suite].values()]
        answerable = [o for o in every if o.answerable]
        by_condition = [o for o in answerable if o.refused_for]
        kinds = ", ".join(sorted({k for o in by_condition for k in o.refused_for}))
        conditioned = f"{len(by_condition)} of {len(answerable)}" + (f" ({kinds})" if kinds else "") if answerable \
            else "–"
        examples += [f"- {suite}: {o.question!r} ({', '.join(o.refused_for)})" for o in by_condition[:3]]
        lines.append(f"| {suite} | " + " | ".join(cells) + " | " + " | ".join(
            "–" if a is None else f"{a:.2f}" for a in area) + f" | {conditioned} |")
    shown = "\n\nAnswerable questions a condition refused (at every level), up to 3 per suite:\n\n" + (
        "\n".join(examples) or "none") + "\n"
    return head + "\n".join(lines) + shown, curves, marked


def facets(note: str) -> dict[str, str]:
    """A case note's "key=value" words ("type=span from=table rendering=pdf")."""
    return dict(w.split("=", 1) for w in note.split() if "=" in w)


def breakdown(results: list[Result]) -> str:
    """Exact match, scale and refusals by each facet of the cases' notes (answer type, source,
    rendering), as a Markdown table; "" when the cases have none."""
    groups: dict[tuple[str, str], list[Result]] = defaultdict(list)
    for r in results:
        for k, v in facets(r.case.note).items():
            groups[(k, v)].append(r)
    if not groups:
        return ""
    lines = ["| facet | cases | exact, said first | scale right (given) | refused |", "|---|---:|---:|---:|---:|"]
    for (k, v), rs in sorted(groups.items()):
        m = metrics(rs)
        lines.append(f"| {k}={v} | {len(rs)} | {_fmt(m['exact'])} | {_fmt(m['scale_right'])} | "
                     f"{_fmt(sum(not r.reply.found for r in rs) / len(rs))} |")
    return "\n".join(lines) + "\n"


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    return f"{v:.0%}" if isinstance(v, float) else str(v)


def table(rows: list[tuple[str, str, dict[str, Any]]]) -> str:
    head = "| suite | engine | " + " | ".join(t for _, t in COLUMNS) + " |\n"
    head += "|---|---|" + "---:|" * len(COLUMNS) + "\n"
    return head + "\n".join(f"| {s} | {e} | " + " | ".join(_fmt(m.get(k)) for k, _ in COLUMNS) + " |"
                            for s, e, m in rows)


def main(
    split: Annotated[list[str] | None, typer.Option("--split", help="dev and/or test [default: both].")] = None,
    suite: Annotated[list[str] | None, typer.Option("--suite", help=f"Some of {SUITES} [default: all].")] = None,
    failures: Annotated[int, typer.Option("--failures", help="Print this many failing cases per suite.")] = 0,
    write: Annotated[bool, typer.Option(help="Write RESULTS.md and results.json (only for a full run).")] = True,
    engine: Annotated[str, typer.Option(help="'all', 'assistant', 'baseline' or 'ablation' (the assistant with "
                                             "make calibrate's other fit: with / without the reader).")] = "all",
) -> None:
    """Run the external suites; print one table per split (assistant next to the baseline)."""
    splits = split or ["dev", "test"]
    suites = suite or SUITES
    engines = ENGINES if engine == "all" else tuple(e for e in ENGINES if e.startswith(engine))
    t0 = time.perf_counter()
    full = write and suite is None and set(splits) == {"dev", "test"} and engine == "all"  # the report
    convert_all()
    settings = Settings()
    embedder = make_embedder(settings)
    report: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "splits": {}}
    md = []
    ablation = ablation_label()
    wrong: list[str] = []  # derived figures of the assistant that do not recompute from their cited operands
    cal = load_calibration(embedder.model_id, settings.calibration)
    for sp in splits:
        rows: list[tuple[str, str, dict[str, Any]]] = []
        md_breakdowns: list[str] = []
        fates: dict[str, dict[str, list[Outcome]]] = {}
        for name in suites:
            results = run_suite(name, sp, embedder, settings, engines)
            if results.get(EVERY_ENGINE) and results.get(ENGINES[1]):
                fates[name] = {EVERY_ENGINE: [outcome(name, r) for r in results.pop(EVERY_ENGINE)],
                               ENGINES[1]: [outcome(name, r, first_score) for r in results[ENGINES[1]]]}
            for eng, res in results.items():
                if not res:
                    continue  # a suite without this split (polnear has dev only)
                n_ans = sum(r.case.answerable for r in res)
                label = NEAREST_NAME if name in ATTRIBUTION_SUITES and eng == ENGINES[1] else \
                    ablation if eng == ABLATION_ENGINE else eng
                rows.append((name, label, {**metrics(res), "cases": f"{len(res)} ({n_ans} / {len(res) - n_ans})"}))
            for eng, res in results.items():
                if table_of := breakdown(res):
                    md_breakdowns.append(f"### {sp} · {name} · {eng}\n\n{table_of}")
            wrong += [f"{sp}/{name}/{r.case.id}" for r in results.get(ENGINES[0], []) if r.derived_ok is False]
            for r in [r for r in results.get(ENGINES[0], []) if not r.passed][:failures]:
                typer.echo(f"FAIL {sp}/{name}/{r.case.id} {r.case.question!r}\n  {'; '.join(r.reasons)}\n"
                           f"  answer: {answer_text(r.reply)[:300]!r}")
        report["splits"][sp] = [{"suite": s, "engine": e, **m} for s, e, m in rows]
        block = f"## {sp} split\n\n{table(rows)}\n" + "".join(f"\n{b}" for b in md_breakdowns)
        if fates:
            sel, curves, marked = selective_table(fates, cal)
            png = f"risk-coverage-{sp}.png"
            block += (f"\n### {sp} · selective answering\n\nEach strictness level of the assistant (`--strictness`); "
                      "the risk area is the mean share of wrong answers over the coverage its curve spans (lower is "
                      f"better; the baseline ranks its answers by the share of question words covered).\n\n{sel}\n"
                      f"![risk-coverage, {sp}]({png})\n")
            report["splits"][sp + " selective"] = {
                s: {lv: {"coverage": p.coverage, "accuracy": p.accuracy, "unanswerable_refused": p.unanswerable_refused}
                    for lv, p in m.items()} for s, m in marked.items()}
            if full:
                plot(curves, marked, f"Risk-coverage, {sp} split", HERE / png)
        md.append(block)
        typer.echo(block)
    typer.echo(f"({time.perf_counter() - t0:.0f} s)")
    if full:
        (HERE / "results.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        (HERE / "RESULTS.md").write_text(
            f"# External suites\n\n{report['date']}. Made by `make eval-external` "
            "(`python -m evals.external.run`); see `convert.py` for how each suite and its "
            "unanswerable questions are built. Tune on dev; test is reported, never tuned on.\n\n"
            + "\n".join(md), encoding="utf-8")
    if wrong:  # every derived figure must recompute: one that does not is a bug, not a score
        typer.echo(f"{len(wrong)} derived figure(s) do not recompute from their cited operands: {wrong}", err=True)
        raise typer.Exit(1)


if __name__ == "__main__":
    typer.run(main)
