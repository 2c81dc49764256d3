"""Checks of an Answer against the documents, shared by the answer and CLI tests."""

from __future__ import annotations

from assistant.answering.present import answer_json, answer_text
from assistant.records import Answer, squash

from .conftest import CORPUS


def doc_text(source: str) -> str:
    return (CORPUS / source).read_text(encoding="utf-8")


def assert_every_claim_is_in_its_citation(answer: Answer) -> None:
    """Property 5 and the JSON contract: quotes are real spans and contain what cites them."""
    by_n = {c.n: c for c in answer.citations}
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert c.quote == doc_text(c.source)[c.start : c.end]
    assert answer.claims, f"no cited claim in {answer_text(answer)!r}"
    claims, text = answer.claims, answer_text(answer)
    for i, claim in enumerate(claims):
        assert claim.n in by_n, f"claim cites [{claim.n}], which has no citation"
        assert claim.text == squash(claim.text), f"whitespace not squashed in {claim.text!r}"
        assert claim.text in squash(by_n[claim.n].quote), f"[{claim.n}] does not contain {claim.text!r}"
        if claim.role == "answer" and i + 1 < len(claims) and claims[i + 1].n == claim.n:
            assert f"{claim.text}: {claims[i + 1].text} [{claim.n}]" in text  # the lead shares its marker
        else:
            assert f"{claim.text} [{claim.n}]" in text


def without_timings(d: dict[str, object]) -> dict[str, object]:
    """An answer's JSON without its timings: what two runs of the same question must share."""
    return {k: v for k, v in d.items() if k != "timings_ms"}


def decisions(answer: Answer) -> dict[str, object]:
    return without_timings(answer_json(answer))
