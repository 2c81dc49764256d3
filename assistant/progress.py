"""Progress of long work (indexing): typed steps, shown by the CLI as tqdm bars and by the UI as
one progress line, from the same numbers.

An indexing run goes through ``STAGES`` in order; each reports ``done`` of ``total`` units as
it goes (one file read, one document parsed, one block of chunks embedded), so a display never
sits at 0% while work happens. The time left is estimated from the stage's own rate, and only
once a unit is done: an estimate from nothing would be a guess.

>>> Step("embedding", 64, 256, "chunk", 8.0).line()
'embedding: 64/256 chunks, about 24 s left'
>>> Step("reading", 0, 3, "file", 0.0).line()
'reading: 0/3 files'
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

STAGES = ("reading", "parsing", "embedding", "writing")  # in the order a run goes through them


@dataclass(frozen=True)
class Step:
    """Where a run stands: ``done`` of ``total`` ``unit``s of ``stage`` after ``elapsed`` seconds of it."""

    stage: str
    done: int
    total: int
    unit: str
    elapsed: float

    @property
    def left_s(self) -> float | None:
        """Seconds left in this stage at its rate so far; None before the first unit is done."""
        if self.done <= 0 or self.total <= self.done:
            return None
        return self.elapsed / self.done * (self.total - self.done)

    def line(self) -> str:
        units = self.unit if self.total == 1 else f"{self.unit}s"
        left = self.left_s
        eta = f", about {left:.0f} s left" if left is not None else ""
        return f"{self.stage}: {self.done}/{self.total} {units}{eta}"


OnStep = Callable[[Step], None]


class Stage:
    """Counts one stage's units and tells ``on_step`` (if any) after each, timing it."""

    def __init__(self, on_step: OnStep | None, stage: str, total: int, unit: str) -> None:
        self.on_step, self.stage, self.total, self.unit = on_step, stage, total, unit
        self.t0, self.done = time.perf_counter(), 0
        self._tell()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._tell()

    def _tell(self) -> None:
        if self.on_step is not None:
            self.on_step(Step(self.stage, self.done, self.total, self.unit, time.perf_counter() - self.t0))


def resolve(progress: bool | OnStep) -> OnStep | None:
    """``True``: bars on the terminal; ``False``: nothing; a callable: that."""
    if progress is True:
        return Console()
    return progress or None


class Console:
    """An ``OnStep`` that draws one tqdm bar per stage on the terminal (tqdm's own rate and ETA).
    Stages may run side by side (on Ray a document is parsed and embedded as it comes back):
    each keeps its own bar until it reaches its total."""

    def __init__(self) -> None:
        self._bars: dict[str, Any] = {}

    def __call__(self, step: Step) -> None:
        from tqdm import tqdm

        bar = self._bars.get(step.stage)
        if bar is None:
            bar = self._bars[step.stage] = tqdm(total=step.total, desc=step.stage, unit=step.unit,
                                                dynamic_ncols=True, position=len(self._bars))
        bar.update(step.done - bar.n)
        if step.done >= step.total:
            bar.close()
            del self._bars[step.stage]

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()
