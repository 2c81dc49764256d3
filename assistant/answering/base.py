"""The one-method interface of an answerer: a turn and its retrieved passages in, a Draft out
(``verify`` then keeps only what the spans support)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..records import DEFAULT_STRICTNESS, Draft, Hit, Strictness
from .conversation import Turn


class Answerer(Protocol):
    def answer(self, turn: Turn, hits: list[Hit], qvec: np.ndarray,
               strictness: Strictness = DEFAULT_STRICTNESS) -> Draft:
        """The draft answer of ``turn`` from ``hits`` at ``strictness``; ``qvec`` is the query's embedding."""
        ...
