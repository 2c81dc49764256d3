"""The HTML the chat page shows: answers with clickable markers, source cards, and the viewer
(a cited document with its span marked; a PDF page rendered with boxes over the span), plus the
page's CSS and the click handler. Pure functions of records: ``ui`` wires them to gradio.

Every piece of document text passes through ``esc`` (HTML *and* Markdown neutralised) before
it reaches the page, so an article holding ``<script>`` or ``![x](http://...)`` shows as text.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path

from ..answering.present import WEAK_EVIDENCE, pieces, printable, refusal_text
from ..documents.chunking import paragraph_spans
from ..documents.formats import FormatError, page_view
from ..records import Answer, Citation, Document, Table, flow

# One pass, character by character: HTML specials and Markdown punctuation become numeric
# entities, so nothing in a document can open a tag, a link or an image.
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#+-.!|~$"}  # $: no math either

CSS = """
.hidden-control { display: none !important; }
/* The upload's progress is drawn inside the status block: room for it, never clipped. */
#upload-status { min-height: 4.2em; overflow: visible !important; }
#upload-status .progress-text, #upload-status .progress-level-inner { white-space: normal; }
/* The document table fits the pane at 1400 px: smaller type, words broken only when one is too long. */
#doc-list table { font-size: 0.8em; }
#doc-list th, #doc-list td { word-break: normal; overflow-wrap: break-word; }
#doc-list th span, #doc-list th div { word-break: keep-all; overflow-wrap: normal; }
.answer .cite { cursor: pointer; color: var(--color-accent); font-weight: 600; background: none;
  border: none; padding: 0 1px; font-size: 0.9em; }
.answer .working { display: block; margin: 0.15em 0 0.25em 0.8em; font-variant-numeric: tabular-nums;
  color: var(--body-text-color-subdued); }  /* a derived figure's working, under the result */
.answer .timing { color: var(--body-text-color-subdued); font-size: 0.75em; margin-left: 0.5em; }
.answer.not-found { border-left: 4px dashed #b45309; padding-left: 0.6em; color: var(--body-text-color-subdued); }
.answer .conflict { display: block; font-weight: 700; color: #b45309; margin-bottom: 0.3em; }
.answer .error { color: #b91c1c; }
.answer.weak { border-left: 4px solid #b45309; padding-left: 0.6em; }  /* an answer on weak evidence */
.answer .weak-evidence { display: block; font-size: 0.85em; font-weight: 600; color: #b45309; margin-bottom: 0.3em; }
.sources h4 { margin: 0.2em 0 0.4em; }
.source { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 0.4em 0.6em;
  margin-bottom: 0.5em; cursor: pointer; }
.source:hover { border-color: var(--color-accent); }
.source .head { font-size: 0.8em; color: var(--body-text-color-subdued); }
.source .ctx { white-space: pre-wrap; font-size: 0.9em; }
.source.related { opacity: 0.85; border-style: dashed; }
mark.hl { background: #fde68a; color: #1f2937; padding: 0 1px; }  /* dark text on yellow in both themes */
.pdf-scroll { max-height: 70vh; overflow: auto; border: 1px solid var(--border-color-primary); border-radius: 6px;
  touch-action: pan-x pan-y pinch-zoom; }  /* a phone pinches the page; the viewer's + and − work too */
.pdf-page { position: relative; line-height: 0; width: 100%; }
.pdf-page img { width: 100%; display: block; }
.pdf-hl { position: absolute; background: rgba(250, 204, 21, 0.38); outline: 2px solid rgba(202, 138, 4, 0.9);
  mix-blend-mode: multiply; pointer-events: none; }
.table-view { max-height: 60vh; overflow: auto; border: 1px solid var(--border-color-primary); border-radius: 6px; }
.table-view table { border-collapse: collapse; font-size: 0.85em; width: 100%; }
.table-view caption { text-align: left; font-weight: 600; padding: 0.3em 0.5em; }
.table-view th, .table-view td { border: 1px solid var(--border-color-primary); padding: 0.2em 0.45em;
  text-align: right; white-space: nowrap; }
.table-view th:first-child, .table-view td:first-child { text-align: left; white-space: normal; }
.table-view th { background: var(--background-fill-secondary); font-weight: 600; }
.table-view .under { box-shadow: inset 0 -3px 0 #ca8a04; }  /* the headers the cited cell is read under */
.table-view td.cited { outline: 3px solid #ca8a04; outline-offset: -2px; }
.table-view .gap td { text-align: center; color: var(--body-text-color-subdued); }
.article-body { white-space: pre-wrap; max-height: 60vh; overflow-y: auto; font-size: 0.9em;
  border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 0.6em; }
.viewer-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.3em 0.8em; margin: 0.2em 0 0.4em; }
.viewer-bar h4 { margin: 0; flex: 1 1 12em; }
.viewer-bar .tools { display: flex; gap: 0.25em; flex-wrap: wrap; }
.viewer-bar .tool { border: 1px solid var(--border-color-primary); border-radius: 4px; padding: 0.1em 0.5em;
  background: var(--background-fill-secondary); color: var(--body-text-color); font-size: 0.85em; cursor: pointer; }
.viewer-bar .tool:disabled { opacity: 0.4; cursor: default; }
.article-body .page-head { display: inline-block; font-weight: 700; color: var(--body-text-color-subdued); }
.viewer-bar .drawer-close { display: none; }
/* Wide screens: the sources and the viewer stay beside the chat, scrolling on their own. */
@media (min-width: 769px) {
  #viewer-pane { position: sticky; top: 0.5em; align-self: flex-start; max-height: calc(100vh - 1em);
    overflow-y: auto; }
}
/* Phones: the viewer opens as a drawer over the lower part of the screen. */
@media (max-width: 768px) {
  #article[data-open] { position: fixed; left: 0; right: 0; bottom: 0; height: 75vh; z-index: 1000;
    overflow-y: auto; padding: 0.6em; background: var(--background-fill-primary);
    border-top: 3px solid var(--color-accent); box-shadow: 0 -8px 24px rgba(0, 0, 0, 0.35); }
  #article[data-open] .drawer-close { display: inline-block; }
}
"""

# Delegated click handler: an element with data-cite (a source card, a viewer button) or a chat
# marker opens that citation; data-zoom and data-close act in the page alone. The viewer centres
# the highlight inside its own scroll box (never the page: the conversation stays where it is)
# and, on a phone, opens as a drawer over the chat.
JS = """
() => {
  const viewer = window.assistantViewer = {
    zoom: 1,
    applyZoom() {
      document.querySelectorAll('#article .pdf-page').forEach(p => { p.style.width = `${viewer.zoom * 100}%`; });
    },
    shown() {
      const article = document.getElementById('article');
      if (article) article.dataset.open = '1';
      const cited = article && article.querySelector('.article');
      const key = cited ? cited.dataset.cite : '';  // the citation shown: paging keeps its zoom, another resets it
      if (key !== viewer.cited) { viewer.cited = key; viewer.zoom = 1; }
      viewer.applyZoom();
      const pane = document.getElementById('viewer-pane');
      if (article && pane && pane.scrollHeight > pane.clientHeight) {
        pane.scrollTop += article.getBoundingClientRect().top - pane.getBoundingClientRect().top;
      }
      viewer.centre();
    },
    centre() {
      const m = document.getElementById('cite-hl');
      const box = m && m.closest('.pdf-scroll, .article-body');
      if (!box) return;
      const r = m.getBoundingClientRect(), b = box.getBoundingClientRect();
      box.scrollTop += r.top - b.top - (box.clientHeight - r.height) / 2;
      box.scrollLeft += r.left - b.left - (box.clientWidth - r.width) / 2;
    },
  };
  document.addEventListener('click', (event) => {
    const tool = event.target.closest('[data-zoom], [data-close]');
    if (tool) {
      event.preventDefault();
      if (tool.dataset.close) { const a = document.getElementById('article'); if (a) delete a.dataset.open; return; }
      const z = tool.dataset.zoom;
      viewer.zoom = z === 'fit' ? 1 : Math.min(4, Math.max(0.5, viewer.zoom * (z === 'in' ? 1.25 : 0.8)));
      viewer.applyZoom();
      viewer.centre();
      return;
    }
    const el = event.target.closest('[data-cite], .cite');
    if (!el) return;
    const m = (el.className || '').match(/ref-(\\d+)-(\\w)-(\\d+)/);
    const ref = el.dataset.cite || (m && `${m[1]}:${m[2]}:${m[3]}`);
    if (!ref) return;
    event.preventDefault();
    const box = document.querySelector('#cite-request textarea, #cite-request input');
    if (!box) return;
    box.value = ref;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    setTimeout(() => document.getElementById('cite-open').click(), 50);
  });
}
"""

PAGE_PX = 1200  # rendered width of a PDF page: sharp up to about 2x zoom in the viewer
UNAVAILABLE = "That source is not available."

SHOWN_JS = "() => window.assistantViewer && window.assistantViewer.shown()"


def esc(text: str) -> str:
    """Text safe inside our HTML, inert as Markdown and LaTeX, with control and bidi characters
    shown as escapes (``present.printable``)."""
    return "".join(_ENTITIES.get(c, c) for c in printable(text))


def _marker(turn: int, kind: str, n: int) -> str:
    # The chat sanitiser drops data-* attributes, so the reference travels in a class name.
    return f'<button class="cite ref-{turn}-{kind}-{n}" title="open source {n}">[{n}]</button>'


def answer_html(reply: Answer, turn: int) -> str:
    """The assistant's chat message: the answer's pieces (see ``present.pieces``) as escaped
    text with clickable markers, and a discreet timing."""
    timing = f'<span class="timing">{reply.timings_ms.get("total", 0):.0f} ms</span>'
    if not reply.found:
        return f'<div class="answer not-found">{esc(refusal_text(reply))} {timing}</div>'
    out = []
    for kind, value in pieces(reply):
        if kind == "lead":
            out.append(f'<span class="conflict">⚠ {esc(str(value))}</span>')
        elif kind == "cite":
            out.append(" " + _marker(turn, "c", int(value)))
        elif kind == "short":
            out.append(f'<strong class="short-answer">{esc(str(value))}</strong>')
        elif kind == "open":
            out.append(f'<span class="{esc(str(value))}">')
        elif kind == "close":
            out.append("</span>")
        else:
            out.append(esc(str(value)).replace("\n", "<br>"))
    if reply.evidence == "weak":  # said before the answer, so nobody reads the answer without it
        out.insert(0, f'<span class="weak-evidence">{esc(WEAK_EVIDENCE)}</span>')
        return f'<div class="answer weak">{"".join(out)} {timing}</div>'
    return f'<div class="answer">{"".join(out)} {timing}</div>'


def _context(doc: Document, c: Citation, limit: int = 320) -> str:
    """The paragraph around a citation with the quote highlighted (clipped for long pages); a
    PDF's hard line breaks shown as spaces (``records.flow``)."""
    text, show = doc.text, flow if doc.kind == "pdf" else str
    p0, p1 = next(((a, b) for a, b in paragraph_spans(text) if a <= c.start and c.end <= b), (c.start, c.end))
    p0, p1 = max(p0, c.start - limit), min(p1, c.end + limit)
    before = ("…" if p0 > 0 else "") + text[p0 : c.start]
    after = text[c.end : p1] + ("…" if p1 < len(text) else "")
    return f'{esc(show(before))}<mark class="hl">{esc(show(c.quote))}</mark>{esc(show(after))}'


def sources_html(reply: Answer | None, turn: int, documents: Mapping[str, Document]) -> str:
    if reply is None:
        return '<div class="sources"><h4>Sources</h4><p>Ask a question; its sources appear here.</p></div>'
    rows = ['<div class="sources">']
    for title, cites, kind in (("Sources", reply.citations, "c"), ("Related (not an answer)", reply.related, "r")):
        if not cites:
            continue
        rows.append(f"<h4>{esc(title)}</h4>")
        for c in cites:
            doc = documents.get(c.source)
            ctx = _context(doc, c) if doc else esc(c.quote)
            cls = "source related" if kind == "r" else "source"
            rows.append(
                f'<div class="{cls}" data-cite="{turn}:{kind}:{c.n}" role="button" tabindex="0">'
                f'<div class="head" title="{esc(c.file or c.source)}">[{c.n}] {esc(c.label)}</div>'
                + (f'<div class="head cell">read under: {esc(" · ".join(c.cell.headers))}</div>' if c.cell else "")
                + f'<div class="ctx">{ctx}</div></div>'
            )
    rows.append("</div>")
    return "".join(rows)


def _view_label(c: Citation, shown: Document) -> str:
    """"Regional energy report, p. 3": the citation's document, at the page shown."""
    return f"{c.name}, p. {shown.page_label}" if shown.page_label is not None else c.name


def _marked(text: str, span: tuple[int, int] | None, ident: str = "cite-hl") -> str:
    """A document's text escaped, the span (if any) marked with ``ident`` so it can be centred."""
    if span is None:
        return esc(text)
    s, e = span
    return f'{esc(text[:s])}<mark id="{ident}" class="hl">{esc(text[s:e])}</mark>{esc(text[e:])}'


def _body(inner: str) -> str:
    return f'<div class="article-body">{inner}</div>'


def article_html(reply: Answer, turn: int, kind: str, n: int, documents: Mapping[str, Document],
                 corpus_dir: Path | None = None, at: str = "") -> str:
    """The viewer: the cited document with the span marked (id cite-hl, centred inside the viewer
    by JS, never by scrolling the page). A PDF page is its rendered image with the span's
    character boxes drawn over it; anything else its extracted text. ``at`` moves the viewer
    within the cited file: "p<page>" (0-based) shows another page of it, "all" every page's
    text; only pages of that file, as indexed, can be shown. The toolbar has previous / next
    page, zoom (PDF), whole document (paged files) and, in the phone drawer, close."""
    cites = reply.citations if kind == "c" else reply.related
    c = next((x for x in cites if x.n == n), None)
    doc = documents.get(c.source) if c else None
    if c is None or doc is None:
        return f"<p>{esc(UNAVAILABLE)}</p>"
    pages = sorted((d for d in documents.values() if d.file == doc.file and d.page is not None),
                   key=lambda d: d.page or 0)
    ref = f"{turn}:{kind}:{n}"
    shown = next((d for d in pages if at == f"p{d.page}"), doc)
    span = (c.start, c.end) if shown.id == doc.id else None
    zoomable = False  # a rendered page is shown
    if at == "all" and len(pages) > 1:
        view = _body("".join(f'<span class="page-head">p. {d.page_label}</span>\n'
                             f'{_marked(d.text, span if d.id == doc.id else None)}\n\n' for d in pages))
        label = c.name
    else:
        view, label = _body(_marked(shown.text, span)), _view_label(c, shown)
        if c.cell is not None and span is not None and shown.kind != "pdf" and c.cell.table < len(shown.tables):
            text = _body(_marked(shown.text, span, "cite-hl-text"))
            view = (table_html(shown, shown.tables[c.cell.table], c.cell.row, c.cell.column)
                    + f"<details><summary>Text of the document</summary>{text}</details>")
        if shown.kind == "pdf" and corpus_dir is not None and shown.page is not None:
            try:
                image = pdf_page_html(corpus_dir / shown.file, shown.page, *(span or (0, 0)), shown.text)
                view = (f'{image}<details><summary>Extracted text of the page</summary>'
                        f'{_body(_marked(shown.text, span, "cite-hl-text"))}</details>')
                zoomable = True
            except (OSError, FormatError):
                pass  # the file changed since indexing: show the text we indexed
    tools = []
    if len(pages) > 1:
        i = next((j for j, d in enumerate(pages) if d.id == shown.id), -1)
        prev = pages[i - 1] if at != "all" and i > 0 else None
        after = pages[i + 1] if at != "all" and 0 <= i < len(pages) - 1 else None
        for target, text, hint in ((prev, "‹ Prev", "previous page"), (after, "Next ›", "next page")):
            state = f'data-cite="{ref}:p{target.page}"' if target else "disabled"
            tools.append(f'<button class="tool" {state} title="{hint}">{text}</button>')
        tools.append(f'<button class="tool" data-cite="{ref}:all" title="every page\'s text">Whole document</button>'
                     if at != "all" else f'<button class="tool" data-cite="{ref}" title="back to the cited page">'
                     f"Cited page</button>")
    if zoomable:
        tools += [f'<button class="tool" data-zoom="{z}" title="{hint}">{text}</button>'
                  for z, text, hint in (("out", "−", "zoom out"), ("fit", "Fit", "fit the width"),
                                        ("in", "+", "zoom in"))]
    tools.append('<button class="tool drawer-close" data-close="1" title="close the viewer">✕ Close</button>')
    head = (f'<div class="viewer-bar"><h4 title="{esc(doc.file)}">{esc(label)}</h4>'
            f'<span class="tools">{"".join(tools)}</span></div>')
    return f'<div class="article" data-source="{esc(c.source)}" data-cite="{ref}">{head}{view}</div>'


ROWS_AROUND = 8  # body rows shown on each side of a cited cell's row (the header rows always)


def table_html(doc: Document, table: Table, row: int, col: int) -> str:
    """A cited table cell as a person checks it: the table (its header rows, and the body rows
    around the cell's), the cell outlined (id cite-hl) and the row label and column headers it
    is read under underlined."""
    text = doc.text
    body = range(max(table.header_rows, row - ROWS_AROUND), min(table.rows, row + ROWS_AROUND + 1))
    shown = [*range(table.header_rows), *body]
    heads = {(row, c) for c in range(table.header_cols)} | {(r, col) for r in range(table.header_rows)}
    lines, last = [], -1
    for r in shown:
        if r > last + 1:
            lines.append(f'<tr class="gap"><td colspan="{table.cols}">⋯</td></tr>')
        last = r
        cells = []
        for c in range(table.cols):
            x = table.cell(r, c)
            value = esc(printable(text[x.start:x.end])) if x else ""
            tag = "th" if r < table.header_rows or c < table.header_cols else "td"
            classes = ["under"] if (r, c) in heads else []
            if (r, c) == (row, col):
                classes, value = ["cited"], f'<mark id="cite-hl" class="hl">{value}</mark>'
            cls = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<{tag}{cls}>{value}</{tag}>")
        lines.append(f"<tr>{''.join(cells)}</tr>")
    caption = f"<caption>{esc(table.caption)}</caption>" if table.caption else ""
    return f'<div class="table-view"><table>{caption}{"".join(lines)}</table></div>'


def pdf_page_html(path: Path, page: int, start: int, end: int, text: str) -> str:
    """The rendered page as an inline image, one highlight box per line of the span (of the page's
    indexed ``text``) on top."""
    png, boxes = page_view(path, page, start, end, width_px=PAGE_PX, text=text)
    ids = ['id="cite-hl" '] + [""] * max(0, len(boxes) - 1)
    marks = "".join(
        f'<div {ident}class="pdf-hl" style="left:{x0 * 100:.3f}%;top:{y0 * 100:.3f}%;'
        f'width:{(x1 - x0) * 100:.3f}%;height:{(y1 - y0) * 100:.3f}%"></div>'
        for ident, (x0, y0, x1, y1) in zip(ids, boxes, strict=False))
    src = "data:image/png;base64," + base64.b64encode(png).decode()
    return (f'<div class="pdf-scroll"><div class="pdf-page"><img src="{src}" alt="page {page + 1}">{marks}</div></div>')
