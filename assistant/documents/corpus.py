"""Load documents from a corpus folder.

Reads ``.txt`` and ``.md`` files as one document each; ``.pdf`` files as one document per page
with text (a page without a text layer is reported, not indexed empty); saved web pages
(``.html``, ``.htm``: their main article text) and Word files (``.docx``) as one document each;
and ``.jsonl`` page files (one JSON object per line with ``doc_name``, ``page`` and ``text``, as
in FinanceBench) as one document per page. Every file is typed by its content. A file that is
binary, not UTF-8, empty, corrupt, password-protected or scanned is skipped with a reason; the
rest loads.

Example::

    docs, skipped = load_corpus(Path("corpus"))
    docs[0].id   # '000_936d9f47e3d9f400.txt'
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError
from ..progress import OnStep, Stage
from ..records import Document
from ..settings import MAX_TEXT_MB
from .aligned import text_tables
from .formats import MAX_TITLE, SUFFIXES, FormatError, pdf_pages, read_docx, read_html, sniff
from .sheets import read_csv, read_xlsx


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _decode(data: bytes) -> str:
    """Strict UTF-8 text, or ValueError with a reason a person understands."""
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 (byte {e.start}: {data[e.start:e.start + 1]!r})") from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ValueError("empty file")
    return text


def _pages(rel: str, text: str) -> list[Document]:
    docs = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            name, page, body = str(rec["doc_name"]), int(rec["page"]), str(rec["text"])
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"line {lineno} is not a {{doc_name, page, text}} object: {e}") from None
        if body.strip():
            docs.append(Document(id=f"{rel}#{name}/p{page}", text=body, sha256=sha256(body), page=page, name=name,
                                 source=rel, kind="pages", tables=text_tables(body)))
    return docs


def too_large(size: float, limit_mb: float, what: str) -> str:
    """Why a file holding ``size`` bytes (or characters) of ``what`` is not indexed ('' when it fits).

    >>> too_large(42_000_000, 10, "text")
    'holds 42.0 MB of text, over the 10 MB a file may hold (ASSISTANT_MAX_TEXT_MB): split it, or raise the limit'
    """
    if size <= limit_mb * 1e6:
        return ""
    return (f"holds {size / 1e6:.1f} MB of {what}, over the {limit_mb:g} MB a file may hold "
            "(ASSISTANT_MAX_TEXT_MB): split it, or raise the limit")


def load_file(path: Path, rel: str, max_text_mb: float = MAX_TEXT_MB) -> tuple[list[Document], list[Skipped]]:
    """The documents of one corpus file (and pages of it that were skipped). ValueError (a
    FormatError or a decoding problem, or more than ``max_text_mb`` of text) when nothing of it
    can be read. A text file over the limit is refused before it is read (bounded memory)."""
    if SUFFIXES.get(path.suffix.lower()) in ("text", "pages", "csv") and (why := too_large(
            path.stat().st_size, max_text_mb, "text")):
        raise ValueError(why)
    docs, skipped = _read(path, rel)
    if why := too_large(sum(len(d.text) for d in docs), max_text_mb, "text"):
        raise ValueError(why)
    return docs, skipped


def _read(path: Path, rel: str) -> tuple[list[Document], list[Skipped]]:
    data = path.read_bytes()
    if not data.strip():
        raise ValueError("empty file")
    try:
        kind = sniff(data, rel)
    except FormatError:
        if b"\x00" in data[:8192] and SUFFIXES.get(path.suffix.lower()) in ("text", "pages"):
            raise ValueError("binary file (contains NUL bytes)") from None
        raise
    name = Path(rel).name
    if kind == "pdf":
        pages, empty, title = pdf_pages(path)
        heading = title or lead_title(pages[0].text)
        docs = [Document(f"{rel}#p{p.index + 1}", p.text, sha256(p.text), p.index, name, rel, "pdf", heading,
                         text_tables(p.text, p.xs)) for p in pages]
        return docs, [Skipped(f"{rel} page {i + 1}", "no text layer (scanned?)") for i in empty]
    if kind == "xlsx":
        return [Document(f"{rel}#{sheet}", text, sha256(text), None, sheet, rel, "sheet", f"{name}: {sheet}", (table,))
                for sheet, text, table in read_xlsx(data)], []
    if kind == "csv":
        text, table = read_csv(_decode(data))
        return [Document(rel, text, sha256(text), None, name, rel, "csv", name, (table,))], []
    if kind in ("html", "docx"):
        title, text = read_html(data) if kind == "html" else read_docx(data)
        return [Document(rel, text, sha256(text), None, title or name, rel, kind, title or lead_title(text),
                         text_tables(text))], []
    text = _decode(data)
    if kind == "pages":
        return _pages(rel, text), []
    return [Document(id=rel, text=text, sha256=sha256(text), source=rel, heading=lead_title(text),
                     tables=text_tables(text))], []


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
TITLE_WORDS = 10  # a title made of the lead sentence's first words


def lead_title(text: str) -> str:
    r"""A title for a document without one: its first line if that is a Markdown heading, else the
    first words of its first line.

    >>> lead_title("# Depot staffing\n\nThe eastern depot will hire 42 technicians.")
    'Depot staffing'
    >>> lead_title("A ranking Japanese trade official today rejected the Reagan administration's request.")
    "A ranking Japanese trade official today rejected the Reagan administration's…"
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    if m := _MD_HEADING.match(first):
        return m.group(1)[:MAX_TITLE]
    words = first.split()
    return (" ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else ""))[:MAX_TITLE]


SYMLINK_OUT = "symlink to outside the corpus: not indexed"
SYMLINK_DIR = "symlink to a folder: not followed"


def corpus_files(corpus_dir: Path) -> tuple[list[Path], list[Skipped]]:
    """Every candidate file, in a stable (sorted) order, and the links refused (with why).

    Hidden files are ignored. Symbolic links are never followed out of the corpus: a link to
    a file outside it (``passwd.txt -> /etc/passwd``) and a link to any folder are refused by
    name; a link to a file inside the corpus is read like that file.
    """
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"Corpus folder {corpus_dir} does not exist. Create it and put documents in it, "
            "or pass --corpus DIR."
        )
    root = corpus_dir.resolve()
    files: list[Path] = []
    refused: list[Skipped] = []
    for folder, dirs, names in os.walk(corpus_dir, followlinks=False):
        here = Path(folder)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for d in [d for d in dirs if (here / d).is_symlink()]:
            refused.append(Skipped((here / d).relative_to(corpus_dir).as_posix(), SYMLINK_DIR))
            dirs.remove(d)
        for name in names:
            p = here / name
            if name.startswith(".") or p.suffix.lower() not in SUFFIXES:
                continue
            if p.is_symlink() and root not in p.resolve().parents:
                refused.append(Skipped(p.relative_to(corpus_dir).as_posix(), SYMLINK_OUT))
            elif p.is_file():
                files.append(p)
    return sorted(files), sorted(refused, key=lambda s: s.path)


def load_corpus(corpus_dir: Path, limit_pages: int | None = None, on_step: OnStep | None = None,
                max_text_mb: float = MAX_TEXT_MB) -> tuple[list[Document], list[Skipped]]:
    """Documents of the corpus and the files skipped (with why), each file read told to
    ``on_step``. Raises CorpusError if none load."""
    docs: list[Document] = []
    files, skipped = corpus_files(corpus_dir)
    reading = Stage(on_step, "reading", len(files), "file")
    for path in files:
        rel = path.relative_to(corpus_dir).as_posix()
        try:
            got, partly = load_file(path, rel, max_text_mb)
            docs.extend(got)
            skipped.extend(partly)
        except (OSError, ValueError) as e:
            skipped.append(Skipped(rel, str(e)))
        reading.advance()
        if limit_pages is not None and len(docs) >= limit_pages:
            docs = docs[:limit_pages]
            break
    if not docs:
        why = f" ({len(skipped)} file(s) skipped as unreadable)" if skipped else ""
        raise CorpusError(
            f"No readable document (.txt, .md, .pdf, .html, .docx, .jsonl, .csv, .xlsx) in {corpus_dir}{why}. "
            "Add documents and run `assistant index` again."
        )
    return docs, skipped
