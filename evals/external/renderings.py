"""One TAT-QA report (its paragraphs and its table) written as a file of each kind staff add:
a web page with a real ``<table>``, a Word file with a Word table, a PDF with a drawn table
(reportlab), and plain text with the table's columns aligned by spaces. The ``tatqa-tables``
suite writes its reports in rotation, so every table reader is measured on the same data.

Files are written reproducibly (the same report gives the same bytes), so the suite's cached
indexes stay valid between runs.

>>> text = plain_text("Report", ["Sales grew."], [["", "2019", "2018"], ["Revenue", "1,234", "1,000"]])
>>> print(text)
Report
<BLANKLINE>
Sales grew.
<BLANKLINE>
          2019   2018
Revenue  1,234  1,000
<BLANKLINE>
"""

from __future__ import annotations

import html
import io
import zipfile
from collections.abc import Callable, Sequence

from assistant.documents.tables import header_rows

Grid = Sequence[Sequence[str]]
RENDERINGS = ("html", "docx", "pdf", "txt")  # in rotation; each is a file suffix
GAP = "  "  # the least space between two aligned columns (a single space is a word space)


def _clean(grid: Grid) -> list[list[str]]:
    rows = [[" ".join(str(c).split()) for c in r] for r in grid]
    return [r for r in rows if any(r)]


def web_page(title: str, paragraphs: Sequence[str], grid: Grid) -> bytes:
    """A saved web page: a heading, the paragraphs, then the table (header rows as ``<th>``)."""
    rows = _clean(grid)
    heads = header_rows(rows)
    trs = "\n".join("<tr>" + "".join(f"<{t}>{html.escape(c)}</{t}>" for c in r) + "</tr>"
                    for i, r in enumerate(rows) for t in ["th" if i < heads else "td"])
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f"<!doctype html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><article><h1>{html.escape(title)}</h1>\n{paras}\n<table>\n{trs}\n</table>\n"
            "</article></body></html>\n").encode()


def word_file(title: str, paragraphs: Sequence[str], grid: Grid) -> bytes:
    """A Word file: a heading, the paragraphs, then a Word table (zip entries dated 1980, so
    the bytes are the same each time)."""
    import docx

    d = docx.Document()
    d.core_properties.title = title
    d.add_heading(title, level=1)
    for p in paragraphs:
        d.add_paragraph(p)
    rows = _clean(grid)
    width = max(len(r) for r in rows)
    table = d.add_table(rows=len(rows), cols=width)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_dates(buf.getvalue())


def _fixed_dates(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # created / modified stamps
                body = _strip_dates(body)
            dst.writestr(zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0)), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _strip_dates(xml: bytes) -> bytes:
    import re

    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2020-01-01T00:00:00Z", xml)


def pdf_file(title: str, paragraphs: Sequence[str], grid: Grid) -> bytes:
    """A PDF: a heading, the paragraphs, then the table drawn with its grid (reportlab, its
    ``invariant`` mode: no dates or random ids, the same bytes each time)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("cell", fontSize=7, leading=8)
    rows = _clean(grid)
    width = max(len(r) for r in rows)
    cells = [[Paragraph(html.escape(c), small) for c in r] + [""] * (width - len(r)) for r in rows]
    label = 0.34 if width > 2 else 0.5
    avail = A4[0] - 72
    widths = [avail * label] + [avail * (1 - label) / (width - 1)] * (width - 1) if width > 1 else [avail]
    table = Table(cells, colWidths=widths)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [Paragraph(html.escape(title), styles["Heading1"])]
    story += [Paragraph(html.escape(p), styles["BodyText"]) for p in paragraphs]
    story += [Spacer(1, 8), table]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=title, invariant=1, leftMargin=36, rightMargin=36).build(story)
    return buf.getvalue()


def plain_text(title: str, paragraphs: Sequence[str], grid: Grid) -> str:
    """Plain text: the title, the paragraphs, then the table with its columns aligned by spaces (labels to
    the left, the other columns to the right, ``GAP`` at least between columns)."""
    rows = _clean(grid)
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    sizes = [max(len(r[c]) for r in rows) for c in range(width)]
    lines = [(r[0].ljust(sizes[0]) + "".join(GAP + r[c].rjust(sizes[c]) for c in range(1, width))).rstrip()
             for r in rows]
    return "\n\n".join([title, *paragraphs]) + "\n\n" + "\n".join(lines) + "\n"


def write(kind: str, title: str, paragraphs: Sequence[str], grid: Grid) -> bytes:
    """The report as a file of ``kind`` (one of ``RENDERINGS``)."""
    writers: dict[str, Callable[[], bytes]] = {
        "html": lambda: web_page(title, paragraphs, grid),
        "docx": lambda: word_file(title, paragraphs, grid),
        "pdf": lambda: pdf_file(title, paragraphs, grid),
        "txt": lambda: plain_text(title, paragraphs, grid).encode(),
    }
    return writers[kind]()
