"""Command line: ``assistant index``, ``assistant ask``, ``assistant chat``.

Thin: parses options, calls the same functions as the UI and evals, formats the result.
Every AssistantError becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from .. import offline  # noqa: F401  (before any model library loads)
from ..answering.conversation import Turn
from ..answering.present import WEAK_EVIDENCE, answer_json, answer_text, printable
from ..documents.corpus import Skipped
from ..errors import AssistantError
from ..records import STRICTNESS_HELP, Answer, Strictness
from ..settings import Settings, StoreKind

app = typer.Typer(
    help="Ask questions about a folder of documents; every answer cites the passages it quotes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: "[default: ...]" stays text, flags show no "<bool>"
)

CorpusOpt = Annotated[
    Path | None, typer.Option("--corpus", metavar="DIR",
                              help="Folder of .pdf .html .docx .txt .md .jsonl files [default: corpus/].")
]
IndexOpt = Annotated[Path | None, typer.Option("--index", metavar="DIR", help="Index folder [default: index/].")]
CollectionOpt = Annotated[str | None, typer.Option(
    "--collection", "-c", metavar="NAME",
    help="A named collection (collections/NAME/corpus and .../index) [default: corpus/].")]
StrictnessOpt = Annotated[Strictness | None, typer.Option(
    "--strictness", metavar="LEVEL", help=STRICTNESS_HELP + " [default: balanced, or ASSISTANT_STRICTNESS]")]


def _settings(corpus: Path | None = None, index: Path | None = None, collection: str | None = None,
              existing: bool = True, strictness: Strictness | None = None) -> Settings:
    """The settings of the command: those of ``collection`` (which must exist unless ``existing``
    is false: `index` makes a collection of a new corpus folder), then the folders and level given."""
    from .collection import require, settings_for

    base = (require if existing else settings_for)(Settings(), collection or "")
    given = {"corpus_dir": corpus, "index_dir": index, "strictness": strictness}
    update = {k: v for k, v in given.items() if v is not None}
    return base.model_copy(update=update)


def _warn_skip(s: Skipped) -> None:
    typer.secho(f"warning: skipped {s.path}: {s.reason}", fg=typer.colors.YELLOW, err=True)


def _fail(err: Exception, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


@app.command()
def index(
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Ignore the existing index and embed everything again.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    collection: CollectionOpt = None,
    rebuild_if_stale: Annotated[bool, typer.Option(
        "--rebuild-if-stale", help="If the index was built by another model, chunker or format, rebuild it "
        "(instead of stopping with an error).")] = False,
    ray: Annotated[str, typer.Option(
        "--ray", metavar="ADDRESS", help="Parse and embed new documents on a Ray cluster: 'local' starts one on "
        "this machine (ASSISTANT_RAY_WORKERS workers), else its address (auto, ray://head:10001).")] = "",
    store: Annotated[StoreKind | None, typer.Option(
        "--store", metavar="STORE", help="Where the chunk vectors live: faiss (files in the index folder, the "
        "default) or milvus (ASSISTANT_MILVUS_URI; unset: a milvus-lite file in the index folder). Switching "
        "re-embeds nothing.")] = None,
    optimize: Annotated[bool, typer.Option(
        "--optimize", help="Merge the index's segments into one. Updates to a large index (ASSISTANT_SEGMENT_MIN "
        "chunks, 10,000 by default) are added as segments and merged when they pass 10% of it; this merges now. "
        "Re-embeds nothing.")] = False,
) -> None:
    """Build or update the index. Only new or changed files are embedded; removed files drop out.

    Reads PDF (one document per page), saved web pages (.html), Word (.docx), .txt, .md and
    .jsonl page files. Scanned, corrupt or password-protected files are skipped with a warning.

    Example: assistant index --corpus corpus/ --index index/      assistant index -c reports
    """
    from ..core import index_corpus
    from ..errors import IndexMismatchError

    try:
        settings = _settings(corpus, index, collection, existing=False)
        if store is not None:
            settings = settings.model_copy(update={"store": store})

        def waiting() -> None:
            typer.secho(f"waiting: another indexing run is writing {settings.index_dir}; this one starts when it "
                        "ends.", fg=typer.colors.YELLOW, err=True)

        try:
            stats = index_corpus(settings, rebuild=rebuild, progress=not quiet, on_skip=_warn_skip, on_wait=waiting,
                                 ray=ray, optimize=optimize)
        except IndexMismatchError as e:
            if not rebuild_if_stale:
                raise
            typer.secho(f"{e} Rebuilding it now (--rebuild-if-stale).", fg=typer.colors.YELLOW, err=True)
            stats = index_corpus(settings, rebuild=True, progress=not quiet, on_skip=_warn_skip, on_wait=waiting,
                                 ray=ray, optimize=optimize)
    except AssistantError as e:
        raise _fail(e) from None
    except KeyboardInterrupt:
        typer.secho("interrupted: the previous index is unchanged; run `assistant index` again.",
                    fg=typer.colors.YELLOW, err=True)
        raise typer.Exit(130) from None
    typer.echo(stats.summary())


def format_answer(reply: Answer) -> str:
    """Plain-text rendering: answer, numbered sources with quotes, related passages, timings and
    the found probability. Document text is shown through ``present.printable``: no terminal
    escape or bidi control in a document reaches the terminal."""
    lines = [printable(answer_text(reply)), ""]
    if reply.evidence == "weak":
        lines[1:1] = [WEAK_EVIDENCE]
    for title, cites in (("Sources", reply.citations), ("Related passages (not an answer)", reply.related)):
        if cites:
            lines.append(f"{title}:")
            for c in cites:
                lines.append(f"  [{c.n}] {printable(c.label)}  ({printable(c.file or c.source)})")
                lines.append(f'      "{printable(c.quote)}"')
                if c.cell is not None:  # the row and column it was read under
                    lines.append(f"      read under: {printable(' · '.join(c.cell.headers))}")
    t = reply.timings_ms
    found = f"; found p={reply.found_p:.3f}" if reply.found_p is not None else ""
    found += f"; strictness {reply.strictness}"
    lines.append(f"({t['retrieve']:.0f} ms retrieve, {t['compose']:.0f} ms compose{found})")
    return "\n".join(lines)


@app.command()
def ask(
    questions: Annotated[list[str], typer.Argument(
        metavar="QUESTION", help="One or more questions, asked in order as one conversation.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object per question (JSON Lines).")] = False,
    k: Annotated[int | None, typer.Option("-k", min=1, max=50, metavar="N",
                                          help="Passages to retrieve [default: 8].")] = None,
    index: IndexOpt = None,
    collection: CollectionOpt = None,
    strictness: StrictnessOpt = None,
) -> None:
    """Ask questions; follow-ups ("what did his spokesman say?") use the earlier ones.

    Example: assistant ask "How many cars did Japan export to the U.S. last year?" "Who said so?"
    """
    from ..core import build, check_question

    try:
        settings = _settings(index=index, collection=collection, strictness=strictness)
        for q in questions:  # refuse bad input before loading the model
            check_question(q, settings.max_question_chars)
        bot = build(settings)
        history: list[Turn] = []
        for q in questions:
            turn = bot.ask(q, history=history, k=k)
            history.append(turn)
            reply = turn.reply
            if json_out:
                typer.echo(json.dumps(answer_json(reply), ensure_ascii=False))
            else:
                typer.echo(f"Q: {printable(reply.question)}\n{format_answer(reply)}\n")
    except AssistantError as e:
        raise _fail(e) from None


@app.command()
def chat(index: IndexOpt = None, collection: CollectionOpt = None, strictness: StrictnessOpt = None) -> None:
    """Interactive conversation in the terminal (empty line or Ctrl-D to quit)."""
    from ..core import build

    try:
        bot = build(_settings(index=index, collection=collection, strictness=strictness))
    except AssistantError as e:
        raise _fail(e) from None
    history: list[Turn] = []
    typer.echo("Ask about the documents. 'new' starts over; an empty line quits.")
    for line in sys.stdin if not sys.stdin.isatty() else iter(lambda: input("> "), ""):
        q = line.strip()
        if not q:
            break
        if q == "new":
            history = []
            continue
        try:
            turn = bot.ask(q, history=history)
        except AssistantError as e:
            typer.secho(f"error: {e}", fg=typer.colors.RED, err=True)
            continue
        history.append(turn)
        typer.echo(format_answer(turn.reply) + "\n")


@app.command("eval")
def eval_(
    suites: Annotated[list[Path] | None, typer.Argument(
        metavar="SUITE", help="Suite files [default: evals/*.jsonl].")] = None,
    report_dir: Annotated[Path | None, typer.Option("--report-dir", metavar="DIR", help="Write report.json, junit.xml, "
                                                    "report.md and metrics.png here.")] = None,
    min_pass: Annotated[float | None, typer.Option("--min-pass", min=0, max=1, metavar="RATE",
                                                   help="Required pass rate (overrides thresholds.toml).")] = None,
    thresholds: Annotated[Path | None, typer.Option("--thresholds", metavar="FILE",
                                                    help="[default: evals/thresholds.toml]")] = None,
    index: IndexOpt = None,
    collection: CollectionOpt = None,
    strictness: StrictnessOpt = None,
) -> None:
    """Run eval suites; exit 1 if a threshold falls short, 2 on a malformed suite. Every suite
    is asked at one strictness level (--strictness); the output and every report name the
    collection, index and level the suites were asked of.

    Example: assistant eval hr-suite.jsonl -c hr --report-dir evals/reports
    """
    from ..core import build
    from ..settings import ROOT
    from .collection import DEFAULT
    from .evals import load_suite, run_cases
    from .reports import aggregate, case_line, load_thresholds, shortfalls, table, write_reports

    try:
        paths = suites or sorted((ROOT / "evals").glob("*.jsonl"))
        if not paths:
            raise AssistantError("No suites found in evals/. Pass suite files, e.g. `assistant eval my.jsonl`.")
        cases = [c for p in paths for c in load_suite(p)]
        limits = load_thresholds(thresholds or ROOT / "evals" / "thresholds.toml")
        if min_pass is not None:
            limits["min"]["pass_rate"] = min_pass
        settings = _settings(index=index, collection=collection, strictness=strictness)
        asked = {"collection": collection or DEFAULT, "index": str(settings.index_dir),
                 "strictness": settings.strictness}
        bot = build(settings)
    except AssistantError as e:
        raise _fail(e) from None
    typer.echo(f"eval: {len(cases)} cases of {len(paths)} suite{'s' * (len(paths) != 1)}, asking collection "
               f"{asked['collection']!r} (index {asked['index']}) at strictness {asked['strictness']}")
    results = run_cases(bot.ask, cases, on_result=lambda r: typer.echo(case_line(r)))
    agg = aggregate(results)
    failed = shortfalls(agg["overall"], limits)
    typer.echo("\n" + table(agg))
    if report_dir:
        for p in write_reports(report_dir, results, agg, failed, asked):
            typer.echo(f"wrote {p}")
    if failed:
        typer.secho("thresholds not met: " + "; ".join(failed), fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    typer.echo(f"eval: {sum(r.passed for r in results)} of {len(results)} cases passed; thresholds met")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option("--host", metavar="ADDRESS",
                                             help="Address to bind [default: 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option("--port", metavar="PORT", help="Port [default: 7860].")] = None,
    auth: Annotated[
        str | None, typer.Option("--auth", metavar="USER:PASS", help="USER:PASS login (or set ASSISTANT_AUTH).")
    ] = None,
    insecure_no_auth: Annotated[bool, typer.Option(
        "--insecure-no-auth", help="Serve beyond 127.0.0.1 without a login (anyone who reaches the port can read, "
        "upload and remove).")] = False,
    read_only: Annotated[bool | None, typer.Option(
        "--read-only", help="Staff can only ask: no upload, remove or new collection in the UI.")] = None,
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    collection: CollectionOpt = None,
) -> None:
    """Open the chat UI in the browser's reach (builds the index first if it is missing).

    Example: assistant serve --port 8000      (python app.py and make run PORT=8000 do the same)
    """
    from ..core import Assistant, index_corpus
    from ..errors import IndexMissingError
    from .server import LoginLimiter, NoUploads, check_exposure, check_port, parse_auth, port_busy

    try:
        settings = _settings(corpus, index, collection)
        update = {k: v for k, v in {"host": host, "port": port, "auth": auth, "read_only": read_only}.items()
                  if v is not None}
        settings = settings.model_copy(update=update)
        login = parse_auth(settings.auth)
        check_exposure(settings.host, settings.port, login is not None, insecure_no_auth)
        check_port(settings.host, settings.port)
    except AssistantError as e:
        raise _fail(e) from None
    try:
        try:
            bot = Assistant.open(settings=settings)
        except IndexMissingError:
            typer.echo(f"No index in {settings.index_dir}; building it from {settings.corpus_dir} first.")
            typer.echo(index_corpus(settings, on_skip=_warn_skip).summary())
            bot = Assistant.open(settings=settings)
    except AssistantError as e:
        raise _fail(e) from None
    from starlette.middleware import Middleware

    from ..language.attribution import parser
    from .collection import DEFAULT, Library
    from .render import CSS, JS
    from .ui import build_ui

    base = _settings(corpus, index).model_copy(update=update)  # the default collection, as given
    name = collection or DEFAULT
    demo = build_ui(Library(base, bot.embedder, {name: bot}), settings.examples, name)
    try:
        demo.launch(server_name=settings.host, server_port=settings.port, auth=login, css=CSS, js=JS,
                    max_file_size=f"{settings.max_upload_mb}mb", prevent_thread_lock=True,
                    show_error=False, quiet=True, footer_links=["api"], ssr_mode=False,
                    app_kwargs={"middleware": [Middleware(LoginLimiter),
                                               *([Middleware(NoUploads)] if settings.read_only else [])]})
    except OSError:  # taken between the check and the launch
        raise _fail(AssistantError(port_busy(settings.host, settings.port))) from None
    typer.echo(f"assistant ready: http://{settings.host}:{settings.port}  (Ctrl-C to stop)")
    # The parser reads who said what and what a figure counts (about 3 s to load): loaded now, in
    # the background, rather than by the first person who asks such a question.
    threading.Thread(target=parser, name="warm-parser", daemon=True).start()
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        demo.close()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
