r"""Tables as data: a grid of cell texts laid out as document text, each filled cell a span of
it (``records.Table``), with its header rows and label column, and what its numbers count.

A table is laid out one row to a paragraph, cells joined by " | ", so a row is one sentence to
the sentence splitter and a cell's span is exact:

>>> text, table = lay_out([["", "2018", "2017"], ["Cost of sales", "16,682", "16,055"]], "(Millions)")
>>> print(text)
(Millions)
<BLANKLINE>
 | 2018 | 2017
<BLANKLINE>
Cost of sales | 16,682 | 16,055
>>> c = table.cell(1, 1)
>>> text[c.start:c.end], headers(table, text, 1, 1), table.scale
('16,682', ('Cost of sales', '2018'), 'millions')

Numbers read as accountants write them: "(547)" is -547, "—" is nil (``number``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from ..records import Cell, Table

SEPARATOR = " | "
MAX_HEADER_ROWS = 3
_NIL = {"", "-", "\u2013", "\u2014", "n/a", "na", "nm", "n.m.", "none", "nil", "*"}
_NUMBER = re.compile(r"^\(?-?[$€£¥]?\s*\(?-?\d[\d,]*(?:\.\d+)?\)?\s*%?\)?$")
_SCALES = [("billions", re.compile(r"\b(?:in\s+)?billions?\b|[$€£¥]\s?bn\b", re.I)),
           ("millions", re.compile(r"\b(?:in\s+)?millions?\b|[$€£¥]\s?m\b|\bmn\b", re.I)),
           ("thousands", re.compile(r"\b(?:in\s+)?thousands?\b|[$€£¥]\s?(?:000|k)\b|['’]000", re.I)),
           ("%", re.compile(r"%|\bper\s?cent(?:age)?\b", re.I))]


def number(text: str) -> Decimal | None:
    """The value a cell states, as written: "16,682" -> 16682, "(547)" -> -547, "$1.5" -> 1.5,
    "12.5%" -> 12.5; None for nil ("—", "n/a", "") and for words.

    >>> [number(t) for t in ("16,682", "(547)", "$ (2,235)", "$ 1,234.5", "-3.2%", "—", "Net sales")]
    [Decimal('16682'), Decimal('-547'), Decimal('-2235'), Decimal('1234.5'), Decimal('-3.2'), None, None]
    """
    t = " ".join(text.split())
    if t.lower() in _NIL or not _NUMBER.match(t):
        return None
    negative = "(" in t and t.rstrip("%").endswith(")") or "-" in t  # "(547)", "$ (2,235)", "-3.2%"
    digits = re.sub(r"[^\d.]", "", t)
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    return -value if negative else value


def scale_of(*texts: str) -> str:
    """What a table's numbers count, from its caption and headers: "millions", "thousands",
    "billions", "%" or "" (first found, largest first).

    >>> scale_of("(Millions, except per share amounts)"), scale_of("in thousands"), scale_of("Margin %")
    ('millions', 'thousands', '%')
    """
    for name, pattern in _SCALES:
        if any(pattern.search(t) for t in texts):
            return name
    return ""


_PER_UNIT = re.compile(r"\bper\s+(?:common\s+|diluted\s+|basic\s+|ordinary\s+)?(?:share|unit|ton|barrel|employee)s?\b|"
                       r"\beps\b|\bratio\b|\bdays?\b|\b(?:in\s+)?years?\b(?!\s+ended)|\bcents\b", re.I)
_PERCENT_ROW = re.compile(r"%|\bper\s?cent(?:age)?\b|\bmargin\b|\brate\b|\byield\b", re.I)


def scale_at(table: Table, text: str, row: int, col: int) -> str:
    """What one cell's figure counts: the table's scale, unless its row or column says
    otherwise: a per-share, per-unit, ratio or days row counts units ("" : "$0.23", never
    "$0.23 million"); a percentage, margin or rate row or column, or a value written with "%",
    counts percent.

    >>> t, tb = lay_out([["(in millions)", "2018", "Change %"], ["Sales", "$ 55", "4"],
    ...                  ["Earnings per share", "$0.23", ""], ["Gross margin", "41.5", ""]])
    >>> [scale_at(tb, t, r, c) for r, c in ((1, 1), (1, 2), (2, 1), (3, 1))]
    ['millions', '%', '', '%']
    """
    cell = table.cell(row, col)
    if cell is not None and "%" in text[cell.start:cell.end]:
        return "%"
    label = " ".join(text[x.start:x.end] for x in table.cells if x.row == row and x.col < table.header_cols)
    heads = " ".join(text[x.start:x.end] for x in table.cells if x.col == col and x.row < table.header_rows)
    if _PER_UNIT.search(label):
        return ""
    if _PERCENT_ROW.search(label) or _PERCENT_ROW.search(heads) and table.scale != "%":
        return "%"
    return table.scale


def header_rows(rows: Sequence[Sequence[str]]) -> int:
    """Leading rows that name columns: no number outside the first column, while a later row has
    one (years such as "2018" name columns too). At least one, at most ``MAX_HEADER_ROWS``."""
    def numeric(row: Sequence[str]) -> bool:
        return any(number(c) is not None and not _year(c) for c in row[1:])

    n = 0
    while n < min(MAX_HEADER_ROWS, len(rows) - 1) and not numeric(rows[n]):
        n += 1
    return max(1, n)


def _year(text: str) -> bool:
    return bool(re.fullmatch(r"(?:FY\s?)?(?:19|20)\d\d", text.strip(), re.I))


def _table(index: int, start: int, end: int, words: Sequence[Sequence[str]], cells: tuple[Cell, ...],
           caption: str) -> Table:
    """The ``Table`` of a grid of cell texts: its header rows, whether its first column labels
    the rows (mostly not numbers below the headers), and its scale from caption and headers."""
    heads = header_rows(words)
    body = [r for r in words[heads:] if r]
    label = 1 if body and sum(number(r[0]) is None for r in body) >= len(body) / 2 else 0
    scale = scale_of(caption, *(w for r in words[:heads] for w in r))
    return Table(index, start, end, len(words), max((len(r) for r in words), default=0), cells, heads, label,
                 caption, scale)


def lay_out(rows: Sequence[Sequence[str]], caption: str = "") -> tuple[str, Table]:
    """The text of a grid (``caption`` first, then one row to a paragraph, cells joined by
    ``SEPARATOR``) and its ``Table``, each filled cell a span of that text. Empty trailing cells
    are dropped."""
    grid = [[" ".join(str(c).split()) for c in r] for r in rows]
    while grid and not any(grid[-1]):
        grid.pop()
    parts: list[str] = []
    pos = 0
    if caption:
        parts.append(caption + "\n\n")
        pos += len(caption) + 2
    cells: list[Cell] = []
    for r, row in enumerate(grid):
        while row and not row[-1]:
            row = row[:-1]
        line: list[str] = []
        for c, value in enumerate(row):
            if c:
                line.append(SEPARATOR)
                pos += len(SEPARATOR)
            if value:
                cells.append(Cell(r, c, pos, pos + len(value)))
            line.append(value)
            pos += len(value)
        parts.append("".join(line) + ("\n\n" if r < len(grid) - 1 else ""))
        pos += 2 if r < len(grid) - 1 else 0
    text = "".join(parts)
    return text, _table(0, 0, len(text), grid, tuple(cells), caption)


def headers(table: Table, text: str, row: int, col: int) -> tuple[str, ...]:
    """What a cell is read under: its row's label(s), then its column's header(s), upper levels
    first; a header row's empty cell takes the one to its left (a header spanning columns: "Net
    Sales / 2018").

    >>> t, tb = lay_out([["", "Net sales", "", "Margin"], ["", "2018", "2017", "2018"], ["East", "9", "8", "3%"]])
    >>> headers(tb, t, 2, 2), headers(tb, t, 2, 3)
    (('East', 'Net sales', '2017'), ('East', 'Margin', '2018'))
    """
    def at(r: int, c: int) -> str:
        cell = table.cell(r, c)
        return text[cell.start:cell.end] if cell else ""

    out = [v for c in range(table.header_cols) if c != col and (v := at(row, c))]
    for r in range(table.header_rows):
        if r == row:
            continue
        c = col
        while c > table.header_cols and not at(r, c) and r < table.header_rows - 1:
            c -= 1  # an upper header row spans the columns to its right
        if v := at(r, c):
            out.append(v)
    return tuple(out)


_PERIOD = re.compile(r"\b(?:FY\s?'?(\d\d)|(?:FY\s?)?((?:19|20)\d\d))\b|\b(Q[1-4])\b", re.I)


_RANGE = re.compile(r"\b((?:19|20)\d\d)\s*(?:to|through|[-\u2013])\s*((?:19|20)\d\d)\b")


def period_list(text: str) -> list[str]:
    """The years and quarters a header or question names, in order, one way each: "FY19",
    "FY2019", "fiscal 2019" and "2019 €m" are "2019"; "Q3" is "q3"; "2019 to 2017" is each year.

    >>> period_list("FY19** vs 2018 €m, Q3"), period_list("fiscal years 2019 to 2017"), period_list("Scope 1")
    (['2019', '2018', 'q3'], ['2019', '2018', '2017'], [])
    """
    out: list[str] = []
    for m in _PERIOD.finditer(_RANGE.sub(_spelled_out, text)):
        p = (f"20{m[1]}" if m[1] else m[2] or m[3]).lower()
        if p not in out:
            out.append(p)
    return out


def _spelled_out(m: re.Match[str]) -> str:
    a, b = int(m[1]), int(m[2])
    if abs(a - b) > 20:
        return m[0]
    return " ".join(str(y) for y in (range(a, b + 1) if a <= b else range(a, b - 1, -1)))


def periods(text: str) -> set[str]:
    """The years and quarters of ``period_list``, as a set."""
    return set(period_list(text))


def section(table: Table, text: str, row: int) -> str:
    """The label of the section a body row sits in: the nearest row above it, below the
    headers, that holds a label and nothing else ("Deferred tax assets" over "Inventory")."""
    for r in range(row - 1, table.header_rows - 1, -1):
        filled = [c for c in table.cells if c.row == r]
        if filled and all(c.col < table.header_cols for c in filled):
            return " ".join(text[c.start:c.end] for c in filled)
    return ""


_BAR_LINE = re.compile(r"[^\n]*\S\s*\|\s*\S[^\n]*|\s*\|[^\n]*\|\s*")  # two cells or more, or a "| ... |" row
_RULE_LINE = re.compile(r"\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*")  # Markdown's |---|---|


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def bar_row_lines(text: str) -> list[list[tuple[int, int]]]:
    """Runs of two or more consecutive lines whose cells are separated by "|" (the rows of a
    Markdown pipe table, or of a table written out as "UK | 24.5 | 24.9"), Markdown's rule lines
    ("|---|---|") left out: each run's row lines as (start, end) spans of ``text``."""
    runs: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for a, b in [*_lines(text), (len(text) + 1, len(text) + 1)]:
        line = text[a:b]
        if b <= len(text) and _RULE_LINE.fullmatch(line) and current:
            continue
        if b <= len(text) and _BAR_LINE.fullmatch(line) and line.count("|") >= 1:
            current.append((a, b))
            continue
        if len(current) >= 2:
            runs.append(current)
        current = []
    return runs


def _cells_of_line(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """The (start, end) of each cell of a "|"-separated line, blanks trimmed; a Markdown row's
    outer bars make no empty cells."""
    spans, pos = [], a
    line = text[a:b]
    pieces = line.split("|")
    if line.strip().startswith("|"):
        pos += len(pieces[0]) + 1
        pieces = pieces[1:]
    if line.strip().endswith("|"):
        pieces = pieces[:-1]
    for piece in pieces:
        lead = len(piece) - len(piece.lstrip())
        spans.append((pos + lead, pos + len(piece.rstrip())))
        pos += len(piece) + 1
    return spans


def _caption(text: str, start: int) -> str:
    """A table's caption: the line before it (at ``start``), when short and not a sentence of
    prose (a heading, or a line ending in ":")."""
    before = text[:start].rstrip("\n").rsplit("\n", 1)[-1].strip()
    return before if 0 < len(before) <= 200 and not before.endswith((".", "!", "?", ")")) else ""


def bar_tables(text: str) -> tuple[Table, ...]:
    r"""The "|"-separated tables of a text, cells as spans of it (the text is not laid out again).
    A row with fewer cells than the widest is aligned to the right (a header row "2019 | 2018"
    over "UK | 24.5 | 24.9"); the caption is the line before the table, when short and not a
    sentence of prose (a heading, or a line ending in ":").

    >>> t = "Exposure by region was:\n2019 | 2018\nUK | 24.5 | 24.9\nTotal | 24.9 | 25.4\n"
    >>> (tb,) = bar_tables(t)
    >>> c = tb.cell(1, 2)
    >>> t[c.start:c.end], headers(tb, t, 1, 2), tb.caption
    ('24.9', ('UK', '2018'), 'Exposure by region was:')
    """
    tables = []
    for index, run in enumerate(bar_row_lines(text)):
        rows = [_cells_of_line(text, a, b) for a, b in run]
        cols = max(len(r) for r in rows)
        grid = [[(0, 0)] * (cols - len(r)) + r for r in rows]  # short rows sit under the value columns
        cells = tuple(Cell(r, c, a, b) for r, row in enumerate(grid) for c, (a, b) in enumerate(row) if b > a)
        words = [[text[a:b] for a, b in r] for r in grid]
        tables.append(_table(index, run[0][0], run[-1][1], words, cells, _caption(text, run[0][0])))
    return tuple(tables)


# --- tables whose columns are aligned by space (plain text, a PDF's text layer) ---------------

GAP_SPACES = 2  # in plain text, this many spaces (or a tab) between two cells; one is a word space
MAX_LABEL = 160  # a row's label is at most this long (a longer line is prose)
_CURRENCY = ("$", "€", "£", "¥")
Xs = Sequence[tuple[float, float]]  # for each text position, the (left, right) of its character on the page


def _value(token: str) -> bool:
    """Is a single word a figure or a nil of a table ("16,682", "(547)", "$7,144", "—", "4.5%",
    "390,000(1)" with its footnote mark)? Not "1)" or "31," (the ends of words of a label)."""
    t = re.sub(r"(?<=\d)(?:\(\w\)|\*+)$", "", token)
    if t in ("—", "–", "-"):
        return True
    if t.endswith(",") or t.count("(") != t.count(")"):
        return False
    return number(t) is not None


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
        while i > 0 and _value(word := text[piece[i - 1][0]:piece[i - 1][1]]) and not (wide and _year(word)):
            i -= 1
            if i > 0 and text[piece[i - 1][0]:piece[i - 1][1]] in _CURRENCY:
                i -= 1  # "$ 32,765": the symbol and its figure
                tail.insert(0, (piece[i][0], piece[i + 1][1]))
            else:
                tail.insert(0, piece[i])
        if i:
            cells.append((piece[0][0], piece[i - 1][1]))
        cells.extend(tail)
    for k in range(len(cells) - 2, -1, -1):  # "$   32,765": a currency sign parted from its figure
        if text[cells[k][0]:cells[k][1]] in _CURRENCY and _value(text[cells[k + 1][0]:cells[k + 1][1]]):
            cells[k:k + 2] = [(cells[k][0], cells[k + 1][1])]
    return cells, wide


def _kind(words: list[str], wide: bool) -> str:
    """What a line is to a table: "body" (a label and figures: two, or one beyond a wide gap),
    "head" (column names: two cells or more, no figure but years), "label" (one short cell: a
    section, "Assets not allocated:", or a caption), or "other" (prose)."""
    values = sum(_value(w) and not _year(w) for w in words)
    if not words or len(words[0]) > MAX_LABEL:
        return "other"
    if values >= 2 or (values == 1 and wide and len(words) >= 2):
        return "body"
    if len(words) >= 2 and not values:
        return "head"
    if len(words) == 1 and len(words[0]) <= 80 and not words[0].endswith((".", ";")):
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


def aligned_tables(text: str, xs: Xs | None = None) -> tuple[Table, ...]:
    r"""Tables whose columns are aligned by space, as plain text and a PDF's text layer give them:
    two or more rows of a label and figures ("Inventory  $7,144  $6,609"; on a PDF page, cells
    parted by ``GAP_POINTS`` of blank, ``xs``), with the section labels between them and up to
    ``MAX_HEADER_ROWS`` lines of column names (or a caption) above. Cells are spans of ``text``.

    >>> t = ("Deferred taxes were:\n(In thousands)    2019    2018\nInventory       $7,144  $6,609\n"
    ...      "Accrued expenses   2,330   2,850\n")
    >>> (tb,) = aligned_tables(t)
    >>> c = tb.cell(2, 2)
    >>> t[c.start:c.end], headers(tb, t, 2, 2), tb.scale, tb.caption
    ('2,850', ('Accrued expenses', '2018'), 'thousands', 'Deferred taxes were:')
    """
    gap = _gaps(text, xs)
    lines = [(a, b) for a, b in _lines(text)]
    split = [_split(text, a, b, gap) if "|" not in text[a:b] else ([], False) for a, b in lines]
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
        tables.append(_table(0, lines[h][0], lines[j - 1][1], words, cells, _caption(text, lines[h][0])))
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
    return [(a, b) for a, b in _lines(text) if b > a and any(t.start <= a < t.end for t in tables)]
