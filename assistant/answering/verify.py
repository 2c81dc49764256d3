"""Check every claim against the span it cites, then render the Answer.

A segment survives only if its span is inside its document, its claim appears verbatim in
the span (a run of whitespace counting as one space: claims are shown squashed), and every
figure of the claim is a figure of the span. Anything else is dropped (with the annotations that
depended on it); if no claim survives, the answer becomes "not found". Claims are copied from the
documents, so a drop means a bug upstream, and this is the guard that keeps such a bug from ever
reaching a user as a wrong citation.
"""

from __future__ import annotations

from dataclasses import replace

from ..language.figures import find_figures
from ..records import Answer, Citation, Claim, Draft, Segment, squash


def supported(seg: Segment) -> bool:
    text = seg.doc.text
    if not (0 <= seg.start < seg.end <= len(text)):
        return False
    quote = text[seg.start : seg.end]
    if squash(seg.claim) not in squash(quote):
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
        kept.append(seg if seg.supports is None else replace(seg, supports=index_map[seg.supports]))
    if draft.found and not any(s.supports is None for s in kept):
        return Draft(found=False, related=draft.related, found_p=draft.found_p)
    return replace(draft, segments=kept)


def _citation(n: int, seg: Segment) -> Citation:
    return Citation(n=n, source=seg.doc.id, start=seg.start, end=seg.end,
                    quote=seg.doc.text[seg.start : seg.end], score=seg.score, page=seg.doc.page_label,
                    file=seg.doc.file, title=seg.doc.display_title, cell=seg.cell)


def render(question: str, draft: Draft, timings_ms: dict[str, float],
           retrieved: tuple[str, ...] = ()) -> Answer:
    """The Answer of a verified draft: one claim per segment; identical spans share a number."""
    if not draft.found:
        related = tuple(_citation(i, s) for i, s in enumerate(draft.related, 1))
        return Answer(question, False, related=related, timings_ms=timings_ms, retrieved=retrieved,
                      found_p=draft.found_p)
    numbers: dict[tuple[str, int, int], int] = {}
    citations: list[Citation] = []
    claims: list[Claim] = []
    for seg in draft.segments:
        key = (seg.doc.id, seg.start, seg.end)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(_citation(numbers[key], seg))
        role = ("speaker" if seg.supports is not None else "answer" if seg.role == "answer"
                else "conflict" if draft.conflict else "quote")
        claims.append(Claim(squash(seg.claim), numbers[key], role, seg.label, seg.speaker))
    return Answer(question, True, tuple(claims), tuple(citations), (), draft.conflict,
                  draft.conflict_on if draft.conflict else "", timings_ms, retrieved, draft.found_p,
                  draft.conflict_p)
