"""The gradio chat UI: thin over ``Assistant.ask``; all it adds is presentation.

Every piece of document text passes through ``esc`` (HTML *and* Markdown neutralised) before
it reaches the page, so an article holding ``<script>`` or ``![x](http://...)`` shows as text.
Only documents of the loaded index can be opened, by their id; no file path is ever served.
(Over 450 lines: one gradio Blocks page, its event wiring and the viewer's HTML belong together.)

Layout: a collection picker; chat (left) | a pane beside it (sticky on wide screens) with
tabs: "Sources" (sources of the latest answer and the viewer) and "Documents" (upload,
document list, remove, new collection). Clicking a ``[n]`` marker or a source opens its
document in the viewer with the cited span highlighted and centred inside the viewer (the page
and the conversation do not move; on a phone the viewer is a drawer): a PDF citation shows the
page, rendered by pdfium, with boxes over the span's characters, zoom and previous / next page;
every paged file offers its whole text. A delegated click handler fills a hidden textbox and
presses a hidden button. Pages are inlined as images: no file is ever served by path.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..answering.conversation import Turn
from ..answering.present import NOT_FOUND, answer_json, pieces, printable
from ..core import check_history
from ..documents.chunking import paragraph_spans
from ..documents.formats import SUFFIXES, FormatError, page_view
from ..errors import AssistantError
from ..progress import Step
from ..records import Answer, Citation, Document, flow
from .collection import DEFAULT, Library, create, documents, require, settings_for
from .server import api_arguments, public

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
.answer .timing { color: var(--body-text-color-subdued); font-size: 0.75em; margin-left: 0.5em; }
.answer.not-found { border-left: 4px dashed #b45309; padding-left: 0.6em; color: var(--body-text-color-subdued); }
.answer .conflict { display: block; font-weight: 700; color: #b45309; margin-bottom: 0.3em; }
.answer .error { color: #b91c1c; }
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
READ_ONLY = "This server is read-only: documents can be asked about, not added or removed."

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
        return f'<div class="answer not-found">{esc(NOT_FOUND)} {timing}</div>'
    out = []
    for kind, value in pieces(reply):
        if kind == "lead":
            out.append(f'<span class="conflict">⚠ {esc(str(value))}</span>')
        elif kind == "cite":
            out.append(" " + _marker(turn, "c", int(value)))
        elif kind == "short":
            out.append(f'<strong class="short-answer">{esc(str(value))}</strong>')
        else:
            out.append(esc(str(value)).replace("\n", "<br>"))
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
                f'<div class="ctx">{ctx}</div></div>'
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
        if shown.kind == "pdf" and corpus_dir is not None and shown.page is not None:
            try:
                image = pdf_page_html(corpus_dir / shown.file, shown.page, *(span or (0, 0)))
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


def pdf_page_html(path: Path, page: int, start: int, end: int) -> str:
    """The rendered page as an inline image, one highlight box per line of the span on top."""
    png, boxes = page_view(path, page, start, end, width_px=PAGE_PX)
    ids = ['id="cite-hl" '] + [""] * max(0, len(boxes) - 1)
    marks = "".join(
        f'<div {ident}class="pdf-hl" style="left:{x0 * 100:.3f}%;top:{y0 * 100:.3f}%;'
        f'width:{(x1 - x0) * 100:.3f}%;height:{(y1 - y0) * 100:.3f}%"></div>'
        for ident, (x0, y0, x1, y1) in zip(ids, boxes, strict=False))
    src = "data:image/png;base64," + base64.b64encode(png).decode()
    return (f'<div class="pdf-scroll"><div class="pdf-page"><img src="{src}" alt="page {page + 1}">{marks}</div></div>')


def _rows(bot: Any) -> list[list[Any]]:
    if bot is None:
        return []
    return [[printable(r.file), printable(r.name), r.pages, r.chunks, r.indexed.replace("T", " ")[:16],
             printable(r.status)] for r in documents(bot.index)]


def build_ui(library: Library, examples: list[str], collection: str = DEFAULT) -> Any:
    """The gradio Blocks app over a Library of collections (``collection`` shown first)."""
    import gradio as gr

    def docs_of(name: str) -> Mapping[str, Document]:
        bot = library.bot(name)
        return bot.index.documents if bot else {}

    def respond(question: str, chat: list[dict[str, Any]], turns: list[Turn], name: str):
        chat = [*chat, {"role": "user", "content": esc(question or "")}]
        bot = library.bot(name)
        try:
            if bot is None:
                raise AssistantError(f"The collection {name!r} has no documents yet: add some in the Documents tab.")
            done = bot.ask(question, history=turns)
        except AssistantError as e:
            error = f'<div class="answer"><span class="error">{esc(str(e))}</span></div>'
            chat.append({"role": "assistant", "content": error})
            return chat, turns, gr.update(), gr.update(), question
        turns = [*turns, done]
        n, reply = len(turns) - 1, done.reply
        chat.append({"role": "assistant", "content": answer_html(reply, n)})
        return chat, turns, sources_html(reply, n, bot.index.documents), "", ""

    def open_citation(request: str, turns: list[Turn], name: str) -> tuple[str, Any]:
        return _open(request, turns, name), gr.Tabs(selected="sources-tab")  # the viewer's tab, if elsewhere

    def _open(request: str, turns: list[Turn], name: str) -> str:
        try:
            turn_s, kind, n_s, *rest = request.split(":")
            turn, at = int(turn_s), rest[0] if rest else ""
            reply = turns[turn].reply
            return article_html(reply, turn, kind, int(n_s), docs_of(name),
                                settings_for(library.settings, name).corpus_dir, at)
        except (ValueError, IndexError, AssistantError):
            return f"<p>{esc(UNAVAILABLE)}</p>"

    def clear(name: str):
        return [], [], sources_html(None, 0, {}), "", ""

    def switch(name: str):
        return (*clear(name), *doc_panel(name), gr.update(visible=name == DEFAULT))

    def doc_panel(name: str) -> tuple[Any, ...]:
        """The Documents tab of a collection: its table, the remove choices, the count line."""
        rows = _rows(library.bot(name))
        return rows, gr.update(choices=[r[0] for r in rows], value=None), _count(name)

    def _count(name: str) -> str:
        n = len({d.file for d in docs_of(name).values()})
        return f"**{name}**: {n} document{'s' if n != 1 else ''} indexed."

    read_only = library.settings.read_only

    def writable() -> None:
        if read_only:
            raise AssistantError(READ_ONLY)

    def upload(files: list[str] | None, name: str, progress: Any = gr.Progress()):  # noqa: B008
        paths = [Path(f) for f in files or []]

        def step(s: Step) -> None:  # one progress line, moving with every file and block of chunks
            progress(s.done / s.total if s.total else None, desc=s.line())

        try:
            writable()
            done = library.add(name, [(p, p.name) for p in paths], progress=step)
            lines = [f"Added: {', '.join(done.stored)}." if done.stored else "Nothing added."]
            lines += [f"Refused: {r}" for r in done.refused]
            lines += [f"Skipped {x}" for x in done.skipped]
            if done.summary:
                lines.append(done.summary.capitalize() + ".")
            status = "\n\n".join(lines)
        except AssistantError as e:
            status = f"Could not add the files: {e}"
        finally:
            for p in paths:  # the upload copy is never kept or served
                p.unlink(missing_ok=True)
        return None, esc(status), *doc_panel(name)

    def ask_remove(file: str | None, name: str):
        """Removing asks first: it deletes the file from the collection's folder and its index."""
        if not file:
            return gr.update(visible=False), "", "Choose a document to remove."
        return (gr.update(visible=True), esc(f"Remove {file} from {name}? Its file is deleted and it leaves the "
                                             "index."), "")

    def remove_doc(file: str | None, name: str):
        try:
            writable()
            status = library.remove(name, file or "") if file else "Choose a document to remove."
        except AssistantError as e:
            status = str(e)
        return esc(status), *doc_panel(name)

    def new_collection(new: str):
        name = (new or "").strip()
        try:
            writable()
            if not name:
                raise AssistantError("Type a name for the new collection first.")
            existed = name in library.names()
            create(library.settings, name)
            done = (f"The collection {name} already exists: it is selected above." if existed else
                    f"Created the collection {name}: it is selected above; add its documents here.")
            return gr.update(choices=library.names(), value=name), esc(done), ""
        except AssistantError as e:
            return gr.update(), esc(str(e)), gr.update()

    def api_ask(question: str, history: list[str] | None = None, collection: str = DEFAULT) -> dict[str, Any]:
        """Ask a question of a collection; returns the same JSON as `assistant ask --json`.

        history: earlier questions of the conversation, oldest first (for follow-ups).
        collection: the collection to ask (default: the default collection).
        """
        try:  # JSON may carry anything: checked before use, answered with a message, never a traceback
            question, history, collection = api_arguments(question, history, collection)
            collection = collection or DEFAULT
            require(library.settings, collection)
            bot = library.bot(collection)
            if bot is None:
                raise AssistantError(f"The collection {collection!r} has no index yet. "
                                     f"Run `assistant index --collection {collection}` or upload a document.")
            past = check_history(list(history or []), library.settings)  # bounded before any work
            earlier: list[Turn] = []
            for q in past:  # replay the conversation: follow-ups may need earlier answers
                earlier.append(bot.ask(q, history=earlier))
            return answer_json(bot.ask(question, history=earlier).reply)
        except AssistantError as e:
            raise gr.Error(public(str(e)), print_exception=False) from None

    ttl = library.settings.upload_ttl_s  # files posted to gradio's upload route but never added are swept
    with gr.Blocks(title="Ask the documents", analytics_enabled=False, delete_cache=(ttl, ttl)) as demo:
        gr.Markdown("### Ask the documents\nEvery answer quotes its sources; click a marker like [1] or a source "
                    "to see it on its page.")
        turns = gr.State([])
        with gr.Row():
            picker = gr.Dropdown(library.names(), value=collection, label="Collection", elem_id="collection",
                                 scale=2, interactive=True)
            count = gr.Markdown(_count(collection), elem_id="doc-count")
        with gr.Row():
            with gr.Column(scale=5):
                chat = gr.Chatbot(elem_id="chat", height=480, label="Conversation", feedback_options=None,
                                  render_markdown=True, sanitize_html=True, group_consecutive_messages=False,
                                  latex_delimiters=[],
                                  buttons=["copy", "copy_all"])
                question = gr.Textbox(elem_id="question", label="Question", placeholder="Ask about the documents…",
                                      max_length=library.settings.max_question_chars, lines=1)
                with gr.Row():
                    ask_btn = gr.Button("Ask", variant="primary", elem_id="ask")
                    clear_btn = gr.Button("New conversation", elem_id="clear")
                # The examples are questions about the default collection's documents: other
                # collections show none rather than questions their documents cannot answer.
                with gr.Column(visible=collection == DEFAULT, elem_id="examples") as example_box:
                    gr.Examples(examples=[[e] for e in examples], inputs=[question], label="Examples")
            with gr.Column(scale=4, elem_id="viewer-pane"), gr.Tabs() as tabs:
                with gr.Tab("Sources", id="sources-tab"):
                    sources = gr.HTML(sources_html(None, 0, {}), elem_id="sources")
                    article = gr.HTML("", elem_id="article")
                with gr.Tab("Documents", id="documents-tab", elem_id="documents-tab"):
                    files = gr.File(label=f"Add documents (PDF, HTML, DOCX, TXT, MD, JSONL; up to "
                                    f"{library.settings.max_upload_mb} MB each)", file_count="multiple",
                                    file_types=sorted(SUFFIXES), type="filepath", elem_id="upload",
                                    visible=not read_only)
                    status = gr.Markdown("", elem_id="upload-status")
                    rows = _rows(library.bot(collection))
                    table = gr.Dataframe(rows, headers=["File", "Title", "Pages", "Chunks", "Indexed at", "Status"],
                                         interactive=False, elem_id="doc-list", wrap=True,
                                         column_widths=["22%", "27%", "10%", "11%", "15%", "15%"])
                    with gr.Row(visible=not read_only):
                        choice = gr.Dropdown([r[0] for r in rows], label="Document", elem_id="remove-choice", scale=3)
                        remove_btn = gr.Button("Remove…", elem_id="remove", variant="stop", scale=1)
                    with gr.Row(visible=False, elem_id="confirm-row") as confirm_row:
                        confirm_text = gr.Markdown("", elem_id="confirm-text")
                        confirm_btn = gr.Button("Yes, remove it", elem_id="confirm-remove", variant="stop", scale=1)
                        cancel_btn = gr.Button("Cancel", elem_id="cancel-remove", scale=1)
                    with gr.Row(visible=not read_only):
                        new_name = gr.Textbox(label="New collection", placeholder="name", elem_id="new-collection",
                                              scale=3)
                        create_btn = gr.Button("Create", elem_id="create-collection", scale=1)
        cite_request = gr.Textbox(elem_id="cite-request", elem_classes=["hidden-control"], show_label=False)
        cite_open = gr.Button("open", elem_id="cite-open", elem_classes=["hidden-control"])

        outs = [chat, turns, sources, article, question]
        for trigger in (question.submit, ask_btn.click):
            trigger(respond, [question, chat, turns, picker], outs, api_visibility="private")
        clear_btn.click(clear, [picker], outs, api_visibility="private")
        chat.clear(clear, [picker], outs, api_visibility="private")  # the chat's own trash icon starts over too
        cite_open.click(open_citation, [cite_request, turns, picker], [article, tabs], api_visibility="private").then(
            None, None, None, js=SHOWN_JS)
        picker.change(switch, [picker], [*outs, table, choice, count, example_box], api_visibility="private")
        files.upload(upload, [files, picker], [files, status, table, choice, count], api_visibility="private",
                     show_progress_on=[status])  # one progress display, not one per output
        remove_btn.click(ask_remove, [choice, picker], [confirm_row, confirm_text, status], api_visibility="private")
        confirm_btn.click(remove_doc, [choice, picker], [status, table, choice, count], api_visibility="private").then(
            lambda: gr.update(visible=False), None, [confirm_row], api_visibility="private")
        cancel_btn.click(lambda: gr.update(visible=False), None, [confirm_row], api_visibility="private")
        create_btn.click(new_collection, [new_name], [picker, status, new_name], api_visibility="private")
        gr.api(api_ask, api_name="ask")
        # Collections made since the app was built (by the CLI or another browser) appear on page load.
        demo.load(lambda name: gr.update(choices=library.names(), value=name), [picker], [picker],
                  api_visibility="private")
    return demo
