"""Check every claim against the span it cites, then render the Answer.

A segment survives only if its span is inside its document, its claim appears verbatim in
the span (a run of whitespace counting as one space: claims are shown squashed), and every
figure of the claim is a figure of the span. Anything else is dropped (with the annotations that
depended on it); if no claim survives, the answer becomes "not found". Claims are copied from the
documents, so a drop means a bug upstream, and this is the guard that keeps such a bug from ever
reaching a user as a wrong citation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from ..documents.tables import number, scale_at
from ..language.figures import find_figures
from ..records import Answer, Citation, Claim, Derived, Draft, Operand, Segment, squash
from .arithmetic import compute, rounded


def supported(seg: Segment) -> bool:
    text = seg.doc.text
    if not (0 <= seg.start < seg.end <= len(text)):
        return False
    quote = text[seg.start : seg.end]
    if squash(seg.claim) not in squash(quote):
        return False
    quote_figs = find_figures(quote)
    return all(any(f.same(q) for q in quote_figs) for f in find_figures(seg.claim))


def holds(quote: str, value: str) -> bool:
    """Is ``value`` (a number) the figure of ``quote``: a cell's value, or a figure of a
    sentence ("(547)" holds -547)?"""
    try:
        want = Decimal(value)
    except InvalidOperation:
        return False
    return number(quote) == want or any(not f.is_year and Decimal(str(f.value)) == want for f in find_figures(quote))


def scale_of(seg: Segment) -> str:
    """What the figure of a cell segment counts (``tables.scale_at``: "thousands", "%", "")."""
    tables, cell = seg.doc.tables, seg.cell
    if cell is None or cell.table >= len(tables):
        return ""
    return scale_at(tables[cell.table], seg.doc.text, cell.row, cell.column)


def arithmetic_holds(derived: Derived, quotes: Mapping[int, str]) -> bool:
    """Does every operand's quote (``quotes[o.n]``) hold its figure, and does ``op`` of the
    operands, rounded as stated, give the stated result? The verifier asks it of a draft's
    segments, and the evals of a finished answer's citations.

    >>> d = Derived("change", (Operand(1, "16682"), Operand(2, "16055")), "627")
    >>> arithmetic_holds(d, {1: "16,682", 2: "16,055"}), arithmetic_holds(d, {1: "16,682", 2: "16,065"})
    (True, False)
    """
    if not all(o.n in quotes and holds(quotes[o.n], o.value) for o in derived.operands):
        return False
    try:
        result = compute(derived.op, [Decimal(o.value) for o in derived.operands])
        return result is not None and rounded(result, derived.rounding) == Decimal(derived.result)
    except InvalidOperation:
        return False


def recomputes(derived: Derived, segments: list[Segment]) -> bool:
    """Does the derived figure survive: its arithmetic holds over the segments' spans, and all
    its operands count the same thing (thousands are never added to millions)?"""
    quotes = {n: seg.doc.text[seg.start:seg.end] for n, seg in enumerate(segments)}
    return (arithmetic_holds(derived, quotes)
            and len({scale_of(segments[o.n]) for o in derived.operands}) == 1)


def verify(draft: Draft) -> Draft:
    """Keep the segments their spans support (and the annotations of kept ones), and a derived
    figure only if it recomputes from kept operands; without one, its operands go too."""
    kept: list[Segment] = []
    index_map: dict[int, int] = {}
    for i, seg in enumerate(draft.segments):
        if seg.supports is not None and seg.supports not in index_map:
            continue  # annotates a dropped claim
        if not supported(seg):
            continue
        index_map[i] = len(kept)
        kept.append(seg if seg.supports is None else replace(seg, supports=index_map[seg.supports]))
    derived = draft.derived
    if derived is not None:
        moved = replace(derived, operands=tuple(replace(o, n=index_map.get(o.n, -1)) for o in derived.operands))
        derived = moved if recomputes(moved, kept) else None
        if derived is None:
            kept = [s for s in kept if s.role != "operand"]
    if draft.found and not any(s.supports is None for s in kept):
        return Draft(found=False, related=draft.related, found_p=draft.found_p, strictness=draft.strictness)
    return replace(draft, segments=kept, derived=derived)


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
                      found_p=draft.found_p, refused_for=draft.refused_for, strictness=draft.strictness)
    numbers: dict[tuple[str, int, int], int] = {}
    citations: list[Citation] = []
    claims: list[Claim] = []
    for seg in draft.segments:
        key = (seg.doc.id, seg.start, seg.end)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(_citation(numbers[key], seg))
        role = ("speaker" if seg.supports is not None else seg.role if seg.role in ("answer", "operand")
                else "conflict" if draft.conflict else "quote")
        claims.append(Claim(squash(seg.claim), numbers[key], role, seg.label, seg.speaker))
    derived = draft.derived
    if derived is not None:  # each operand's segment place becomes its citation number
        segs = draft.segments
        derived = replace(derived, operands=tuple(
            Operand(numbers[(segs[o.n].doc.id, segs[o.n].start, segs[o.n].end)], o.value, o.row, o.column)
            for o in derived.operands))
    return Answer(question, True, tuple(claims), tuple(citations), (), draft.conflict,
                  draft.conflict_on if draft.conflict else "", timings_ms, retrieved, draft.found_p,
                  draft.conflict_p, derived, evidence=draft.evidence, strictness=draft.strictness)
