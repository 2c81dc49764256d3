"""Real document formats: PDF (pypdfium2), saved web pages (trafilatura), Word (python-docx).

Each reader returns the text we index; offsets into it are what citations use, so
``quote == text[start:end]`` holds for the extracted text. For a PDF page we also keep which
pdfium character each text position came from, so a cited span can be drawn as boxes on the
rendered page (``span_boxes``). The indexed text of a page is pdfium's text cleaned: a word
hyphenated at a line end joined ("manip-ulation" -> "manipulation"), and page furniture dropped
(running headers and footers repeated across pages, page numbers: ``furniture``), so they never
glue into a quote; the cleaned text is a subsequence of pdfium's, and at display time each of its
positions is mapped back to pdfium's character (``_aligned``), so boxes stay exact.

A file is typed by its content, not only its name: a ".pdf" that does not start with "%PDF-"
is refused, as is a ".docx" that is not a Word zip. Problems are ``FormatError`` with a reason
a person understands ("no text layer (scanned?)", "password-protected"). (Over 450 lines: a
reader per format, PDF's with its furniture and boxes; spreadsheets are ``sheets``.)

>>> sniff(b"%PDF-1.7 ...", "a.pdf"), sniff(b"<!doctype html><p>x", "a.htm"), sniff(b"plain", "a.txt")
('pdf', 'html', 'text')
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

SUFFIXES = {".pdf": "pdf", ".html": "html", ".htm": "html", ".docx": "docx", ".txt": "text", ".md": "text",
            ".jsonl": "pages", ".csv": "csv", ".xlsx": "xlsx"}
_HTML = re.compile(rb"<(!doctype\s+html|html|head|body|article|p|div|title)\b", re.I)


class FormatError(ValueError):
    """A file that cannot be read as what it claims to be; ``str()`` says why."""


def sniff(data: bytes, name: str) -> str:
    """The kind of a file from its content ("pdf", "docx", "html", "text"), checked against its
    name's suffix; FormatError when they disagree or the content is none of them."""
    want = SUFFIXES.get(Path(name).suffix.lower(), "")
    if data.startswith(b"%PDF-"):
        kind = "pdf"
    elif data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                listed = z.namelist()
                kind = "docx" if "word/document.xml" in listed else "xlsx" if "xl/workbook.xml" in listed else "zip"
        except zipfile.BadZipFile:
            kind = "zip"
    elif b"\x00" in data[:8192]:
        kind = "binary"
    elif _HTML.search(data[:4096]):
        kind = "html"
    else:
        kind = "text"
    if want in ("text", "pages", "csv") and kind in ("text", "html"):
        return want  # a .txt or .md that quotes some HTML is still text
    if want != kind:
        names = {"pdf": "a PDF", "docx": "a Word file", "html": "a web page", "text": "text", "zip": "a zip archive",
                 "binary": "binary data", "xlsx": "an Excel workbook", "csv": "a CSV file"}
        raise FormatError(f"named like {names.get(want, want or 'an unknown type')}, but the content is "
                          f"{names.get(kind, kind)}")
    return kind


# --- PDF ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PdfPage:
    """The text of one page and, for each text position, the pdfium character it came from."""

    index: int  # 0-based
    text: str
    chars: tuple[int, ...]
    xs: tuple[tuple[float, float, float, float], ...] = ()  # each position's character's left, right,
    # baseline and font size on the page, in points ((0, 0, 0, 0): none)


def _open_pdf(path: Path) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        msg = str(e).lower()
        if "password" in msg:
            raise FormatError("password-protected PDF (remove the password to index it)") from None
        raise FormatError(f"not a readable PDF ({e})") from None


def _page_text(textpage: Any) -> tuple[str, tuple[int, ...]]:
    """Text of a pdfium text page read character by character (so position i maps to a known
    character index), with "\\r\\n" line ends as "\\n" and control characters made visible."""
    import pypdfium2.raw as raw

    out: list[str] = []
    idx: list[int] = []
    n = textpage.count_chars()
    for i in range(n):
        u = raw.FPDFText_GetUnicode(textpage.raw, i)
        if u in (0, 0xFFFE, 0xFEFF) or (u == 13 and i + 1 < n and raw.FPDFText_GetUnicode(textpage.raw, i + 1) == 10):
            continue
        if u == 2 and i + 1 < n and chr(raw.FPDFText_GetUnicode(textpage.raw, i + 1)).islower():
            continue  # 2: a hyphen at a line end, pdfium's own line break dropped: "manip-" + "ulation"
        ch = "-" if u == 2 else "\n" if u in (10, 13) else " " if u < 32 else chr(u)
        out.append(ch)
        idx.append(i)
    return "".join(out), tuple(idx)


_PAGE_NUMBER = re.compile(r"^\W*(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s+(?:of|/)\s+\d{1,4})?\W*$", re.IGNORECASE)
FURNITURE_LINES = 3  # lines at the top and at the bottom of a page that may be furniture
FURNITURE_PAGES = 3  # a header or footer repeats on at least this many pages (page numbers: any)


def _key(line: str) -> str:
    """A line as a running header is recognised: digits as "#", case and spacing ignored."""
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))


def furniture(texts: list[str]) -> list[list[tuple[int, int]]]:
    r"""For each page's text, the spans of its lines that are page furniture: among its first and
    last ``FURNITURE_LINES`` lines, from the edge inwards, page numbers ("5", "Page 5 of 40",
    "xii") and lines that recur at that edge of ``FURNITURE_PAGES`` pages or more ("3 Utilities",
    "ACME Corp. Annual Report 2019"), digits aside. A document of fewer pages keeps everything.

    >>> body = ["Keys are made with genrsa.", "Certificates are signed.", "Requests are checked.", "The end."]
    >>> pages = [f"3 Utilities\n{b}\n{i + 5}" for i, b in enumerate(body)]
    >>> [pages[0][a:b] for a, b in furniture(pages)[0]]
    ['3 Utilities', '5']
    """
    if len(texts) < FURNITURE_PAGES:
        return [[] for _ in texts]
    Line = tuple[int, int, str]

    def lines(text: str) -> list[Line]:
        out, pos = [], 0
        for line in text.split("\n"):
            if line.strip():
                out.append((pos, pos + len(line), line))
            pos += len(line) + 1
        return out

    pages = [lines(t) for t in texts]
    def top(ls: list[Line]) -> list[Line]:
        return ls[:FURNITURE_LINES]

    def bottom(ls: list[Line]) -> list[Line]:
        return ls[::-1][:FURNITURE_LINES]

    edges = {"top": top, "bottom": bottom}
    counts = {e: Counter(k for ls in pages for k in {_key(x) for _, _, x in pick(ls)}) for e, pick in edges.items()}
    out: list[list[tuple[int, int]]] = []
    for ls in pages:
        spans: list[tuple[int, int]] = []
        for e, pick in edges.items():
            for a, b, line in pick(ls):
                if not (_PAGE_NUMBER.match(line) or (counts[e][_key(line)] >= FURNITURE_PAGES and len(line) <= 100)):
                    break  # furniture sits at the edge: the first line that is not ends it
                spans.append((a, b))
        if len(set(spans)) >= len(ls):  # a page of furniture alone keeps its text
            spans = []
        out.append(sorted(set(spans)))
    return out


def _without(text: str, chars: tuple[int, ...], spans: list[tuple[int, int]]) -> tuple[str, tuple[int, ...]]:
    """The page's text and character map without ``spans`` (each with its line break)."""
    drop: set[int] = set()
    for a, b in spans:
        drop.update(range(a, min(b + 1, len(text))))
    keep = [i for i in range(len(text)) if i not in drop]
    while keep and text[keep[0]] == "\n":
        keep.pop(0)
    while keep and text[keep[-1]] == "\n":
        keep.pop()
    return "".join(text[i] for i in keep), tuple(chars[i] for i in keep)


MAX_TITLE = 120  # characters of a derived title
# Metadata titles that name no document (tools' defaults, file names): the page is asked instead.
_JUNK_TITLE = re.compile(r"^(untitled( document)?|document\s*\d*|microsoft \w+ - .*|.*\.(docx?|pdf|txt|rtf|odt))$",
                         re.IGNORECASE)


def largest_line(text: str, sizes: list[float]) -> str:
    r"""The line of ``text`` set in the largest font (``sizes``: one per character), first on a tie;
    "" when no line has three letters.

    >>> largest_line("small words\nBig Title\nsmall", [9.0] * 12 + [20.0] * 10 + [9.0] * 5)
    'Big Title'
    """
    best, best_size, pos = "", 0.0, 0
    for line in text.split("\n"):
        letters = [sizes[pos + i] for i, ch in enumerate(line) if not ch.isspace()]
        if sum(ch.isalpha() for ch in line) >= 3 and letters and (size := sum(letters) / len(letters)) > best_size:
            best, best_size = " ".join(line.split()), size
        pos += len(line) + 1
    return best[:MAX_TITLE]


def _edges(textpage: Any) -> list[tuple[float, float, float, float]]:
    """Each character's left, right, baseline and font size on the page, in points (zeros for
    one pdfium made up)."""
    import ctypes

    import pypdfium2.raw as raw

    out = []
    x, y = ctypes.c_double(), ctypes.c_double()
    for ci in range(textpage.count_chars()):
        if raw.FPDFText_IsGenerated(textpage.raw, ci) == 1:
            out.append((0.0, 0.0, 0.0, 0.0))
            continue
        left, _, right, _ = textpage.get_charbox(ci)
        raw.FPDFText_GetCharOrigin(textpage.raw, ci, ctypes.byref(x), ctypes.byref(y))
        out.append((float(left), float(right), y.value, float(raw.FPDFText_GetFontSize(textpage.raw, ci))))
    return out


def pdf_pages(path: Path) -> tuple[list[PdfPage], list[int], str]:
    """The pages with text, the 0-based numbers of pages without a text layer (scanned), and the
    PDF's title: its metadata Title (unless a tool's default like "untitled"), else the
    largest-font line of its first three pages ("" if none). One pass over the file.
    FormatError if the file cannot be opened or no page has text."""
    import pypdfium2.raw as raw

    pdf = _open_pdf(path)
    try:
        meta = " ".join(str(pdf.get_metadata_dict().get("Title", "")).split())
        title = meta[:MAX_TITLE] if meta and not _JUNK_TITLE.match(meta) else ""
        raws, empty, lefts = [], [], []
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                textpage = page.get_textpage()
                text, chars = _page_text(textpage)
                if not title and i < 3:
                    title = largest_line(text, [float(raw.FPDFText_GetFontSize(textpage.raw, c)) for c in chars])
                edges = _edges(textpage)
            finally:
                page.close()
            if text.strip():
                raws.append(PdfPage(i, text, chars))
                lefts.append(edges)
            else:
                empty.append(i)
    finally:
        pdf.close()
    pages = []
    for p, spans, edges in zip(raws, furniture([p.text for p in raws]), lefts, strict=True):
        text, chars = _without(p.text, p.chars, spans)
        pages.append(PdfPage(p.index, text, chars, tuple(edges[c] for c in chars)))
    if not pages:
        raise FormatError("no text layer (scanned?): it needs OCR before it can be indexed")
    return pages, empty, title


Box = tuple[float, float, float, float]


def _aligned(raw_text: str, chars: tuple[int, ...], text: str) -> tuple[int, ...]:
    r"""pdfium's character for each position of ``text``, an indexed page text that is
    ``raw_text`` with some lines dropped (``furniture``): matched as the longest common blocks,
    so a dropped header that shares words with the body cannot pull a quote onto itself.

    >>> _aligned("5\nHead\nBody text", tuple(range(100, 116)), "Body text")
    (107, 108, 109, 110, 111, 112, 113, 114, 115)
    """
    if text == raw_text:
        return chars
    out = [-1] * len(text)
    for a, b, size in difflib.SequenceMatcher(None, raw_text, text, autojunk=False).get_matching_blocks():
        out[b:b + size] = chars[a:a + size]
    return tuple(out)


def _boxes(page: Any, start: int, end: int, text: str | None = None) -> list[Box]:
    """One box per line of the text span [start, end) of an open page (see ``span_boxes``);
    ``text``: the page's indexed text, when it may differ from pdfium's (``pdf_pages``)."""
    import pypdfium2.raw as raw

    width, height = page.get_size()
    tp = page.get_textpage()
    raw_text, chars = _page_text(tp)
    if text is not None:
        chars = _aligned(raw_text, chars, text)
    lines: list[list[float]] = []
    for ci in chars[start:end]:
        if ci < 0:
            continue
        if raw.FPDFText_IsGenerated(tp.raw, ci) == 1:
            continue
        left, bottom, right, top = tp.get_charbox(ci)
        if right <= left or top <= bottom:
            continue
        box = [left / width, 1 - top / height, right / width, 1 - bottom / height]
        last = lines[-1] if lines else None
        overlap = min(last[3], box[3]) - max(last[1], box[1]) if last else 0.0
        if last and overlap > 0 and box[0] >= last[0]:
            # the same line (a comma hangs below the digits, but lines never overlap): widen it
            lines[-1] = [min(last[0], box[0]), min(last[1], box[1]), max(last[2], box[2]), max(last[3], box[3])]
        else:
            lines.append(box)
    return [(b[0], b[1], b[2], b[3]) for b in lines]


def _png(page: Any, width_px: int) -> bytes:
    image = page.render(scale=width_px / page.get_size()[0]).to_pil()
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _with_page(path: Path, page_index: int, fn: Callable[[Any], T]) -> T:
    """``fn`` of one page of the PDF, the file opened once and closed after."""
    pdf = _open_pdf(path)
    try:
        page = pdf[page_index]
        try:
            return fn(page)
        finally:
            page.close()
    finally:
        pdf.close()


def span_boxes(path: Path, page_index: int, start: int, end: int,
               text: str | None = None) -> tuple[tuple[float, float], list[Box]]:
    """The page size in points and one box per line of the text span [start, end) of that page's
    indexed ``text`` (default: the text ``pdf_pages`` gives it), as (left, top, right, bottom)
    fractions of the page, top-left origin (ready for CSS)."""
    text = _indexed_text(path, page_index) if text is None else text
    return _with_page(path, page_index, lambda page: (page.get_size(), _boxes(page, start, end, text)))


def _indexed_text(path: Path, page_index: int) -> str:
    return next(p.text for p in pdf_pages(path)[0] if p.index == page_index)


def render_page(path: Path, page_index: int, width_px: int = 900) -> bytes:
    """The page as a PNG, ``width_px`` wide."""
    return _with_page(path, page_index, lambda page: _png(page, width_px))


def page_view(path: Path, page_index: int, start: int, end: int, width_px: int = 900,
              text: str | None = None) -> tuple[bytes, list[Box]]:
    """What a PDF citation shows: the page as a PNG and the boxes of the span of its indexed
    ``text`` (the cited document's; default: as ``pdf_pages`` gives it), the file read once."""
    text = _indexed_text(path, page_index) if text is None else text
    return _with_page(path, page_index, lambda page: (_png(page, width_px), _boxes(page, start, end, text)))


# --- web pages and Word files ---------------------------------------------------------------

def read_html(data: bytes) -> tuple[str, str]:
    """(title, main text) of a saved web page: the article, without menus, ads and footers."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(_inline_terms(data), include_tables=True, include_comments=False,
                                          with_metadata=True)
    except Exception as e:  # trafilatura raises assorted parser errors on broken markup
        raise FormatError(f"not a readable web page ({type(e).__name__})") from None
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    title = (getattr(doc, "title", None) or "").strip()
    page_title = _page_title(data)
    if title.endswith(PERMALINK) or b"headerlink" in data:  # a documentation page: its heading is a section
        title = title.rstrip(PERMALINK).strip()
        if page_title and title in page_title:  # "Abstract" -> "Abstract — Debian Python Policy 0.12.0.0 ..."
            title = page_title
    if not text.strip():  # markup nested past the parser's depth limit: the page's plain text instead
        text = _plain_text(data)
    if not text.strip():
        raise FormatError("no article text found in the web page")
    return title or page_title, text


PERMALINK = "¶"  # Sphinx's and MkDocs' heading anchor mark ("Abstract¶")


def _page_title(data: bytes) -> str:
    """The page's own <title>, spaces collapsed ("" if none)."""
    import lxml.html

    try:
        found = lxml.html.fromstring(data, parser=lxml.html.HTMLParser(huge_tree=True)).findtext(".//title")
    except (ValueError, lxml.etree.ParserError):
        return ""
    return " ".join((found or "").split())[:MAX_TITLE]


def _plain_text(data: bytes) -> str:
    """Every visible text of a page, one line per block, for pages trafilatura cannot walk."""
    import lxml.html

    try:
        root = lxml.html.fromstring(data, parser=lxml.html.HTMLParser(huge_tree=True))
    except (ValueError, lxml.etree.ParserError):
        return ""
    for el in root.xpath("//script|//style|//noscript|//template|//head|//nav|//footer"):
        el.drop_tree()
    return "\n".join(" ".join(line.split()) for line in root.text_content().splitlines() if line.strip())


def _inline_terms(data: bytes) -> bytes:
    """Definition lists with each term moved into its definition ("root: Root is the superuser"):
    trafilatura drops a ``<dt>`` whose text sits in a ``<span>`` (DocBook's HTML), and the
    definition loses what it defines. Markup lxml cannot read is passed on as it came."""
    import lxml.html

    try:
        root = lxml.html.fromstring(data)
    except (ValueError, lxml.etree.ParserError):
        return data
    changed = False
    for mark in root.xpath("//a[contains(concat(' ', normalize-space(@class), ' '), ' headerlink ')]"):
        mark.text = ""  # Sphinx's "¶" after every heading: not text of the page
        changed = True
    for dt in root.iter("dt"):
        term = " ".join(dt.text_content().split())
        dd = dt.getnext()
        if not term or dd is None or dd.tag != "dd":
            continue
        target = next((el for el in dd.iter("p", "div", "span") if (el.text or "").strip()), dd)
        target.text = f"{term}: {(target.text or '').lstrip()}"
        dt.drop_tree()
        changed = True
    return lxml.html.tostring(root, encoding="utf-8") if changed else data


MAX_UNZIPPED_MB = 200  # a Word file whose parts inflate past this is refused unread (a zip bomb)
MAX_RATIO = 100  # ... and so is one whose parts inflate more than this many times


def check_unzipped_size(data: bytes) -> None:
    """FormatError if a zip's parts would inflate past ``MAX_UNZIPPED_MB`` or ``MAX_RATIO`` times its
    size: decided from the archive's directory, before anything is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile as e:
        raise FormatError(f"not a readable Word file ({e})") from None
    if total > MAX_UNZIPPED_MB * 2**20 or total > MAX_RATIO * max(len(data), 2**20):
        raise FormatError(f"its parts inflate to {total / 2**20:,.0f} MB from {len(data) / 2**20:,.1f} MB "
                          f"(limit {MAX_UNZIPPED_MB} MB, {MAX_RATIO}x): refused as a possible zip bomb")


def _word_row(cells: Any) -> str:
    """A Word table row as a Markdown row ("| Sales | 9 | 8 |": the outer bars keep an empty
    first or last cell); a cell merged across columns is written once, the rest left empty."""
    seen, out = set(), []
    for c in cells:
        out.append("" if id(c._tc) in seen else " ".join(c.text.split()))
        seen.add(id(c._tc))
    return "| " + " | ".join(out) + " |"


def read_docx(data: bytes) -> tuple[str, str]:
    """(title, text) of a Word file: paragraphs and table rows in document order."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_unzipped_size(data)
    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises zip, XML and key errors for damaged files
        raise FormatError(f"not a readable Word file ({type(e).__name__})") from None
    blocks: list[str] = []
    for item in d.iter_inner_content():
        if isinstance(item, Paragraph):
            if item.text.strip():
                blocks.append(item.text.strip())
        elif isinstance(item, Table):
            rows = [_word_row(row.cells) for row in item.rows]
            blocks.append("\n".join(r for r in rows if r.strip(" |")))
    text = "\n\n".join(b for b in blocks if b)
    if not text.strip():
        raise FormatError("the Word file holds no text")
    return (d.core_properties.title or "").strip(), text
