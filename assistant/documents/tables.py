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

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from ..records import Cell, Table

SEPARATOR = " | "
MAX_HEADER_ROWS = 3
CURRENCIES = ("$", "€", "£", "¥")
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


_DASHES = {"-", "\u2013", "\u2014", "$ -", "$ \u2014", "$\u2014", "$-"}


def amount(text: str) -> Decimal | None:
    """A cell's value where values are compared: a dash, a financial table's nil, is zero.

    >>> amount("—"), amount("(547)"), amount("n/a")
    (Decimal('0'), Decimal('-547'), None)
    """
    return Decimal(0) if " ".join(text.split()) in _DASHES else number(text)


def magnitude(*texts: str) -> str:
    """The "billions", "millions" or "thousands" of ``texts`` (``scale_of`` without "%")."""
    return next((name for name, pattern in _SCALES if name != "%" and any(pattern.search(t) for t in texts)), "")


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


_STATED = re.compile(r"\(\s*(?:[\w$€£¥]+\s+){0,3}in\s+(thousands|millions|billions)\b|"
                     r"\bin\s+(thousands|millions|billions)\s*(?:,|\)|of\s+(?:[\w.]+\s+)?(?:dollars|euros|pounds)\b)",
                     re.I)
STATED_WITHIN = 5000  # characters before a table searched for the scale its text states


def stated_scale(before: str) -> str:
    """The scale the text before a table last states for what follows ("(in thousands, except
    percentages)", "(dollars in millions)"), or "": a figure's own "$5.0 million" states none.

    >>> stated_scale("Quarterly data (in thousands, except per share data). Revenue was $5.0 million.")
    'thousands'
    >>> stated_scale("Revenue rose to $5.0 million in 2019, in millions of customers' homes.")
    ''
    """
    found = list(_STATED.finditer(before[-STATED_WITHIN:]))
    return (found[-1][1] or found[-1][2]).lower() if found else ""


_PER_SHARE = re.compile(r"\bper\s+(?:common\s+|diluted\s+|basic\s+|ordinary\s+)?(?:share|unit|ton|barrel|employee)s?\b|"
                        r"\beps\b", re.I)
_PER_UNIT = re.compile(rf"{_PER_SHARE.pattern}|\bratio\b|\bdays?\b|\b(?:in\s+)?years?\b(?!\s+ended)|\bcents\b", re.I)
_PERCENT_ROW = re.compile(r"%|\bper\s?cent(?:age)?\b|\bmargin\b|\brate\b|\byield\b", re.I)


def row_label(table: Table, text: str, row: int) -> str:
    """The words that label a row (its header column's cells)."""
    return " ".join(text[x.start:x.end] for x in table.cells if x.row == row and x.col < table.header_cols)


def column_heads(table: Table, text: str, col: int) -> str:
    """The words that head a column (its header rows' cells)."""
    return " ".join(text[x.start:x.end] for x in table.cells if x.col == col and x.row < table.header_rows)


def row_span(table: Table, row: int) -> tuple[int, int]:
    """The span of the document's text from a row's first cell to its last."""
    cells = [x for x in table.cells if x.row == row]
    return min(x.start for x in cells), max(x.end for x in cells)


def scale_at(table: Table, text: str, row: int, col: int) -> str:
    """What one cell's figure counts: the table's scale, unless its row or column says
    otherwise: a per-share, per-unit, ratio or days row (or a per-share column) counts units
    ("" : "$0.23", never "$0.23 million"); a value written in money counts money; every cell of
    a table of percentages of one row ("Sales | 100.0 %"), a percentage, margin or rate row or
    column, or a value written with "%" counts percent.

    >>> t, tb = lay_out([["(in millions)", "2018", "Change %"], ["Sales", "$ 55", "4"],
    ...                  ["Earnings per share", "$0.23", ""], ["Gross margin", "41.5", ""]])
    >>> [scale_at(tb, t, r, c) for r, c in ((1, 1), (1, 2), (2, 1), (3, 1))]
    ['millions', '%', '', '%']
    """
    cell = table.cell(row, col)
    if cell is not None and "%" in text[cell.start:cell.end]:
        return "%"
    label, heads = row_label(table, text, row), column_heads(table, text, col)
    if _PER_UNIT.search(label) or _PER_SHARE.search(heads):  # a row, or a column, of per-share amounts
        return ""
    if cell is not None and any(sym in text[cell.start:cell.end] for sym in CURRENCIES):
        return table.scale  # money, whatever the row says ("Gross margin | $40,615")
    if base_row(table, text):  # every row a percentage of one ("Sales | 100.0 %")
        return "%"
    if _PERCENT_ROW.search(label) or _PERCENT_ROW.search(heads) and table.scale != "%":
        return "%"
    return table.scale


def base_row(table: Table, text: str) -> str:
    """The label of the row every other row is a percentage of ("Revenue | 100% | 100%"), or "".

    >>> t, tb = lay_out([["", "2019", "2018"], ["Sales", "100.0 %", "100.0 %"], ["Gross profit", "40.0", "50.9"]])
    >>> base_row(tb, t), scale_at(tb, t, 2, 2)
    ('Sales', '%')
    """
    for r in range(table.header_rows, table.rows):
        values = [number(text[x.start:x.end]) for x in table.cells if x.row == r and x.col >= table.header_cols]
        a, b = row_span(table, r)
        if values and all(v == 100 for v in values) and "%" in text[a:b]:
            return row_label(table, text, r)
    return ""


def header_rows(rows: Sequence[Sequence[str]]) -> int:
    """Leading rows that name columns: no number outside the first column, while a later row has
    one (years such as "2018" name columns too), up to a row with a label alone (a section). At
    least one, at most ``MAX_HEADER_ROWS``."""
    def section(row: Sequence[str]) -> bool:  # a label alone ("2019" over the 2019 rows) starts the body
        return bool(row) and bool(row[0].strip()) and not any(c.strip() for c in row[1:])

    n = 0
    while n < min(MAX_HEADER_ROWS, len(rows) - 1) and not has_figures(rows[n]) and not (n and section(rows[n])):
        n += 1
    return max(1, n)


def is_figure(text: str) -> bool:
    """Does a cell state a figure (a year such as "2018" names a column instead)?"""
    return number(text) is not None and not is_year(text)


def has_figures(row: Sequence[str]) -> bool:
    """Does a row of cell texts state a figure outside its first (label) column?"""
    return any(is_figure(c) for c in row[1:])


def is_year(text: str) -> bool:
    return bool(re.fullmatch(r"(?:FY\s?)?(?:19|20)\d\d", text.strip(), re.I))


def grid_table(index: int, start: int, end: int, words: Sequence[Sequence[str]], cells: tuple[Cell, ...],
               caption: str, before: str = "") -> Table:
    """The ``Table`` of a grid of cell texts: its header rows, whether its first column labels
    the rows (mostly not numbers below the headers), and its scale from caption and the rows above
    its first figures, else as the text ``before`` it last states one ("(in thousands, except per
    share data)")."""
    heads = header_rows(words)
    body = [r for r in words[heads:] if r]
    label = 1 if body and sum(number(r[0]) is None for r in body) >= len(body) / 2 else 0
    # A "%" heading one column ("% change") is that column's (``scale_at``), not the table's.
    above = next((i for i, r in enumerate(words) if i >= heads and has_figures(r)), heads)  # rows above the figures
    scale = scale_of(caption) or magnitude(*(w for r in words[:above] for w in r)) or stated_scale(before)
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
    return text, grid_table(0, 0, len(text), grid, tuple(cells), caption)


def headers(table: Table, text: str, row: int, col: int) -> tuple[str, ...]:
    """What a cell is read under: its row's label(s), then its column's header(s), upper levels
    first; a header row's empty cell takes the one to its left (a header spanning columns: "Net
    Sales / 2018"), and an upper header row's only header heads every column ("Fiscal 2019"
    over the quarters). A band of header rows inside the body ("Fiscal 2018 / First Quarter"
    under the 2019 rows) heads the rows below it instead of the table's.

    >>> t, tb = lay_out([["", "Net sales", "", "Margin"], ["", "2018", "2017", "2018"], ["East", "9", "8", "3%"]])
    >>> headers(tb, t, 2, 2), headers(tb, t, 2, 3)
    (('East', 'Net sales', '2017'), ('East', 'Margin', '2018'))
    >>> t, tb = lay_out([["", "", "FY19"], ["", "Q1", "Q2"], ["Sales", "9", "8"], ["", "", "FY18"],
    ...                  ["", "Q1", "Q2"], ["Sales", "7", "6"]])
    >>> headers(tb, t, 2, 1), headers(tb, t, 5, 1)
    (('Sales', 'FY19', 'Q1'), ('Sales', 'FY18', 'Q1'))
    """
    def at(r: int, c: int) -> str:
        cell = table.cell(r, c)
        return text[cell.start:cell.end] if cell else ""

    out = [v for c in range(table.header_cols) if c != col and (v := at(row, c))]
    if periods(over := section(table, text, row)):  # a section row "2019" over the 2019 rows
        out.append(over)
    band = _band_above(table, text, row)
    for i, r in enumerate(band):
        if r == row:
            continue
        filled = [x.col for x in table.cells if x.row == r and x.col >= table.header_cols]
        c = filled[0] if len(filled) == 1 and i < len(band) - 1 else col
        while c > table.header_cols and not at(r, c) and i < len(band) - 1:
            c -= 1  # an upper header row spans the columns to its right
        if v := at(r, c):
            out.append(v)
    return tuple(out)


def _band_above(table: Table, text: str, row: int) -> list[int]:
    """The header rows a body row is read under: the nearest band of rows above it, below the
    table's headers, that hold words and no figures in the value columns only and name a period
    ("Fiscal 2018"), else the table's (a row of units, "$'000", heads nothing new)."""
    def heading(r: int) -> bool:
        cells = [x for x in table.cells if x.row == r]
        return bool(cells) and all(x.col >= table.header_cols and not is_figure(text[x.start:x.end]) for x in cells)

    r = row - 1
    while r >= table.header_rows and not heading(r):
        r -= 1
    band: list[int] = []
    while r >= table.header_rows and heading(r):
        band.insert(0, r)
        r -= 1
    named = any(periods(text[x.start:x.end]) for x in table.cells if x.row in band)
    return band if named else list(range(table.header_rows))


_QUARTERS = {"first": "q1", "second": "q2", "third": "q3", "fourth": "q4", "1st": "q1", "2nd": "q2", "3rd": "q3",
             "4th": "q4"}
_PERIOD = re.compile(r"\b(?:FY\s?'?(\d\d)|(?:FY\s?)?((?:19|20)\d\d))\b|\b(Q[1-4])\b|"
                     rf"\b({'|'.join(_QUARTERS)})[\s-]+(?:fiscal\s+)?quarter", re.I)


_QUARTER_LIST = re.compile(rf"\b({'|'.join(_QUARTERS)})(\s*(?:,|and|to|&)\s*(?:and\s+)?(?:the\s+)?)"
                           rf"(?=(?:{'|'.join(_QUARTERS)})[\s-]+(?:fiscal\s+)?quarters?\b)", re.I)
_RANGE = re.compile(r"\b((?:19|20)\d\d)\s*(?:to|through|[-\u2013])\s*((?:19|20)\d\d)\b")


def period_list(text: str) -> list[str]:
    """The years and quarters a header or question names, in order, one way each: "FY19",
    "FY2019", "fiscal 2019" and "2019 €m" are "2019"; "Q3" and "third quarter" are "q3"; "2019 to
    2017" is each year.

    >>> period_list("FY19** vs 2018 €m, Q3"), period_list("fiscal years 2019 to 2017"), period_list("Scope 1")
    (['2019', '2018', 'q3'], ['2019', '2018', '2017'], [])
    >>> period_list("the fiscal 2018 Third Quarter"), period_list("the first, third and fourth quarters of 2019")
    (['2018', 'q3'], ['q1', 'q3', 'q4', '2019'])
    """
    out: list[str] = []
    while (listed := _QUARTER_LIST.sub(r"\1 quarter\2", text)) != text:  # "second and first quarter"
        text = listed
    for m in _PERIOD.finditer(_RANGE.sub(_spelled_out, text)):
        p = (f"20{m[1]}" if m[1] else m[2] or m[3] or _QUARTERS[m[4].lower()]).lower()
        if p not in out:
            out.append(p)
    return out


def _spelled_out(m: re.Match[str]) -> str:
    a, b = int(m[1]), int(m[2])
    if abs(a - b) > 20:
        return m[0]
    return " ".join(str(y) for y in (range(a, b + 1) if a <= b else range(a, b - 1, -1)))


def period_at(text: str) -> tuple[int, int] | None:
    """Where the first period of ``text`` is written ("2019" in "December 31, 2019"), or None."""
    m = _PERIOD.search(text)
    return m.span() if m else None


def periods(text: str) -> set[str]:
    """The years and quarters of ``period_list``, as a set."""
    return set(period_list(text))


def cell_periods(table: Table, text: str, row: int, col: int) -> set[str]:
    """The periods a value cell is read under: those its headers name (its row's section's
    too), a column headed by an ordinal alone ("First", "3rd") counting as that quarter.

    >>> t, tb = lay_out([["", "First", "Second"], ["2019", "", ""], ["Sales", "9", "8"]])
    >>> sorted(cell_periods(tb, t, 2, 1))
    ['2019', 'q1']
    """
    return heads_periods(headers(table, text, row, col)[table.header_cols:])


def heads_periods(heads: Sequence[str]) -> set[str]:
    """The periods a cell's column headers name (``cell_periods``, for headers already read)."""
    return periods(" ".join(heads)) | {_QUARTERS[h.lower()] for h in heads if h.lower() in _QUARTERS}


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


def line_spans(text: str) -> list[tuple[int, int]]:
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
    for a, b in [*line_spans(text), (len(text) + 1, len(text) + 1)]:
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


def caption_before(text: str, start: int) -> str:
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
        tables.append(grid_table(index, run[0][0], run[-1][1], words, cells, caption_before(text, run[0][0]),
                                 text[:run[0][0]]))
    return tuple(tables)
