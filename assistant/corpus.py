"""Load documents from a corpus folder.

Reads ``.txt`` and ``.md`` files as one document each, and ``.jsonl`` page files (one JSON
object per line with ``doc_name``, ``page`` and ``text``, as in FinanceBench) as one document
per page. A file that is binary, not UTF-8 or empty is skipped with a reason; the rest loads.

Example::

    docs, skipped = load_corpus(Path("corpus"))
    docs[0].id   # '000_936d9f47e3d9f400.txt'
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError
from .records import Document

TEXT_SUFFIXES = {".txt", ".md"}
PAGE_SUFFIXES = {".jsonl"}


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_text(path: Path) -> str:
    """Strict UTF-8 text, or ValueError with a reason a person understands."""
    data = path.read_bytes()
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
            docs.append(
                Document(id=f"{rel}#{name}/p{page}", text=body, sha256=sha256(body), page=page, name=name)
            )
    return docs


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every candidate file, in a stable (sorted) order; hidden files are ignored."""
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"Corpus folder {corpus_dir} does not exist. Create it and put .txt/.md files in it, "
            "or pass --corpus DIR."
        )
    suffixes = TEXT_SUFFIXES | PAGE_SUFFIXES
    return sorted(
        p
        for p in corpus_dir.rglob("*")
        if p.is_file()
        and p.suffix.lower() in suffixes
        and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
    )


def load_corpus(corpus_dir: Path, limit_pages: int | None = None) -> tuple[list[Document], list[Skipped]]:
    """Documents of the corpus and the files skipped (with why). Raises CorpusError if none load."""
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for path in corpus_files(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        try:
            text = _read_text(path)
            if path.suffix.lower() in PAGE_SUFFIXES:
                docs.extend(_pages(rel, text))
            else:
                docs.append(Document(id=rel, text=text, sha256=sha256(text)))
        except (OSError, ValueError) as e:
            skipped.append(Skipped(rel, str(e)))
        if limit_pages is not None and len(docs) >= limit_pages:
            docs = docs[:limit_pages]
            break
    if not docs:
        why = f" ({len(skipped)} file(s) skipped as unreadable)" if skipped else ""
        raise CorpusError(
            f"No readable .txt, .md or .jsonl document in {corpus_dir}{why}. "
            "Add UTF-8 text files and run `assistant index` again."
        )
    return docs, skipped
