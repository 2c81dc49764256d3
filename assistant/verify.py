"""Check every claim against the span it cites, then render the Answer.

A segment survives only if its span is inside its document, its claim appears verbatim in
the span, and every figure of the claim is a figure of the span. Anything else is dropped
(with the annotations that depended on it); if no claim survives, the answer becomes "not
found". Claims are copied from the documents, so a drop means a bug upstream, and this is the
guard that keeps such a bug from ever reaching a user as a wrong citation.
"""

from __future__ import annotations

import re

from .answer import Draft, Segment
from .figures import find_figures
from .records import Answer, Citation

CONFLICT_LEAD = "The sources differ on this figure:"
_MARKED = re.compile(r"([^\[\]]+?)\s*\[(\d+)\]")
NOT_FOUND = (
    "Not found in the documents: no passage answers this question, so no answer is given. "
    "The nearest passages are listed as related."
)


def supported(seg: Segment) -> bool:
    text = seg.doc.text
    if not (0 <= seg.start < seg.end <= len(text)):
        return False
    quote = text[seg.start : seg.end]
    if seg.claim not in quote:
        return False
    quote_figs = find_figures(quote)
    return all(any(f.same(q) for q in quote_figs) for f in find_figures(seg.claim))


def verify(draft: Draft) -> Draft:
    kept: list[Segment] = []
    index_map: dict[int, int] = {}
    for i, seg in enumerate(draft.segments):
        if seg.supports is not None and seg.supports not in index_map:
            continue  # annotates a dropped claim
        if not supported(seg):
            continue
        index_map[i] = len(kept)
        kept.append(seg if seg.supports is None else
                    Segment(seg.claim, seg.doc, seg.start, seg.end, seg.score, seg.render,
                            index_map[seg.supports]))
    if draft.found and not any(s.supports is None for s in kept):
        return Draft(found=False, related=draft.related)
    return Draft(draft.found, kept, draft.related, draft.conflict)


def _citation(n: int, seg: Segment) -> Citation:
    return Citation(n=n, source=seg.doc.id, start=seg.start, end=seg.end,
                    quote=seg.doc.text[seg.start : seg.end], score=seg.score, page=seg.doc.page)


def render(question: str, draft: Draft, timings_ms: dict[str, float],
           retrieved: tuple[str, ...] = ()) -> Answer:
    """Answer text with [n] markers; identical spans share one number."""
    if not draft.found:
        related = tuple(_citation(i, s) for i, s in enumerate(draft.related, 1))
        return Answer(question, NOT_FOUND, False, (), related, False, timings_ms, retrieved)
    numbers: dict[tuple[str, int, int], int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    for seg in draft.segments:
        key = (seg.doc.id, seg.start, seg.end)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(_citation(numbers[key], seg))
        piece = seg.render.format(claim=seg.claim, n=numbers[key])
        if seg.supports is None:
            parts.append(piece)
        else:
            parts[-1] += " " + piece
    sep = "\n" if draft.conflict else " "
    body = sep.join(("- " + p) if draft.conflict else p for p in parts)
    text = f"{CONFLICT_LEAD}\n{body}" if draft.conflict else body
    return Answer(question, text, True, tuple(citations), (), draft.conflict, timings_ms, retrieved)


def cited_claims(text: str) -> list[tuple[str, int]]:
    """Invert ``render``: the (claim, citation number) pairs of an answer text.

    >>> cited_claims('He said so. [1] ("He" is Taizo Watanabe [2].) It fell. [3]')
    [('He said so.', 1), ('Taizo Watanabe', 2), ('It fell.', 3)]
    """
    out = []
    for m in _MARKED.finditer(text):
        claim = m.group(1).strip().removeprefix(".)").strip()  # the end of a speaker note
        claim = claim.removeprefix(CONFLICT_LEAD).strip().removeprefix("- ")
        claim = re.sub(r'^\("[^"]+" is ', "", claim)  # a speaker note: ("he" is NAME [n].)
        out.append((claim, int(m.group(2))))
    return out
