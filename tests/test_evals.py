"""The evaluator is tested too: matching rules, verdicts with reasons, suite validation, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answering.present import answer_text as text
from assistant.errors import EvalSuiteError
from assistant.interfaces.evals import Case, _reply, check, load_suite, metrics
from assistant.records import Answer, CellRef, Citation, Claim, Derived, Operand

QUOTE = "If Japan merely kept its 21 percent share of the market, Japan could sell about 2 million cars."


def case(**expect) -> Case:  # type: ignore[no-untyped-def]
    return Case("c1", ("question?",), expect, suite="t")


def test_a_correct_reply_passes():
    r = check(case(figures=["21 percent"], sources=["002"], attribution=["Japan"]),
              _reply(f"{QUOTE} [1]", ["002_f7fc.txt"]))
    assert r.passed and r.reasons == []


def test_wrong_figure_fails_with_reason():
    r = check(case(figures=["1.6 million"]), _reply("Japan exported 11.6 million cars.", ["000.txt"]))
    assert not r.passed and r.reasons == ["missing figure '1.6 million'"]
    r = check(case(figures=["1.6 million"]), _reply("Japan exported 1.65 million cars.", ["000.txt"]))
    assert r.reasons == ["missing figure '1.6 million'"]


def test_figures_any_needs_one():
    ok = check(case(figures_any=["1.9 million", "1.82 million"]), _reply("held to 1.82 million", ["002"]))
    bad = check(case(figures_any=["1.9 million", "1.82 million"]), _reply("held to 1.8 million", ["002"]))
    assert ok.passed and not bad.passed and "none of the figures" in bad.reasons[0]


def test_wrong_source_fails_with_reason():
    r = check(case(sources=["002"]), _reply("x", ["000_936d.txt"]))
    assert len(r.reasons) == 1 and r.reasons[0].startswith("no citation from ['002']")
    r = check(case(sources_all=["000", "001"]), _reply("x", ["000_936d.txt"]))
    assert r.reasons == ["no citation from '001'"]


def test_missing_speaker_fails_with_reason():
    r = check(case(attribution=["Watanabe", "Foreign Affairs"]), _reply("He said it was dismal.", ["001"]))
    assert r.reasons == ["speaker not named (expected one of ['Watanabe', 'Foreign Affairs'])"]


def test_answering_an_unanswerable_question_fails():
    r = check(case(unanswerable=True), _reply("Toyota earned 5 billion yen.", ["000"]))
    assert "answered a question the documents cannot answer" in r.reasons
    assert any("stated figure" in x and "5 billion" in x for x in r.reasons)
    refused = check(case(unanswerable=True), _reply("Not found in the documents.", [], found=False))
    assert refused.passed


def test_refusing_an_answerable_question_fails():
    r = check(case(figures=["21 percent"]), _reply("Not found in the documents.", [], found=False))
    assert r.reasons[0] == "refused (found=false) a question the documents answer"


def test_span_support_counts_figures_outside_their_citation():
    from assistant.records import Answer, Citation

    cites = (Citation(1, "002", 0, 10, "a 21 percent share", 1.0), Citation(2, "000", 0, 10, "no figure here", 1.0))
    reply = Answer("q", True, (Claim("a 21 percent share", 1), Claim("a 21 percent share", 2)), cites)
    r = check(case(sources=["002"]), reply)
    assert (r.cited_figures, r.supported_figures) == (2, 1)
    assert metrics([r])["span_support"] == 0.5


def test_a_sentence_holding_its_own_markers_scores_by_claims():
    """A document sentence containing "[2]" and "(1)" is one claim of citation 1: its markers are
    neither citations nor figures, and the answer text shows them escaped beside the real one."""
    from assistant.records import Answer, Citation

    quote = "Sales rose 4.2 percent [2] in the year (1) as reported."
    reply = Answer("q", True, (Claim(quote, 1),), (Citation(1, "a.txt", 0, len(quote), quote, 1.0),))
    assert text(reply) == quote.replace("[2]", "\\[2]") + " [1]"
    r = check(case(figures=["4.2 percent"], sources=["a"]), reply)
    assert r.passed and (r.cited_figures, r.supported_figures) == (3, 3)  # 4.2 percent, 2, 1: all in the span
    assert metrics([r])["span_support"] == 1.0
    unanswerable = check(case(unanswerable=True), Answer("q", False))
    assert unanswerable.passed


def _write(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "suite.jsonl"
    p.write_text("\n".join(lines) + "\n")
    return p


@pytest.mark.parametrize(("line", "message"), [
    ('{"id": "a", "question": "q?", "expect": {"figure": ["1"]}}', "unknown expect key(s) ['figure']"),
    ('{"id": "a", "questoin": "q?", "expect": {"figures": ["1"]}}', "unknown key(s) ['questoin']"),
    ('{"id": "a", "question": "q?"}', '"expect" must be a non-empty object'),
    ('{"id": "a", "question": "q?", "turns": ["q"], "expect": {"figures": ["1"]}}', "exactly one of"),
    ('{"id": "a", "question": "q?", "expect": {"figures": "1.6 million"}}', "non-empty list of strings"),
    ('{"id": "a", "question": "q?", "expect": {"unanswerable": "yes"}}', "true or false"),
    ('{"id": "a", "question": "q?", "expect": {"figures": ["1"]}', "not valid JSON"),
    ('{"id": "a", "question": "q?", "expect": {"scale": "millions"}}', 'expect "scale" must be one of'),
    ('{"id": "a", "question": "q?", "expect": {"cells": [{"row": "Sales"}]}}', 'expect "cells" must be a list'),
    ('{"id": "a", "question": "q?", "expect": {"exact": "16,682"}}', "non-empty list of strings"),
    ('{"id": "a", "question": "q?", "expect": {"derived": {"value": "a lot"}}}', 'expect "derived" must be'),
    ('{"id": "a", "question": "q?", "expect": {"derived": {"value": "1", "op": "mean"}}}', 'expect "derived" must be'),
])
def test_malformed_suite_names_file_and_line(tmp_path, line, message):
    good = '{"id": "ok", "question": "q?", "expect": {"figures": ["1"]}}'
    path = _write(tmp_path, [good, "", line])
    with pytest.raises(EvalSuiteError) as err:
        load_suite(path)
    assert f"{path}:3:" in str(err.value) and message in str(err.value)


def test_duplicate_ids_are_rejected(tmp_path):
    line = '{"id": "a", "question": "q?", "expect": {"figures": ["1"]}}'
    with pytest.raises(EvalSuiteError, match="duplicate id"):
        load_suite(_write(tmp_path, [line, line]))


def test_seed_suite_is_valid_and_large_enough():
    root = Path(__file__).resolve().parent.parent / "evals"
    cases = load_suite(root / "seeds.jsonl")
    assert len(cases) >= 45
    kinds = {c.id.split("-")[0] for c in cases}
    assert {"fig", "conf", "att", "conv", "para", "una"} <= kinds


def _eval(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant", "eval", *args],
                          capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})


@pytest.mark.model
def test_eval_runs_against_the_named_collection_and_says_so(tmp_path):
    """`assistant eval -c NAME` asks that collection's index; without it the same suite asks the
    default documents, and both the output and the reports name which one was asked."""
    env = {"ASSISTANT_COLLECTIONS_DIR": str(tmp_path / "collections")}
    corpus = tmp_path / "collections" / "hr" / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "leave.txt").write_text("Staff at the Orvane office receive 31 days of paid leave a year.\n")
    p = subprocess.run([sys.executable, "-m", "assistant", "index", "-c", "hr", "-q"], capture_output=True, text=True,
                       timeout=300, env={**os.environ, **env})
    assert p.returncode == 0, p.stderr
    suite = _write(tmp_path, ['{"id": "leave", "question": "How many days of paid leave do Orvane staff get?", '
                              '"expect": {"figures": ["31 days"]}}'])
    p = _eval(str(suite), "-c", "hr", "--min-pass", "1", "--report-dir", str(tmp_path / "out"), env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    index = tmp_path / "collections" / "hr" / "index"
    assert f"asking collection 'hr' (index {index})" in p.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert (report["collection"], report["index"]) == ("hr", str(index))
    assert f"Asked of collection `hr` (index `{index}`)" in (tmp_path / "out" / "report.md").read_text()
    p = _eval(str(suite), "--min-pass", "1", env=env)  # the default documents say nothing of Orvane
    assert p.returncode == 1 and "asking collection 'default'" in p.stdout
    p = _eval(str(suite), "-c", "nope", env=env)
    assert p.returncode == 2 and "No collection named 'nope'" in p.stderr


@pytest.mark.model
def test_cli_exit_codes_and_deterministic_reports(tmp_path, real_index_settings):
    idx = str(real_index_settings.index_dir)
    bad = _write(tmp_path, ['{"id": "a", "question": "q?", "expect": {"figurez": ["1"]}}'])
    p = _eval(str(bad), "--index", idx)
    assert p.returncode == 2 and f"{bad}:1:" in p.stderr and "Traceback" not in p.stderr

    suite = tmp_path / "mini.jsonl"
    suite.write_text("\n".join(json.dumps(c) for c in [
        {"id": "good", "question": "What share of the U.S. market did Japan reach last year?",
         "expect": {"figures": ["21 percent"], "sources": ["002"]}},
        {"id": "wrong", "question": "What share of the U.S. market did Japan reach last year?",
         "expect": {"figures": ["22 percent"]}},
        {"id": "una", "question": "What was Toyota's profit in 1980?", "expect": {"unanswerable": True}},
    ]) + "\n")
    reports = []
    for run in ("a", "b"):
        out = tmp_path / run
        p = _eval(str(suite), "--index", idx, "--report-dir", str(out), "--min-pass", "0.9")
        assert p.returncode == 1, p.stdout + p.stderr  # 2 of 3 pass < 0.9
        assert "PASS mini/good" in p.stdout and "FAIL mini/wrong  - missing figure '22 percent'" in p.stdout
        assert "pass_rate 0.667 < 0.900" in p.stderr
        for name in ("report.json", "junit.xml", "report.md", "metrics.png"):
            assert (out / name).stat().st_size > 0
        rep = json.loads((out / "report.json").read_text())
        for c in rep["cases"]:
            c.pop("seconds")
        for m in [rep["aggregates"]["overall"], *rep["aggregates"]["suites"].values()]:
            m.pop("seconds")
        reports.append(rep)
    assert reports[0] == reports[1]
    junit = (tmp_path / "a" / "junit.xml").read_text()
    assert 'name="wrong"' in junit and "<failure" in junit and 'failures="1"' in junit
    only_pass_rate = tmp_path / "thresholds.toml"
    only_pass_rate.write_text("[min]\npass_rate = 0.6\n")
    p = _eval(str(suite), "--index", idx, "--thresholds", str(only_pass_rate))
    assert p.returncode == 0 and "2 of 3 cases passed" in p.stdout


def test_speaker_is_scored_by_the_first_name_the_answer_gives():
    right = check(case(speaker=["Taizo Watanabe"], speaker_kind="resolved"),
                  _reply("Watanabe said Ito met Brock.", ["001"]))
    wrong = check(case(speaker=["Taizo Watanabe"], speaker_kind="resolved"),
                  _reply("Ito said Watanabe met Brock.", ["001"]))
    assert right.speaker_first is True and right.passed
    assert wrong.speaker_first is False and any("first name given is 'Ito'" in x for x in wrong.reasons)
    m = metrics([right, wrong])
    assert m["speaker_first_resolved"] == 0.5 and m["speaker_first_named"] is None


def test_the_first_quote_holds_the_short_answer_cut_from_it_and_the_short_answer_is_scored_alone():
    """The short answer said first is part of the first quote (it is cut from that sentence and
    cites it); whether the short answer itself states the answer is its own metric."""
    from assistant.records import Answer, Citation

    sentence = "Operating income decreased $352 million in fiscal 2019."
    cite = Citation(1, "a.txt", 0, len(sentence), sentence, 1.0)
    short = Answer("q", True, (Claim("$352 million", 1, "answer"), Claim(sentence, 1)), (cite,))
    r = check(case(answers=[["decreased $352 million"]]), short)
    assert r.answer_ok and r.first_quote_ok and r.short_ok is False
    m = metrics([r])
    assert (m["first_quote"], m["short_answer"], m["short_given"]) == (1.0, 0.0, 1.0)
    right = check(case(answers=[["$352 million"]]), short)
    assert right.short_ok is True
    plain = check(case(answers=[["$352 million"]]), Answer("q", True, (Claim(sentence, 1),), (cite,)))
    assert plain.short_ok is None and metrics([plain])["short_answer"] is None


def _cell_reply(value: str, label: str, headers: tuple[str, ...]) -> Answer:
    cite = Citation(1, "income.csv", 10, 10 + len(value), value, 1.0, cell=CellRef(0, 3, 1, headers))
    return Answer("q", True, (Claim(value, 1, "answer", label),), (cite,))


def test_exact_scale_and_cells_score_the_answer_said_first():
    """TAT-QA's way: the value said first, normalised, at its scale; and the cell it was read from."""
    good = _cell_reply("16,682", " million ($)", ("Cost of sales", "2018"))
    r = check(case(exact=["16,682"], scale="million", cells=[{"row": "Cost of sales", "column": "2018"}]), good)
    assert r.passed and r.exact_ok and r.scale_ok, r.reasons
    wrong_scale = _cell_reply("16,682", " thousand ($)", ("Cost of sales", "2018"))
    r = check(case(exact=["16,682"], scale="million"), wrong_scale)
    assert r.exact_ok and r.scale_ok is False and r.reasons == ["said at scale 'thousand', expected 'million'"]
    wrong_cell = _cell_reply("16,055", " million ($)", ("Cost of sales", "2017"))
    r = check(case(exact=["16,682"], cells=[{"row": "Cost of sales", "column": "2018"}]), wrong_cell)
    assert not r.exact_ok and len(r.reasons) == 2 and "'Cost of sales' and '2018'" in r.reasons[1]
    said_later = Answer("q", True, (Claim("Cost of sales was 16,682 in 2018.", 1),), good.citations)
    assert check(case(exact=["16,682"]), said_later).exact_ok is False  # stated, but not said first
    m = metrics([check(case(exact=["16,682"], scale="million"), good), check(case(exact=["1"], scale="none"), good)])
    assert (m["exact"], m["scale_right"]) == (0.5, 0.5)


def test_derived_gates_on_the_computed_figure_and_its_operation():
    cells = (Citation(1, "m.csv", 0, 6, "16,682", 1.0), Citation(2, "m.csv", 9, 15, "16,055", 1.0))
    computed = Answer("q", True, (Claim("16,682", 1, "operand"), Claim("16,055", 2, "operand")), cells,
                      derived=Derived("change", (Operand(1, "16682"), Operand(2, "16055")), "627"))
    assert check(case(derived={"value": "627"}), computed).passed
    assert check(case(derived={"value": "627.00", "op": "change"}), computed).passed  # a number, not a string
    r = check(case(derived={"value": "627", "op": "percent_change"}), computed)
    assert r.reasons == ["derived figure change = 627, expected percent_change = 627"]
    r = check(case(derived={"value": "627"}), _reply("Cost of sales rose by 627.", ["m.csv"]))
    assert r.reasons == ["derived figure none, expected any = 627"]  # stated, not computed: fails


@pytest.mark.parametrize(("why", "derived", "ok"), [
    ("right", Derived("change", (Operand(1, "16682"), Operand(2, "16055")), "627"), True),
    ("wrong result", Derived("change", (Operand(1, "16682"), Operand(2, "16055")), "637"), False),
    ("operand not its cell's figure", Derived("change", (Operand(1, "16682"), Operand(2, "16065")), "617"), False),
    ("operand cites no citation", Derived("change", (Operand(1, "16682"), Operand(3, "16055")), "627"), False),
])
def test_every_derived_figure_is_rechecked_from_the_finished_answer(why, derived, ok):
    """Expected or not, a computed figure is recomputed from the quotes its operands cite."""
    cells = (Citation(1, "m.csv", 0, 6, "16,682", 1.0), Citation(2, "m.csv", 9, 15, "16,055", 1.0))
    reply = Answer("q", True, (Claim("16,682", 1, "operand"), Claim("16,055", 2, "operand")), cells, derived=derived)
    r = check(case(), reply)
    assert r.derived_ok is ok and r.passed is ok, why
    assert metrics([r])["derived_recomputed"] == (1.0 if ok else 0.0)
    assert metrics([check(case(), _reply("x", ["m.csv"]))])["derived_recomputed"] is None  # none stated
