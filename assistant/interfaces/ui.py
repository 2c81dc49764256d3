"""The gradio chat UI: thin over ``Assistant.ask``; the HTML it shows is ``render``'s.

Only documents of the loaded index can be opened, by their id; no file path is ever served.

Layout: a collection picker; chat (left) | a pane beside it (sticky on wide screens) with
tabs: "Sources" (sources of the latest answer and the viewer), "Documents" (upload, document
list, remove, new collection) and "Conversations" (the collection's saved chats: open, rename,
export as Markdown, delete; ``threads``). Clicking a ``[n]`` marker or a source opens its
document in the viewer with the cited span highlighted and centred inside the viewer (the page
and the conversation do not move; on a phone the viewer is a drawer): a PDF citation shows the
page, rendered by pdfium, with boxes over the span's characters, zoom and previous / next page;
every paged file offers its whole text. A delegated click handler fills a hidden textbox and
presses a hidden button. Pages are inlined as images: no file is ever served by path.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..answering.conversation import Turn, answered
from ..answering.present import answer_json, printable
from ..core import check_history, check_strictness
from ..documents.formats import SUFFIXES
from ..errors import AssistantError
from ..progress import Step
from ..records import STRICTNESS, STRICTNESS_HELP, Answer, Document
from .collection import DEFAULT, Library, create, documents, require, settings_for
from .render import SHOWN_JS, UNAVAILABLE, answer_html, article_html, esc, sources_html
from .server import READ_ONLY, api_arguments, public
from .threads import Threads


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

    saved_threads: dict[str, Threads] = {}

    def threads(name: str) -> Threads:
        return saved_threads.setdefault(name, Threads(library.settings.conversations_dir, name))

    def user_of(request: gr.Request | None) -> str:
        """Whose conversations these are: the login's user under --auth, else everyone's ("")."""
        return str(getattr(request, "username", None) or "") if request is not None else ""

    def saved_choices(name: str, user: str, value: str | None = None) -> Any:
        found = threads(name).listed(user)
        return gr.update(choices=[(t.label, t.id) for t in found], value=value if value else None)

    def respond(question: str, chat: list[dict[str, Any]], turns: list[Turn], name: str, cid: str,
                level: str, request: gr.Request):
        chat = [*chat, {"role": "user", "content": esc(question or "")}]
        bot = library.bot(name)
        try:
            if bot is None:
                raise AssistantError(f"The collection {name!r} has no documents yet: add some in the Documents tab.")
            done = bot.ask(question, history=turns, strictness=check_strictness(level))
        except AssistantError as e:
            error = f'<div class="answer"><span class="error">{esc(str(e))}</span></div>'
            chat.append({"role": "assistant", "content": error})
            return chat, turns, gr.update(), gr.update(), question, cid, gr.update()
        turns = [*turns, done]
        n, reply = len(turns) - 1, done.reply
        chat.append({"role": "assistant", "content": answer_html(reply, n)})
        user = user_of(request)
        cid = threads(name).add(cid, user, done.question, done.to_dict())  # saved as it is answered
        return (chat, turns, sources_html(reply, n, bot.index.documents), "", "", cid,
                saved_choices(name, user, cid))

    def reopen(cid: str | None, name: str, request: gr.Request):
        """A saved conversation back in the chat: its answers as they were given, its turns ready
        for follow-ups (each question analysed again; nothing retrieved again)."""
        try:
            if not cid:
                raise AssistantError("Choose a saved conversation first.")
            bot = library.bot(name)
            if bot is None:
                raise AssistantError(f"The collection {name!r} has no index: its conversations cannot be shown.")
            title, stored = threads(name).load(cid, user_of(request))
        except AssistantError as e:
            return (gr.update(),) * 6 + (esc(str(e)),)
        turns: list[Turn] = []
        chat: list[dict[str, Any]] = []
        for question, answer in stored:
            turns.append(answered(bot.begin(question, turns), Answer.from_dict(answer)))
            chat += [{"role": "user", "content": esc(question)},
                     {"role": "assistant", "content": answer_html(turns[-1].reply, len(turns) - 1)}]
        last = (sources_html(turns[-1].reply, len(turns) - 1, bot.index.documents) if turns
                else sources_html(None, 0, {}))
        return chat, turns, last, "", "", cid, esc(f"Opened: {title}")

    def rename_saved(cid: str | None, title: str, name: str, request: gr.Request):
        try:
            if not cid:
                raise AssistantError("Choose a saved conversation first.")
            threads(name).rename(cid, user_of(request), title or "")
            return saved_choices(name, user_of(request), cid), "", esc(f"Renamed to: {' '.join(title.split())}")
        except AssistantError as e:
            return gr.update(), gr.update(), esc(str(e))

    def ask_delete_saved(cid: str | None):
        if not cid:
            return gr.update(visible=False), "Choose a saved conversation first."
        return gr.update(visible=True), ""

    def delete_saved(cid: str | None, current: str, name: str, request: gr.Request):
        try:
            threads(name).delete(cid or "", user_of(request))
        except AssistantError as e:
            return gr.update(), current, esc(str(e)), gr.update(visible=False)
        return (saved_choices(name, user_of(request)), "" if cid == current else current, "Deleted.",
                gr.update(visible=False))

    def export_saved(cid: str | None, name: str, request: gr.Request):
        try:
            if not cid:
                raise AssistantError("Choose a saved conversation first.")
            text = threads(name).markdown(cid, user_of(request))
        except AssistantError as e:
            return gr.update(value=None, visible=False), esc(str(e))
        out = Path(tempfile.mkdtemp(prefix="conversation-")) / f"conversation-{cid[:8]}.md"
        out.write_text(text, encoding="utf-8")
        return gr.update(value=str(out), visible=True), "Exported: download it below."

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
        return [], [], sources_html(None, 0, {}), "", "", ""

    def switch(name: str, request: gr.Request):
        return (*clear(name), *doc_panel(name), gr.update(visible=name == DEFAULT),
                saved_choices(name, user_of(request)))

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

    def api_ask(question: str, history: list[str] | None = None, collection: str = DEFAULT,
                strictness: str | None = None) -> dict[str, Any]:
        """Ask a question of a collection; returns the same JSON as `assistant ask --json`.

        history: earlier questions of the conversation, oldest first (for follow-ups).
        collection: the collection to ask (default: the default collection).
        strictness: 'strict', 'balanced' or 'lenient' (default: the server's, balanced unless set).
        """
        try:  # JSON may carry anything: checked before use, answered with a message, never a traceback
            question, history, collection = api_arguments(question, history, collection)
            level = check_strictness(strictness or library.settings.strictness)
            collection = collection or DEFAULT
            require(library.settings, collection)
            bot = library.bot(collection)
            if bot is None:
                raise AssistantError(f"The collection {collection!r} has no index yet. "
                                     f"Run `assistant index --collection {collection}` or upload a document.")
            past = check_history(list(history or []), library.settings)  # bounded before any work
            earlier: list[Turn] = []
            for q in past:  # replay the conversation: follow-ups may need earlier answers
                earlier.append(bot.ask(q, history=earlier, strictness=level))
            return answer_json(bot.ask(question, history=earlier, strictness=level).reply)
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
                strictness = gr.Radio(list(STRICTNESS), value=library.settings.strictness, label="Strictness",
                                      info=STRICTNESS_HELP, elem_id="strictness")
                # The examples are questions about the default collection's documents: other
                # collections show none rather than questions their documents cannot answer.
                with gr.Column(visible=collection == DEFAULT, elem_id="examples") as example_box:
                    gr.Examples(examples=[[e] for e in examples], inputs=[question], label="Examples")
            with gr.Column(scale=4, elem_id="viewer-pane"), gr.Tabs() as tabs:
                with gr.Tab("Sources", id="sources-tab"):
                    sources = gr.HTML(sources_html(None, 0, {}), elem_id="sources")
                    article = gr.HTML("", elem_id="article")
                with gr.Tab("Documents", id="documents-tab", elem_id="documents-tab"):
                    files = gr.File(label=f"Add documents (PDF, HTML, DOCX, TXT, MD, JSONL, CSV, XLSX; up to "
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
                with gr.Tab("Conversations", id="conversations-tab", elem_id="conversations-tab"):
                    saved = gr.Dropdown([(t.label, t.id) for t in threads(collection).listed("")],
                                        value=None, label="Saved conversations (this collection)",
                                        elem_id="saved-list", interactive=True)
                    with gr.Row():
                        open_saved = gr.Button("Open", elem_id="open-saved", variant="primary", scale=1)
                        export_btn = gr.Button("Export as Markdown", elem_id="export-saved", scale=2)
                        delete_btn = gr.Button("Delete…", elem_id="delete-saved", variant="stop", scale=1)
                    with gr.Row(visible=False, elem_id="confirm-delete-row") as confirm_delete_row:
                        gr.Markdown("Delete this conversation? It cannot be brought back.")
                        yes_delete = gr.Button("Yes, delete it", elem_id="confirm-delete", variant="stop", scale=1)
                        no_delete = gr.Button("Cancel", elem_id="cancel-delete", scale=1)
                    with gr.Row():
                        new_title = gr.Textbox(label="Rename to", placeholder="a name for it", elem_id="rename-to",
                                               scale=3)
                        rename_btn = gr.Button("Rename", elem_id="rename-saved", scale=1)
                    saved_status = gr.Markdown("", elem_id="saved-status")
                    export_file = gr.File(label="Markdown", visible=False, elem_id="export-file", interactive=False)
        current = gr.State("")  # the id of the conversation being saved ("" until its first answer)
        cite_request = gr.Textbox(elem_id="cite-request", elem_classes=["hidden-control"], show_label=False)
        cite_open = gr.Button("open", elem_id="cite-open", elem_classes=["hidden-control"])

        outs = [chat, turns, sources, article, question, current]
        for trigger in (question.submit, ask_btn.click):
            trigger(respond, [question, chat, turns, picker, current, strictness], [*outs, saved],
                    api_visibility="private")
        clear_btn.click(clear, [picker], outs, api_visibility="private")
        chat.clear(clear, [picker], outs, api_visibility="private")  # the chat's own trash icon starts over too
        open_saved.click(reopen, [saved, picker], [*outs, saved_status], api_visibility="private")
        rename_btn.click(rename_saved, [saved, new_title, picker], [saved, new_title, saved_status],
                         api_visibility="private")
        delete_btn.click(ask_delete_saved, [saved], [confirm_delete_row, saved_status], api_visibility="private")
        yes_delete.click(delete_saved, [saved, current, picker], [saved, current, saved_status, confirm_delete_row],
                         api_visibility="private")
        no_delete.click(lambda: gr.update(visible=False), None, [confirm_delete_row], api_visibility="private")
        export_btn.click(export_saved, [saved, picker], [export_file, saved_status], api_visibility="private")
        cite_open.click(open_citation, [cite_request, turns, picker], [article, tabs], api_visibility="private").then(
            None, None, None, js=SHOWN_JS)
        picker.change(switch, [picker], [*outs, table, choice, count, example_box, saved], api_visibility="private")
        files.upload(upload, [files, picker], [files, status, table, choice, count], api_visibility="private",
                     show_progress_on=[status])  # one progress display, not one per output
        remove_btn.click(ask_remove, [choice, picker], [confirm_row, confirm_text, status], api_visibility="private")
        confirm_btn.click(remove_doc, [choice, picker], [status, table, choice, count], api_visibility="private").then(
            lambda: gr.update(visible=False), None, [confirm_row], api_visibility="private")
        cancel_btn.click(lambda: gr.update(visible=False), None, [confirm_row], api_visibility="private")
        create_btn.click(new_collection, [new_name], [picker, status, new_name], api_visibility="private")
        gr.api(api_ask, api_name="ask")
        # Collections made since the app was built (by the CLI or another browser) appear on page load.
        # Saved conversations are listed for whoever loads the page (a reload, another browser).
        def on_load(name: str, request: gr.Request) -> tuple[Any, Any]:
            return gr.update(choices=library.names(), value=name), saved_choices(name, user_of(request))

        demo.load(on_load, [picker], [picker, saved], api_visibility="private")
    return demo
