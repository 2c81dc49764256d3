"""Eval outputs: the console summary, report.json, junit.xml, report.md and a metrics chart.

Everything except timings is a pure function of the results, so two runs give identical
reports (timings aside).
"""

from __future__ import annotations

import json
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ..answering.present import answer_text
from ..errors import EvalSuiteError
from .evals import Result, metrics

RATE_METRICS = ["pass_rate", "figure_accuracy", "attribution_accuracy", "citation_precision",
                "citation_recall", "span_support", "hit@5", "mrr", "refusal_accuracy", "false_refusal_rate"]


def load_thresholds(path: Path) -> dict[str, dict[str, float]]:
    """``{"min": {...}, "max": {...}}`` from a TOML file; a missing file means no thresholds."""
    if not path.exists():
        return {"min": {}, "max": {}}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise EvalSuiteError(f"{path}: cannot read thresholds ({e})") from None
    if unknown := set(data) - {"min", "max"}:
        raise EvalSuiteError(f"{path}: unknown table(s) {sorted(unknown)}; use [min] and [max]")
    out: dict[str, dict[str, float]] = {"min": {}, "max": {}}
    for bound in ("min", "max"):
        for k, v in data.get(bound, {}).items():
            if k not in RATE_METRICS:
                raise EvalSuiteError(f"{path}: unknown metric {k!r} in [{bound}]; known: {RATE_METRICS}")
            out[bound][k] = float(v)
    return out


def shortfalls(overall: dict[str, Any], thresholds: dict[str, dict[str, float]]) -> list[str]:
    out = []
    for k, want in thresholds["min"].items():
        have = overall.get(k)
        if have is not None and have < want:
            out.append(f"{k} {have:.3f} < {want:.3f}")
    for k, want in thresholds["max"].items():
        have = overall.get(k)
        if have is not None and have > want:
            out.append(f"{k} {have:.3f} > {want:.3f}")
    return out


def aggregate(results: list[Result]) -> dict[str, Any]:
    suites = sorted({r.case.suite for r in results})
    return {
        "overall": metrics(results),
        "suites": {s: metrics([r for r in results if r.case.suite == s]) for s in suites},
    }


def case_line(r: Result) -> str:
    status = "PASS" if r.passed else "FAIL"
    why = "" if r.passed else "  - " + "; ".join(r.reasons)
    return f"{status} {r.case.suite}/{r.case.id}{why}"


def _fmt(v: Any) -> str:
    return "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))


def table(agg: dict[str, Any]) -> str:
    """Markdown table: one row per suite and one for all, one column per metric."""
    cols = ["cases", *RATE_METRICS, "seconds"]
    rows = [*agg["suites"].items(), ("**all**", agg["overall"])]
    head = "| suite | " + " | ".join(cols) + " |\n|" + "---|" * (len(cols) + 1) + "\n"
    return head + "\n".join(f"| {name} | " + " | ".join(_fmt(m.get(c)) for c in cols) + " |" for name, m in rows)


def _case_record(r: Result) -> dict[str, Any]:
    return {
        "suite": r.case.suite, "id": r.case.id, "turns": list(r.case.turns), "note": r.case.note,
        "expect": r.case.expect, "verdict": "pass" if r.passed else "fail", "reasons": r.reasons,
        "answer": answer_text(r.reply), "found": r.reply.found, "found_p": r.reply.found_p,
        "evidence": r.reply.evidence,
        "conflict": r.reply.conflict, "conflict_p": r.reply.conflict_p,
        "citations": [c.to_dict() for c in r.reply.citations],
        "related": [c.to_dict() for c in r.reply.related],
        "retrieved": list(r.reply.retrieved), "seconds": round(r.seconds, 4),
    }


def write_reports(out: Path, results: list[Result], agg: dict[str, Any], failed: list[str],
                  asked: dict[str, str] | None = None) -> list[Path]:
    """The report files; ``asked`` names what the suites were asked of: {"collection", "index",
    "strictness"}."""
    out.mkdir(parents=True, exist_ok=True)
    asked = asked or {}
    report = {**asked, "aggregates": agg, "thresholds_failed": failed, "cases": [_case_record(r) for r in results]}
    paths = [out / "report.json", out / "junit.xml", out / "report.md", out / "metrics.png"]
    paths[0].write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    _junit(paths[1], results)
    fails = [r for r in results if not r.passed]
    level = f" at strictness `{asked['strictness']}`" if asked.get("strictness") else ""
    where = [f"Asked of collection `{asked['collection']}` (index `{asked['index']}`){level}.", ""] if asked else []
    md = ["# Eval report", "", *where, table(agg), "", f"Thresholds: {'all met' if not failed else '; '.join(failed)}",
          "", f"## Failing cases ({len(fails)})", ""]
    md += [f"- `{r.case.suite}/{r.case.id}` {r.case.question!r}: {'; '.join(r.reasons)}" for r in fails] or ["none"]
    paths[2].write_text("\n".join(md) + "\n", encoding="utf-8")
    _chart(paths[3], agg)
    return paths


def _junit(path: Path, results: list[Result]) -> None:
    root = ET.Element("testsuites", name="assistant-evals")
    for suite in sorted({r.case.suite for r in results}):
        rs = [r for r in results if r.case.suite == suite]
        el = ET.SubElement(root, "testsuite", name=suite, tests=str(len(rs)),
                           failures=str(sum(not r.passed for r in rs)), time=f"{sum(r.seconds for r in rs):.3f}")
        for r in rs:
            tc = ET.SubElement(el, "testcase", classname=f"evals.{suite}", name=r.case.id, time=f"{r.seconds:.3f}")
            if not r.passed:
                f = ET.SubElement(tc, "failure", message="; ".join(r.reasons))
                f.text = f"question: {r.case.question}\nanswer: {answer_text(r.reply)}"
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _chart(path: Path, agg: dict[str, Any]) -> None:
    """Grouped bars: each rate metric, one bar per suite (and all)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [*agg["suites"].items(), ("all", agg["overall"])]
    width = 0.8 / len(groups)
    fig, ax = plt.subplots(figsize=(11, 4.2), dpi=110)
    for i, (name, m) in enumerate(groups):
        xs = [j + i * width for j in range(len(RATE_METRICS))]
        ax.bar(xs, [m.get(k) or 0.0 for k in RATE_METRICS], width, label=name)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(RATE_METRICS))])
    ax.set_xticklabels([k.replace("_", "\n") for k in RATE_METRICS], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share (false_refusal_rate: lower is better)")
    ax.set_title("Eval metrics per suite")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})  # no timestamp: identical bytes run to run
    plt.close(fig)
