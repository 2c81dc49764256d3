"""Spreadsheets read as tables: a CSV file (its delimiter sniffed) and each sheet of an Excel
workbook (openpyxl, read-only, the values the workbook last computed), laid out by
``tables.lay_out`` so every cell is a span of the document's text.
"""

from __future__ import annotations

import io
from typing import Any

from ..records import Table
from .formats import FormatError, check_unzipped_size
from .tables import lay_out

MAX_SHEET_CELLS = 200_000  # a sheet larger than this is refused by name (a data dump, not a report)


def read_csv(text: str, caption: str = "") -> tuple[str, Table]:
    """The text and table of a CSV file (its delimiter sniffed: comma, semicolon, tab or bar)."""
    import csv

    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]
    if not rows:
        raise FormatError("the CSV file holds no rows")
    if sum(len(r) for r in rows) > MAX_SHEET_CELLS:
        raise FormatError(f"more than {MAX_SHEET_CELLS:,} cells: too large a table to index")
    return lay_out(rows, caption)


def read_xlsx(data: bytes) -> list[tuple[str, str, Table]]:
    """(sheet name, text, table) of each sheet of an Excel workbook holding cells: values as the
    workbook last computed them (a formula cell gives its value, never its formula)."""
    import openpyxl

    check_unzipped_size(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zip, XML and key errors for damaged files
        raise FormatError(f"not a readable Excel workbook ({type(e).__name__})") from None
    out = []
    try:
        for sheet in book.worksheets:
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(["" if v is None else _cell_text(v) for v in row])
                if sum(len(r) for r in rows) > MAX_SHEET_CELLS:
                    raise FormatError(f"sheet {sheet.title!r} has more than {MAX_SHEET_CELLS:,} cells: too large a "
                                      "table to index")
            rows = [r for r in rows if any(c.strip() for c in r)]
            if rows:
                text, table = lay_out(rows, sheet.title)
                out.append((sheet.title, text, table))
    finally:
        book.close()
    if not out:
        raise FormatError("the workbook holds no filled cells")
    return out


def _cell_text(value: Any) -> str:
    """A cell's value as a person reads it: 16682.0 -> "16682", dates as ISO, the rest as str."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat()).removesuffix("T00:00:00")
    return str(value)
