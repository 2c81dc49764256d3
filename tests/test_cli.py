"""The CLI end to end, as a user runs it (real model, real index on disk)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.answering.present import answer_json
from assistant.records import Answer

from .answer_checks import assert_every_claim_is_in_its_citation, doc_text

pytestmark = pytest.mark.model


def run(*args: str, env_extra: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True,
                          text=True, env=env, timeout=timeout)


def _answer(d: dict) -> Answer:  # type: ignore[type-arg]
    answer = Answer.from_dict(d)
    assert answer_json(answer) == d  # the JSON round-trips, and its text is the claims' presentation
    return answer


def test_ask_json_lines_contract(real_index_settings):
    p = run("ask", "--json", "--index", str(real_index_settings.index_dir),
            "Who is Takashi Ishihara?", "What did his spokesman say?", "What is the population of Tokyo?")
    assert p.returncode == 0, p.stderr
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(rows) == 3
    for d in rows:
        assert isinstance(d["question"], str) and isinstance(d["answer"], str)
        assert isinstance(d["found"], bool)
        assert all(isinstance(v, float) for v in d["timings_ms"].values())
        for c in d["citations"] + d["related"]:
            assert c["quote"] == doc_text(c["source"])[c["start"] : c["end"]]
    assert rows[0]["found"] and rows[1]["found"] and not rows[2]["found"]
    assert "out of the question" in rows[1]["answer"]  # the follow-up resolved "his"
    for d in rows[:2]:
        assert_every_claim_is_in_its_citation(_answer(d))


def test_plain_output_shows_answer_then_numbered_sources(real_index_settings):
    p = run("ask", "--index", str(real_index_settings.index_dir), "What share of the market did Japan hold last year?")
    assert p.returncode == 0, p.stderr
    assert "21 percent" in p.stdout and "Sources:" in p.stdout
    # a source is named by its title (the article's lead words here), the file in parentheses
    assert "[1] Japanese auto makers apparently have rebuffed a direct appeal from…  (002_f7fc15107f3bc862.txt)" \
        in p.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["ask", ""], "empty"),
    (["ask", "x" * 2001], "limit is 2,000"),
    (["ask", "--index", "/nonexistent/index", "How many?"], "No index found"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    p = run(*args)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("error:")
    assert "Traceback" not in p.stderr + p.stdout


def test_mismatched_index_is_refused_with_rebuild_hint(tmp_path, corpus_copy):
    env = {"ASSISTANT_CORPUS_DIR": str(corpus_copy), "ASSISTANT_INDEX_DIR": str(tmp_path / "idx")}
    assert run("index", "-q", env_extra=env).returncode == 0
    p = run("ask", "How many?", env_extra={**env, "ASSISTANT_CHUNK_MAX_TOKENS": "120"})
    assert p.returncode == 2 and "--rebuild" in p.stderr and "Traceback" not in p.stderr
    p = run("index", "-q", env_extra={**env, "ASSISTANT_CHUNK_MAX_TOKENS": "120"})
    assert p.returncode == 2 and "--rebuild" in p.stderr


def test_index_reports_skips_and_summary(tmp_path, corpus_copy):
    (corpus_copy / "photo.txt").write_bytes(b"\xff\xd8\xff\x00JFIF")
    env = {"ASSISTANT_CORPUS_DIR": str(corpus_copy), "ASSISTANT_INDEX_DIR": str(tmp_path / "idx")}
    p = run("index", env_extra=env)
    assert p.returncode == 0, p.stderr
    assert "skipped photo.txt: binary" in p.stderr
    assert "3 documents" in p.stdout and "1 files skipped" in p.stdout
    again = run("index", "-q", env_extra=env)
    assert "nothing embedded" in again.stdout


def test_empty_corpus_is_exit_2(tmp_path):
    (tmp_path / "c").mkdir()
    p = run("index", "--corpus", str(tmp_path / "c"), "--index", str(tmp_path / "i"))
    assert p.returncode == 2 and "No readable" in p.stderr and "Traceback" not in p.stderr


def test_help_explains_commands():
    p = run("--help")
    assert p.returncode == 0 and all(w in p.stdout for w in ("index", "ask", "chat"))


def test_help_names_what_each_option_takes():
    """Options read "--index DIR", "-c NAME", "-k N", not the parser's "<path>" or "<int range>"."""
    p = run("ask", "--help")
    assert p.returncode == 0
    for shown in ("--index DIR", "-c, --collection NAME", "-k N", "{QUESTION}..."):
        assert shown in p.stdout, shown
    assert "<path>" not in p.stdout and "<str>" not in p.stdout and "<int range>" not in p.stdout
