"""The gradio chat UI: thin over ``Assistant.ask``; all it adds is presentation.

Every piece of document text passes through ``esc`` (HTML *and* Markdown neutralised) before
it reaches the page, so an article holding ``<script>`` or ``![x](http://...)`` shows as text.
Only documents of the loaded index can be opened, by their id; no file path is ever served.

Layout: chat (left) | sources of the latest answer + the article viewer (right). Clicking a
``[n]`` marker or a source opens its article with the cited span highlighted and scrolled
into view (a delegated click handler fills a hidden textbox and presses a hidden button).
"""

from __future__ import annotations

from typing import Any

from .chunking import paragraph_spans
from .errors import AssistantError
from .present import pieces
from .records import Answer, Citation

# One pass, character by character: HTML specials and Markdown punctuation become numeric
# entities, so nothing in a document can open a tag, a link or an image.
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#+-.!|~"}

CSS = """
.hidden-control { display: none !important; }
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
mark.hl { background: #fde68a; color: inherit; padding: 0 1px; }
.article-body { white-space: pre-wrap; max-height: 420px; overflow-y: auto; font-size: 0.9em;
  border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 0.6em; }
"""

# Delegated click handler: any element with data-cite opens that citation.
JS = """
() => {
  document.addEventListener('click', (event) => {
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

SCROLL_JS = "() => { const m = document.getElementById('cite-hl'); if (m) m.scrollIntoView({block: 'center'}); }"


def esc(text: str) -> str:
    """Text safe inside our HTML and inert as Markdown."""
    return "".join(_ENTITIES.get(c, c) for c in text)


def _marker(turn: int, kind: str, n: int) -> str:
    # The chat sanitiser drops data-* attributes, so the reference travels in a class name.
    return f'<button class="cite ref-{turn}-{kind}-{n}" title="open source {n}">[{n}]</button>'


def answer_html(reply: Answer, turn: int) -> str:
    """The assistant's chat message: the answer's pieces (see ``present.pieces``) as escaped
    text with clickable markers, and a discreet timing."""
    timing = f'<span class="timing">{reply.timings_ms.get("total", 0):.0f} ms</span>'
    if not reply.found:
        return (f'<div class="answer not-found"><strong>Not found in the documents.</strong> '
                f"No passage answers this question, so no answer is given. The nearest passages "
                f"are listed under Related. {timing}</div>")
    out = []
    for kind, value in pieces(reply):
        if kind == "lead":
            out.append(f'<span class="conflict">⚠ {esc(str(value))}</span>')
        elif kind == "cite":
            out.append(" " + _marker(turn, "c", int(value)))
        else:
            out.append(esc(str(value)).replace("\n", "<br>"))
    return f'<div class="answer">{"".join(out)} {timing}</div>'


def _context(doc_text: str, c: Citation, limit: int = 320) -> str:
    """The paragraph around a citation with the quote highlighted (clipped for long pages)."""
    p0, p1 = next(((a, b) for a, b in paragraph_spans(doc_text) if a <= c.start and c.end <= b), (c.start, c.end))
    p0, p1 = max(p0, c.start - limit), min(p1, c.end + limit)
    before = ("…" if p0 > 0 else "") + doc_text[p0 : c.start]
    after = doc_text[c.end : p1] + ("…" if p1 < len(doc_text) else "")
    return f'{esc(before)}<mark class="hl">{esc(c.quote)}</mark>{esc(after)}'


def sources_html(reply: Answer | None, turn: int, documents: dict[str, Any]) -> str:
    if reply is None:
        return '<div class="sources"><h4>Sources</h4><p>Ask a question; its sources appear here.</p></div>'
    rows = ['<div class="sources">']
    for title, cites, kind in (("Sources", reply.citations, "c"), ("Related (not an answer)", reply.related, "r")):
        if not cites:
            continue
        rows.append(f"<h4>{esc(title)}</h4>")
        for c in cites:
            page = f" · page {c.page}" if c.page is not None else ""
            doc = documents.get(c.source)
            ctx = _context(doc.text, c) if doc else esc(c.quote)
            cls = "source related" if kind == "r" else "source"
            rows.append(
                f'<div class="{cls}" data-cite="{turn}:{kind}:{c.n}" role="button" tabindex="0">'
                f'<div class="head">[{c.n}] {esc(doc.title if doc else c.source)}{page} · chars {c.start}–{c.end}</div>'
                f'<div class="ctx">{ctx}</div></div>'
            )
    rows.append("</div>")
    return "".join(rows)


def article_html(reply: Answer, kind: str, n: int, documents: dict[str, Any]) -> str:
    """The whole article with the cited span marked (id cite-hl, scrolled into view by JS)."""
    cites = reply.citations if kind == "c" else reply.related
    c = next((x for x in cites if x.n == n), None)
    doc = documents.get(c.source) if c else None
    if c is None or doc is None:
        return "<p>That source is not available.</p>"
    t = doc.text
    return (f'<div class="article" data-source="{esc(c.source)}"><h4>{esc(doc.title)}</h4>'
            f'<div class="article-body">{esc(t[: c.start])}<mark id="cite-hl" class="hl">{esc(t[c.start : c.end])}'
            f"</mark>{esc(t[c.end :])}</div></div>")


def build_ui(bot: Any, examples: list[str]) -> Any:
    """The gradio Blocks app for an opened Assistant."""
    import gradio as gr

    docs = bot.index.documents

    def respond(question: str, chat: list[dict[str, Any]], answers: list[Answer]):
        chat = [*chat, {"role": "user", "content": esc(question or "")}]
        try:
            reply = bot.ask(question, history=answers)
        except AssistantError as e:
            error = f'<div class="answer"><span class="error">{esc(str(e))}</span></div>'
            chat.append({"role": "assistant", "content": error})
            return chat, answers, gr.update(), gr.update(), question
        answers = [*answers, reply]
        turn = len(answers) - 1
        chat.append({"role": "assistant", "content": answer_html(reply, turn)})
        return chat, answers, sources_html(reply, turn, docs), "", ""

    def open_citation(request: str, answers: list[Answer]) -> str:
        try:
            turn_s, kind, n_s = request.split(":")
            reply = answers[int(turn_s)]
            return article_html(reply, kind, int(n_s), docs)
        except (ValueError, IndexError):
            return "<p>That source is not available.</p>"

    def clear():
        return [], [], sources_html(None, 0, docs), "", ""

    def api_ask(question: str, history: list[str] | None = None) -> dict[str, Any]:
        """Ask a question; returns the same JSON object as `assistant ask --json`.

        history: earlier questions of the conversation, oldest first (for follow-ups).
        """
        try:
            earlier: list[Answer] = []
            for q in history or []:  # replay the conversation: follow-ups may need earlier answers
                earlier.append(bot.ask(q, history=earlier))
            return bot.ask(question, history=earlier).to_dict()
        except AssistantError as e:
            raise gr.Error(str(e)) from None

    with gr.Blocks(title="Ask the documents", analytics_enabled=False) as demo:
        noun = "document" if len(docs) == 1 else "documents"
        gr.Markdown(f"### Ask the documents\n{len(docs)} {noun} indexed. Every answer quotes its sources; "
                    "click a marker like [1] or a source to see it in its article.")
        answers = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(elem_id="chat", height=480, label="Conversation", feedback_options=None,
                                  render_markdown=True, sanitize_html=True, group_consecutive_messages=False,
                                  buttons=["copy", "copy_all"])
                question = gr.Textbox(elem_id="question", label="Question", placeholder="Ask about the documents…",
                                      max_length=bot.settings.max_question_chars, lines=1)
                with gr.Row():
                    ask_btn = gr.Button("Ask", variant="primary", elem_id="ask")
                    clear_btn = gr.Button("New conversation", elem_id="clear")
                gr.Examples(examples=[[e] for e in examples], inputs=[question], label="Examples")
            with gr.Column(scale=2):
                sources = gr.HTML(sources_html(None, 0, docs), elem_id="sources")
                article = gr.HTML("", elem_id="article")
        cite_request = gr.Textbox(elem_id="cite-request", elem_classes=["hidden-control"], show_label=False)
        cite_open = gr.Button("open", elem_id="cite-open", elem_classes=["hidden-control"])

        outs = [chat, answers, sources, article, question]
        for trigger in (question.submit, ask_btn.click):
            trigger(respond, [question, chat, answers], outs, api_visibility="private")
        clear_btn.click(clear, None, outs, api_visibility="private")
        chat.clear(clear, None, outs, api_visibility="private")  # the chat's own trash icon starts over too
        cite_open.click(open_citation, [cite_request, answers], [article], api_visibility="private").then(
            None, None, None, js=SCROLL_JS)
        gr.api(api_ask, api_name="ask")
    return demo
