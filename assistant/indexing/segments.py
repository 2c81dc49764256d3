"""An index generation made of segments, so an update writes only what changed.

A generation folder holds the documents it added (its own segment: the files ``index`` lists).
Its manifest may name earlier folders whose segments are still live (``"segments"``), each
with the documents a later update deleted or replaced there. Search runs on every segment and
merges by the same rounded-score-then-row rule as one store (``store.ranked``); rows are
numbered segment after segment, oldest first, so one global row names a chunk (or sentence)
as before. A deleted row keeps its number and is never returned.

When to append and when to write everything again (a merge) is ``should_append``'s rule: indexes
below ``store.SEGMENT_MIN`` live chunks are always written whole (a build of them takes seconds, and their BM25 is then
exactly one collection's); a large one appends until the added segments and the deleted rows
pass ``MERGE_SHARE`` of it or there are ``MAX_SEGMENTS`` added ones; ``assistant index --optimize``
merges on demand. An added segment's BM25 is scored with the whole live collection's
statistics (``store.bm25_index``), so its rows rank beside the others' as in a merged index;
the older segments keep the statistics they were written with until the next merge.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .store import DenseStore, LexicalStore, ranked

MAX_SEGMENTS = 8  # segments added by updates at which the next update merges them
MERGE_SHARE = 0.10  # added segments' plus deleted chunks, over the live ones, at which the next update merges


def should_append(added_rows: list[int], dead_rows: int, new_rows: int, live_rows: int, segment_min: int) -> bool:
    """Whether an update goes in as an added segment (else everything is written again, merged).
    ``added_rows``: the rows of each segment earlier updates added; ``dead_rows``: rows deleted
    once this update is in; ``new_rows``: the update's; ``live_rows``: live rows once it is in."""
    return (live_rows >= max(segment_min, 1) and len(added_rows) + 1 <= MAX_SEGMENTS
            and sum(added_rows) + new_rows + dead_rows <= MERGE_SHARE * live_rows)


@dataclass(frozen=True)
class Layout:
    """Where each segment's rows start in the global numbering, and which are deleted."""

    offsets: tuple[int, ...]  # first global row of each segment; one more entry: the total
    dead: tuple[frozenset[int], ...]  # per segment, the local rows deleted

    @classmethod
    def of(cls, sizes: Sequence[int], dead: Sequence[frozenset[int]]) -> Layout:
        return cls(tuple(int(x) for x in np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])), tuple(dead))

    def locate(self, row: int) -> tuple[int, int]:
        """(segment, local row) of a global row."""
        s = bisect.bisect_right(self.offsets, row) - 1
        return s, row - self.offsets[s]

    def merged(self, search: Callable[[int, int], list[tuple[int, float]]], n: int) -> list[tuple[int, float]]:
        """The ``n`` best live rows over all segments; ``search(segment, k)`` gives one segment's
        ``k`` best (local rows). A segment with deleted rows is asked for more, four times as many
        each time until ``n`` live ones come back or it has no more, so deletions never leave fewer
        than ``n`` and a segment with many never makes every question fetch them all."""
        hits: list[tuple[int, float]] = []
        for s, dead in enumerate(self.dead):
            size = self.offsets[s + 1] - self.offsets[s]
            k = min(size, n + min(len(dead), n))
            while True:
                found = search(s, k)
                live = [(r + self.offsets[s], sc) for r, sc in found if r not in dead]
                if len(live) >= n or len(found) < k or k >= size:
                    break
                k = min(size, 4 * k)
            hits += live
        return ranked(hits)[:n]


class SegmentedDense:
    """Several ``DenseStore``s searched as one (rows numbered segment after segment)."""

    def __init__(self, stores: Sequence[DenseStore], layout: Layout) -> None:
        self.stores, self.layout = list(stores), layout
        self.kind = "+".join(dict.fromkeys(s.kind for s in self.stores))

    @property
    def size(self) -> int:
        return self.layout.offsets[-1]

    @property
    def dim(self) -> int:
        return self.stores[0].dim

    def search(self, vec: np.ndarray, n: int) -> list[tuple[int, float]]:
        return self.layout.merged(lambda s, k: self.stores[s].search(vec, k), n)

    def vectors(self, start: int, n: int) -> np.ndarray:
        parts = [np.zeros((0, self.dim), dtype=np.float32)]
        while n > 0:  # the rows of each segment the range crosses
            s, local = self.layout.locate(start)
            take = min(n, self.layout.offsets[s + 1] - start)
            parts.append(self.stores[s].vectors(local, take))
            start, n = start + take, n - take
        return np.concatenate(parts)


class SegmentedLexical:
    """Several ``LexicalStore``s searched as one."""

    def __init__(self, stores: Sequence[LexicalStore], layout: Layout) -> None:
        self.stores, self.layout = list(stores), layout
        self.kind = self.stores[0].kind

    def top(self, terms: list[str], n: int) -> list[tuple[int, float]]:
        return self.layout.merged(lambda s, k: self.stores[s].top(terms, k), n)
