"""Checks of an Answer against the documents, shared by the answer and CLI tests."""

from __future__ import annotations

import re

from assistant.records import Answer

from .conftest import CORPUS

_MARKED = re.compile(r"([^\[\]]+?)\s*\[(\d+)\]")


def doc_text(source: str) -> str:
    return (CORPUS / source).read_text(encoding="utf-8")


def claims(answer: Answer) -> list[tuple[str, int]]:
    """(claim text, citation number) for every marker in the answer text."""
    out = []
    for m in _MARKED.finditer(answer.text):
        claim = m.group(1).strip().removeprefix(".)").strip()  # end of a speaker note
        claim = re.sub(r"^(The sources differ on this figure:)?\s*(- )?", "", claim)
        claim = re.sub(r'^\("[^"]+" is ', "", claim)  # speaker note: ("he" is NAME [n].)
        out.append((claim, int(m.group(2))))
    return out


def assert_every_claim_is_in_its_citation(answer: Answer) -> None:
    """Property 5 and the JSON contract: quotes are real spans and contain what cites them."""
    by_n = {c.n: c for c in answer.citations}
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert c.quote == doc_text(c.source)[c.start : c.end]
    found = claims(answer)
    assert found, f"no cited claim in {answer.text!r}"
    for claim, n in found:
        assert n in by_n, f"marker [{n}] has no citation"
        assert claim in by_n[n].quote, f"[{n}] does not contain {claim!r}"
