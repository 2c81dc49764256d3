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
from collections.abc import Callable
from functools import cache
from typing import Any

from .records import Chunk, Document

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


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences as (start, end) offsets into ``text``; never crosses a paragraph break."""
    tok = _punkt()
    out: list[tuple[int, int]] = []
    for p0, p1 in paragraph_spans(text):
        out.extend((p0 + s, p0 + e) for s, e in tok.span_tokenize(text[p0:p1]))
    return out


def chunk_document(
    doc: Document, count_tokens: Callable[[str], int], max_tokens: int, min_tokens: int
) -> list[Chunk]:
    """Pack the document's sentences into chunks of at most ``max_tokens`` model tokens.

    A chunk closes at a paragraph break once it holds ``min_tokens``; a single sentence longer
    than the limit is cut at word boundaries.
    """
    pieces: list[tuple[int, int, int, bool]] = []  # start, end, tokens, ends_paragraph
    para_ends = {e for _, e in paragraph_spans(doc.text)}
    for s, e in sentence_spans(doc.text):
        for a, b in _fit(doc.text, s, e, count_tokens, max_tokens):
            pieces.append((a, b, count_tokens(doc.text[a:b]), b in para_ends))

    chunks: list[Chunk] = []
    cur: list[tuple[int, int, int, bool]] = []

    def close() -> None:
        if cur:
            start, end = cur[0][0], cur[-1][1]
            chunks.append(Chunk(doc.id, start, end, count_tokens(doc.text[start:end])))
            cur.clear()

    for piece in pieces:
        if cur and count_tokens(doc.text[cur[0][0]:piece[1]]) > max_tokens:
            close()
        cur.append(piece)
        if piece[3] and count_tokens(doc.text[cur[0][0]:cur[-1][1]]) >= min_tokens:
            close()
    close()
    return chunks


def _fit(
    text: str, start: int, end: int, count_tokens: Callable[[str], int], max_tokens: int
) -> list[tuple[int, int]]:
    """Split [start, end) at whitespace into spans of at most ``max_tokens`` tokens."""
    if count_tokens(text[start:end]) <= max_tokens:
        return [(start, end)]
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    spans, i = [], 0
    while i < len(words):
        j = i + 1
        while j < len(words) and count_tokens(text[words[i][0]:words[j][1]]) <= max_tokens:
            j += 1
        spans.append((words[i][0], words[j - 1][1]))
        i = j
    return spans
