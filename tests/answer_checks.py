"""Checks of an Answer against the documents, shared by the answer and CLI tests."""

from __future__ import annotations

from assistant.records import Answer
from assistant.verify import cited_claims

from .conftest import CORPUS


def doc_text(source: str) -> str:
    return (CORPUS / source).read_text(encoding="utf-8")


def assert_every_claim_is_in_its_citation(answer: Answer) -> None:
    """Property 5 and the JSON contract: quotes are real spans and contain what cites them."""
    by_n = {c.n: c for c in answer.citations}
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert c.quote == doc_text(c.source)[c.start : c.end]
    found = cited_claims(answer.text)
    assert found, f"no cited claim in {answer.text!r}"
    for claim, n in found:
        assert n in by_n, f"marker [{n}] has no citation"
        assert claim in by_n[n].quote, f"[{n}] does not contain {claim!r}"
