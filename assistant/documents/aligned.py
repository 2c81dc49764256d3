r"""Tables written in text whose columns are aligned by space, as plain text and a PDF's text
layer give them (a page of a filing, a report saved as .txt): rows of a label and figures, the
cells parted by two spaces or a tab in text, by a wide blank on a PDF page (from pdfium's
character boxes), or, in single-spaced text, by figures that end a line. With the "|" tables of
``tables``, ``text_tables`` is every table written in a text; each cell a span of it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

from ..records import Cell, Table
from .tables import (
    CURRENCIES,
    MAX_HEADER_ROWS,
    bar_tables,
    caption_before,
    grid_table,
    is_year,
    line_spans,
    number,
)

GAP_SPACES = 2  # in plain text, this many spaces (or a tab) between two cells; one is a word space
MAX_LABEL = 160  # a row's label is at most this long (a longer line is prose)
MAX_ROW_LABEL = 120  # a line of one cell this long or shorter may be a section or a wrapped label of a table
Xs = Sequence[tuple[float, float, float, float]]  # each text position's character's left, right, baseline and
# font size on the page (zeros: a character pdfium made up)
WRAP_LEADING = 1.5  # on a PDF page, the lines of one wrapped cell are at most this many font sizes apart


def _value(token: str) -> bool:
    """Is a single word a figure or a nil of a table ("16,682", "(547)", "$7,144", "—", "4.5%",
    "390,000(1)" with its footnote mark)? Not "1)" or "31," (the ends of words of a label)."""
    t = re.sub(r"(?<=\d)(?:\(\w\)|\*+)$", "", token)
    if t in ("—", "–", "-"):
        return True
    if t.endswith(",") or t.count("(") != t.count(")"):
        return False
    return number(t) is not None


_NOTE = re.compile(r"^\(\d{1,2}\)$")  # a footnote's mark: "(1)"


def _words(text: str, a: int, b: int) -> list[tuple[int, int]]:
    return [(a + m.start(), a + m.end()) for m in re.finditer(r"\S+", text[a:b])]


def _split(text: str, a: int, b: int, gap: Callable[[int, int], bool]) -> tuple[list[tuple[int, int]], bool]:
    """The cells of one line [a, b), and whether a wide gap parted any: pieces between wide gaps
    (``gap`` of two neighbouring words' ends), and in each piece, the figures that end it split
    from its label ("Inventory $7,144 $6,609" is three cells; a lone "$" stays with its figure)."""
    pieces: list[list[tuple[int, int]]] = []
    for w in _words(text, a, b):
        if pieces and not gap(pieces[-1][-1][1], w[0]):
            pieces[-1].append(w)
        else:
            pieces.append([w])
    cells: list[tuple[int, int]] = []
    wide = len(pieces) > 1  # gaps part the cells: a year ending a piece is part of it ("October 31, 2019")
    for piece in pieces:
        tail: list[tuple[int, int]] = []
        i = len(piece)
        while i > 0 and (_value(word := text[piece[i - 1][0]:piece[i - 1][1]]) and not (wide and is_year(word))
                         or word in CURRENCIES and tail):  # a sign before a figure: joined below
            i -= 1
            tail.insert(0, piece[i])
        if i and tail and _NOTE.match(text[tail[0][0]:tail[0][1]]):  # "Operating leases (1)", "2019 (1)":
            i, tail = i + 1, tail[1:]  # a note's mark right after a label belongs to it, never a figure -1
        if i:
            cells.append((piece[0][0], piece[i - 1][1]))
        cells.extend(tail)
    for k in range(len(cells) - 2, -1, -1):  # "$ 32,765", "$   32,765": a currency sign and its figure
        if text[cells[k][0]:cells[k][1]] in CURRENCIES and _value(text[cells[k + 1][0]:cells[k + 1][1]]):
            cells[k:k + 2] = [(cells[k][0], cells[k + 1][1])]
    return cells, wide


def _kind(words: list[str], wide: bool) -> str:
    """What a line is to a table: "body" (a label and figures: two, or one beyond a wide gap),
    "head" (column names: two cells or more, no figure but years), "label" (one short cell: a
    section, "Assets not allocated:", or a caption), or "other" (prose)."""
    values = sum(_value(w) and not is_year(w) for w in words)
    if not words or len(words[0]) > MAX_LABEL:
        return "other"
    if values >= 2 or (values == 1 and wide and len(words) >= 2):
        return "body"
    if len(words) >= 2 and not values:
        return "head"
    if len(words) == 1 and len(words[0]) <= MAX_ROW_LABEL and not words[0].endswith((".", ";")):
        return "label"
    return "other"


GAP_POINTS = 8.0  # on a PDF page, a blank this wide (points) between two words parts two cells (a word space is ~3)


def _gaps(text: str, xs: Xs | None) -> Callable[[int, int], bool]:
    """Whether the blank between a word ending at ``end`` and the next starting at ``start`` parts
    two cells: by its width on the page (``xs``), else by ``GAP_SPACES`` spaces or a tab."""
    def by_text(end: int, start: int) -> bool:
        return "\t" in text[end:start] or start - end >= GAP_SPACES

    if xs is None:
        return by_text

    def by_page(end: int, start: int) -> bool:
        left, right = xs[end - 1][1], xs[start][0]
        return right - left >= GAP_POINTS if left and right else by_text(end, start)
    return by_page


def _column(x: tuple[float, float], extent: list[tuple[float, float]]) -> int:
    """The column whose extent overlaps ``x`` most (the leftmost on a tie; the nearest if none does)."""
    return max(range(len(extent)), key=lambda c: (min(x[1], extent[c][1]) - max(x[0], extent[c][0]), -c))


def _place(rows: list[list[tuple[int, int]]], width: int, at: Callable[[tuple[int, int]], tuple[float, float]],
           by_place: bool) -> list[list[tuple[int, int]]]:
    """Each row's cells in the table's ``width`` columns: a full row as it is; a shorter one by
    where its cells sit (the column whose cells overlap it most, ``at``: a cell's left and right),
    else aligned to the right (a header "2019 2018" over "Sales 9 8"). A one-cell row is a label."""
    full = [r for r in rows if len(r) == width]
    extent = [(min(at(r[c])[0] for r in full), max(at(r[c])[1] for r in full)) for c in range(width)] if full else []
    if any(extent[c][1] > extent[c + 1][0] for c in range(len(extent) - 1)):
        extent = []  # the columns overlap: spaced, not aligned (a filing page's text); short rows go right
    out = []
    for r in rows:
        grid = [(0, 0)] * width
        if len(r) == width:
            grid = list(r)
        elif len(r) == 1 and not (by_place and extent):
            grid[0] = r[0]
        else:
            cols = [_column(at(cell), extent) for cell in r] if by_place and extent else []
            if not cols or len(set(cols)) < len(cols) or cols != sorted(cols):
                cols = list(range(width - len(r), width))
            for cell, c in zip(r, cols, strict=True):
                grid[c] = cell
        out.append(grid)
    return out


Split = tuple[list[tuple[int, int]], bool]  # a line's cells and whether a wide gap parted any


@dataclasses.dataclass
class _Row:
    """A table row rebuilt from a PDF page's lines: its span, cells, the baselines of its lines."""

    span: tuple[int, int]
    cells: list[tuple[int, int]]
    wide: bool
    ys: list[float]
    several: bool  # two cells or more: a row of the grid, not a label or a line of prose
    tail_y: float = 0.0  # the baseline of its last cell's last line


def _unwrapped(lines: list[tuple[int, int]], split: list[Split],
               xs: Xs | None) -> tuple[list[tuple[int, int]], list[Split]]:
    """On a PDF page, the rows of a table whose cells wrap made whole again. pdfium gives a
    cell's lines one after another and starts a new line wherever the baseline changes, so a
    wrapped row comes in pieces:

    - a label on lines of its own, then the figures drawn beside its first (or last) line
      ("Total interest expense, net presented in the" / "consolidated statements ..." /
      "$133 $138 $140"): the label's lines (left-aligned, a line's leading apart) are one cell;
    - a header cell's second line under it ("Variance in" / "Dollars"): it joins that cell;
    - the rest of a row on the row's baseline, after a wrapped cell's second line: it joins the row.
    """
    if xs is None:
        return lines, split
    pts = xs

    def at(k: int) -> tuple[float, float, float, float] | None:
        cells = split[k][0]
        first = pts[cells[0][0]] if cells else None
        return first if first is not None and first[3] > 0 else None

    def right(cell: tuple[int, int]) -> float:
        return pts[cell[1] - 1][1]

    rows: list[_Row] = []
    run: list[int] = []  # one-cell lines not yet placed: perhaps a wrapped label

    def flush(upto: int) -> None:
        for i in run[:upto]:
            rows.append(_Row(lines[i], list(split[i][0]), split[i][1], [], False))
        del run[:upto]

    for k in range(len(lines)):
        cells, here = split[k][0], at(k)
        if here is None:
            flush(len(run))
            rows.append(_Row(lines[k], list(cells), split[k][1], [], False))
            continue
        last = rows[-1] if rows and not run and rows[-1].several else None
        if last is not None and here[0] > right(last.cells[-1]) and any(
                abs(y - here[2]) <= here[3] / 3 for y in last.ys):  # the rest of the row above
            last.cells.extend(cells)
            last.span = (last.span[0], lines[k][1])
            last.tail_y = here[2]
            continue
        if len(cells) == 1:
            tail = last.cells[-1] if last is not None else None
            if last is not None and tail is not None and pts[tail[0]][0] <= right(cells[0]) and \
                    here[0] <= right(tail) and 0 < last.tail_y - here[2] <= WRAP_LEADING * here[3]:
                last.cells[-1] = (tail[0], cells[0][1])  # a header cell's next line
                last.span = (last.span[0], lines[k][1])
                last.ys.append(here[2])
                last.tail_y = here[2]
                continue
            run.append(k)
            continue
        stack = _label_stack(run, here, at, lambda i: right(split[i][0][0]))
        flush(len(run) - len(stack))
        if stack:
            label = (split[stack[0]][0][0][0], split[stack[-1]][0][0][1])
            ys = [y[2] for y in (at(i) for i in stack) if y is not None]
            rows.append(_Row((lines[stack[0]][0], lines[k][1]), [label, *cells], True, [*ys, here[2]], True,
                             here[2]))
            run.clear()
        else:
            rows.append(_Row(lines[k], list(cells), split[k][1], [here[2]], len(cells) > 1, here[2]))
    flush(len(run))
    return [r.span for r in rows], [(r.cells, r.wide) for r in rows]


def _label_stack(run: list[int], here: tuple[float, float, float, float],
                 at: Callable[[int], tuple[float, float, float, float] | None],
                 right: Callable[[int], float]) -> list[int]:
    """The lines at the end of ``run`` that are one wrapped label of the row whose figures start
    at ``here`` (left, right, baseline, size): left-aligned, each a leading below the one
    before, all left of the figures, whose baseline lies within theirs; [] if none is."""
    if not run:
        return []
    stack = [run[-1]]
    while len(stack) < len(run):
        above, top = at(run[-len(stack) - 1]), at(stack[0])
        if above is None or top is None or abs(above[0] - top[0]) > 3 or not (
                0 < above[2] - top[2] <= WRAP_LEADING * above[3]):
            break
        stack.insert(0, run[-len(stack) - 1])
    first, last = at(stack[0]), at(stack[-1])
    if first is None or last is None or here[0] <= max(right(i) for i in stack) or not (
            last[2] - here[3] / 2 <= here[2] <= first[2] + here[3] / 2):
        return []
    return stack


def aligned_tables(text: str, xs: Xs | None = None) -> tuple[Table, ...]:
    r"""Tables whose columns are aligned by space, as plain text and a PDF's text layer give them:
    two or more rows of a label and figures ("Inventory  $7,144  $6,609"; on a PDF page, cells
    parted by ``GAP_POINTS`` of blank, ``xs``), with the section labels between them and up to
    ``MAX_HEADER_ROWS`` lines of column names (or a caption) above. Cells are spans of ``text``.

    >>> t = ("Deferred taxes were:\n(In thousands)    2019    2018\nInventory       $7,144  $6,609\n"
    ...      "Accrued expenses   2,330   2,850\n")
    >>> (tb,) = aligned_tables(t)
    >>> from .tables import headers
    >>> c = tb.cell(2, 2)
    >>> t[c.start:c.end], headers(tb, t, 2, 2), tb.scale, tb.caption
    ('2,850', ('Accrued expenses', '2018'), 'thousands', 'Deferred taxes were:')
    """
    gap = _gaps(text, xs)
    lines = line_spans(text)
    split: list[Split] = [_split(text, a, b, gap) if "|" not in text[a:b] else ([], False) for a, b in lines]
    lines, split = _unwrapped(lines, split, xs)
    kinds = [_kind([text[x:y] for x, y in cells], wide) for cells, wide in split]
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        if kinds[i] != "body":
            i += 1
            continue
        j = i
        while j < len(lines) and kinds[j] in ("body", "label"):
            j += 1
        while kinds[j - 1] == "label":
            j -= 1
        if sum(k == "body" for k in kinds[i:j]) < 2:
            i = j
            continue
        h = i
        while h > 0 and i - h < MAX_HEADER_ROWS + 1 and kinds[h - 1] in ("head", "label"):
            h -= 1
        heads = [k for k in range(h, i) if kinds[k] == "head"]
        # Labels above the column names are the caption's lines (a heading, "... (in thousands):");
        # between them and the figures, a section ("Deferred tax assets:"). With no column names, a
        # label ending in ":" on top introduces the table.
        h = heads[0] if heads else h
        while not heads and h < i and text[lines[h][0]:lines[h][1]].rstrip().endswith(":"):
            h += 1
        rows = [split[k][0] for k in range(h, j)]
        width = max(len(r) for r in rows[i - h:])
        line_of = {k: lines[k][0] for k in range(h, j)}

        def at(cell: tuple[int, int], starts: dict[int, int] = line_of) -> tuple[float, float]:
            if xs is not None:
                return xs[cell[0]][0], xs[cell[1] - 1][1]
            line = max(s for s in starts.values() if s <= cell[0])
            return float(cell[0] - line), float(cell[1] - line)

        grid = _place(rows, width, at, xs is not None or any(split[k][1] for k in range(h, j)))
        cells = tuple(Cell(r, c, a, b) for r, row in enumerate(grid) for c, (a, b) in enumerate(row) if b > a)
        words = [[text[a:b] for a, b in r] for r in grid]
        tables.append(grid_table(0, lines[h][0], lines[j - 1][1], words, cells, caption_before(text, lines[h][0]),
                                 text[:lines[h][0]]))
        i = j
    return tuple(tables)


def text_tables(text: str, xs: Xs | None = None) -> tuple[Table, ...]:
    """Every table written in a text: "|"-separated ones and ones aligned by space, in order,
    numbered from 0."""
    found = sorted([*bar_tables(text), *aligned_tables(text, xs)], key=lambda t: t.start)
    return tuple(dataclasses.replace(t, index=i) for i, t in enumerate(found))


def row_lines(text: str, tables: Sequence[Table]) -> list[tuple[int, int]]:
    """The lines of ``text`` inside its tables (each row, caption or section label is a
    sentence of its own, never glued to its neighbours)."""
    return [(a, b) for a, b in line_spans(text) if b > a and any(t.start <= a < t.end for t in tables)]
