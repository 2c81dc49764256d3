"""Sentence spans and token-bounded chunks, with exact character offsets.

Sentences come from the Punkt model that llama-index-core bundles (no download), taught the
abbreviations news text uses ("U.S.", "Jr."). Chunks pack whole sentences, prefer to end at a
paragraph break, and never exceed ``max_tokens`` as counted by the embedding model's own
tokenizer (MiniLM silently truncates past 256 word-pieces).

>>> sentence_spans("He left the U.S. market. She stayed.")
[(0, 24), (25, 36)]
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from ..records import Chunk, Document, Table
from .aligned import row_lines, text_tables

_ABBREVIATIONS = {"u.s", "u.n", "u.k", "jr", "sr", "mr", "mrs", "ms", "dr", "st", "inc", "corp",
                  "co", "ltd", "no", "vs", "e.g", "i.e", "gov", "sen", "rep", "gen", "jan", "feb",
                  "aug", "sept", "oct", "nov", "dec"}
_PARAGRAPH = re.compile(r"\n\s*\n")


@cache
def _punkt() -> Any:
    from llama_index.core.utils import globals_helper

    tok = copy.deepcopy(globals_helper.punkt_tokenizer)  # don't change llama-index's shared copy
    tok._params.abbrev_types.update(_ABBREVIATIONS)
    return tok


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Non-blank paragraphs (separated by blank lines), as trimmed (start, end) spans."""
    spans, pos = [], 0
    for m in [*_PARAGRAPH.finditer(text), None]:
        end = m.start() if m else len(text)
        seg = text[pos:end]
        if seg.strip():
            lead = len(seg) - len(seg.lstrip())
            spans.append((pos + lead, pos + len(seg.rstrip())))
        if m:
            pos = m.end()
    return spans


def sentence_spans(text: str, tables: Sequence[Table] | None = None) -> list[tuple[int, int]]:
    r"""Sentences as (start, end) offsets into ``text``; never crosses a paragraph break. Each line
    of a table (``tables``: the document's; default, those written in ``text``) is a sentence of
    its own: a table is not one run-on sentence.

    >>> t = "Exposure was:\n2019 | 2018\nUK | 24.5 | 24.9\nIt fell."
    >>> [t[a:b] for a, b in sentence_spans(t)]
    ['Exposure was:', '2019 | 2018', 'UK | 24.5 | 24.9', 'It fell.']
    """
    tok = _punkt()
    rows = row_lines(text, text_tables(text) if tables is None else tables)
    out: list[tuple[int, int]] = []
    for p0, p1 in paragraph_spans(text):
        pos = p0
        for a, b in [r for r in rows if p0 <= r[0] < p1] + [(p1, p1)]:
            if text[pos:a].strip():  # the prose between table rows
                q0 = pos + len(text[pos:a]) - len(text[pos:a].lstrip())
                q1 = pos + len(text[pos:a].rstrip())
                out.extend((q0 + s, q0 + e) for s, e in tok.span_tokenize(text[q0:q1]))
            if b > a:
                out.append((a + len(text[a:b]) - len(text[a:b].lstrip()), a + len(text[a:b].rstrip())))
            pos = max(pos, b)
    return out


HEADER_TOKENS = 48  # room left for a context header: 200-token chunks + header stay under 256


def context_header(doc: Document, count_tokens: Callable[[str], int], limit: int = HEADER_TOKENS) -> str:
    r"""What a chunk of a *named* document (a page of a filing, a PDF page, a titled web page) is
    embedded with, so that a slice
    from the middle of a statement page still carries its filing and the page's heading lines
    (the way a reader sees them). Plain files have no name and get no header.

    >>> words = lambda s: len(s.split())
    >>> context_header(Document("f#p", "Table of Contents\n3M Company\nCash Flows\n...", "", 59, "3M_2018_10K"), words)
    '3M 2018 10K, page 60: Table of Contents / 3M Company'
    """
    if not doc.name:
        return ""
    lines = [ln.strip() for ln in doc.text.splitlines() if ln.strip()][:2]
    where = f", page {doc.page_label}" if doc.page is not None else ""
    head = f"{doc.name.replace('_', ' ')}{where}: " + " / ".join(" ".join(ln.split()) for ln in lines)
    while head and count_tokens(head) > limit:
        head = head[: int(len(head) * 0.8)].rstrip()
    return head


def embedding_text(doc: Document, chunk: Chunk, header: str) -> str:
    """The text a chunk is embedded as: its context header (if any), then the chunk itself."""
    body = doc.text[chunk.start : chunk.end]
    return f"{header}\n{body}" if header else body


def chunk_document(
    doc: Document, count_tokens: Callable[[str], int], max_tokens: int, min_tokens: int,
    sentences: list[tuple[int, int]] | None = None,
) -> list[Chunk]:
    """Pack the document's sentences into chunks of at most ``max_tokens`` model tokens.

    A chunk closes at a paragraph break once it holds ``min_tokens``; a single sentence longer
    than the limit is cut at word boundaries. Pieces are counted once and summed (WordPiece
    counts add up across whitespace); each chunk is then counted exactly once, and trimmed if
    a tokenizer ever disagrees with the sum.
    """
    text = doc.text
    pieces: list[tuple[int, int, int, bool]] = []  # start, end, tokens, ends_paragraph
    para_ends = {e for _, e in paragraph_spans(text)}
    for s, e in sentences if sentences is not None else sentence_spans(text):
        for a, b, n in _fit(text, s, e, count_tokens, max_tokens):
            pieces.append((a, b, n, b in para_ends))

    chunks: list[Chunk] = []
    cur: list[tuple[int, int, int, bool]] = []

    def close() -> None:
        while cur:
            n = len(cur)
            exact = count_tokens(text[cur[0][0] : cur[n - 1][1]])
            while n > 1 and exact > max_tokens:
                n -= 1
                exact = count_tokens(text[cur[0][0] : cur[n - 1][1]])
            chunks.append(Chunk(doc.id, cur[0][0], cur[n - 1][1], exact))
            del cur[:n]

    total = 0
    for piece in pieces:
        if cur and total + piece[2] > max_tokens:
            close()
            total = 0
        cur.append(piece)
        total += piece[2]
        if piece[3] and total >= min_tokens:
            close()
            total = 0
    close()
    return chunks


def _fit(
    text: str, start: int, end: int, count_tokens: Callable[[str], int], max_tokens: int
) -> list[tuple[int, int, int]]:
    """Split [start, end) at whitespace into (start, end, tokens) spans of <= ``max_tokens``."""
    n = count_tokens(text[start:end])
    if n <= max_tokens:
        return [(start, end, n)]
    spans: list[tuple[int, int, int]] = []
    a = b = -1
    total = 0
    for m in re.finditer(r"\S+", text[start:end]):
        ws, we = m.start() + start, m.end() + start
        k = count_tokens(text[ws:we])
        while k > max_tokens:  # one "word" longer than the limit (a run without spaces): cut it
            cut = ws + max(1, (we - ws) * max_tokens // (2 * k))
            spans.append((ws, cut, count_tokens(text[ws:cut])))
            ws, k = cut, count_tokens(text[cut:we])
        if a >= 0 and total + k > max_tokens:
            spans.append((a, b, total))
            a, total = -1, 0
        if a < 0:
            a = ws
        b, total = we, total + k
    if a >= 0:
        spans.append((a, b, total))
    return spans
