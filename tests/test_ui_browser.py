"""The chat UI end to end: a real app.py process, a real headless Chromium (Debian's, driven
by Playwright), the real model and index. Screenshots go to test-artifacts/ui/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from assistant.progress import STAGES
from evals.bench.load import CHROMIUM, wait_http
from evals.bench.load import CHROMIUM_ARGS as ARGS

from .answer_checks import decisions, without_timings
from .conftest import ROOT

pytestmark = [pytest.mark.model, pytest.mark.browser]

SHOTS = ROOT / "test-artifacts" / "ui"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class App:
    def __init__(self, corpus: Path, index: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = index.parent / f"app-{self.port}.log"
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--port", str(self.port), "--corpus", str(corpus),
             "--index", str(index), *extra],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT, cwd=ROOT,
            env={**os.environ, "ASSISTANT_CONVERSATIONS_DIR": str(index.parent / "conversations"), **(env or {})})
        try:
            wait_http(self.url, alive=lambda: self.proc.poll() is None)
        except (TimeoutError, RuntimeError) as e:
            raise AssertionError(f"{e}:\n{self.log.read_text()}") from None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


IN_VIEW = "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
KESTREL = "The Kestrel fund paid 9.4 million dollars to the trust."


def make_corpus(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    """A corpus folder holding ``files`` (name -> text, written as UTF-8, or raw bytes)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, body in files.items():
        (corpus / name).write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return corpus


@pytest.fixture(scope="module")
def app(real_index_settings) -> Iterator[App]:  # type: ignore[no-untyped-def]
    a = App(real_index_settings.corpus_dir, real_index_settings.index_dir)
    yield a
    a.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: run `make test` (it installs chromium) or apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A page that records every request and dialog."""

    def __init__(self, browser, url: str) -> None:  # type: ignore[no-untyped-def]
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(url, wait_until="load")
        self.page.wait_for_selector("#question textarea")

    def ask(self, question: str) -> object:
        n = self.page.locator("#chat .answer").count()
        self.page.fill("#question textarea", question)
        self.page.click("#ask")
        self.page.wait_for_function(f"document.querySelectorAll('#chat .answer').length > {n}", timeout=60000)
        return self.page.locator("#chat .answer").nth(n)

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def hosts(self) -> set[str]:
        return {urlparse(u).netloc for u in self.requests if not u.startswith(("data:", "blob:"))}


def test_answer_citation_follow_up_and_not_found_in_a_real_browser(app, browser):
    p = Page(browser, app.url)
    p.shot("0-start")
    answer = p.ask("What share of the U.S. market did Japan reach last year?")
    text = answer.inner_text()
    assert "21 percent" in text and "[1]" in text
    assert answer.locator("strong.short-answer").inner_text() == "21 percent"  # the answer first (the noun asked: once)
    p.shot("1-answer")
    # the sources panel shows the quote highlighted inside its paragraph
    assert "21 percent" in p.page.locator("#sources .source mark.hl").first.inner_text()

    page_y = p.page.evaluate("window.scrollY")
    answer.locator("button.cite").first.click()
    hl = p.page.locator("#article #cite-hl")
    hl.wait_for(state="visible", timeout=15000)
    p.page.wait_for_timeout(300)  # the viewer centres the quote after it renders
    # the viewer opened beside the conversation: the page did not scroll, the answer is still in view
    assert p.page.evaluate("window.scrollY") == page_y
    assert answer.evaluate(IN_VIEW)
    quote = hl.inner_text()
    assert quote.startswith("If Japan merely kept its 21 percent share")
    assert (ROOT / "corpus" / "002_f7fc15107f3bc862.txt").read_text()[3434:3581] == quote
    assert hl.is_visible() and hl.evaluate(
        "e => { const r = e.getBoundingClientRect(); const c = e.closest('.article-body').getBoundingClientRect();"
        " return r.top >= c.top - 1 && r.bottom <= c.bottom + 1; }")  # scrolled into view
    p.shot("2-citation-open")

    # a source in the panel opens too
    p.page.locator("#sources .source").first.click()
    hl.wait_for(state="visible", timeout=15000)

    first = p.ask("What did Taizo Watanabe say about blaming Japan?")
    assert "Watanabe" in first.inner_text()
    follow = p.ask("What did he say about quotas?")
    assert "dismal" in follow.inner_text() and "Taizo Watanabe" in follow.inner_text()
    p.shot("3-follow-up")

    conflict = p.ask("How many cars did Japan export to the United States last year?")
    assert conflict.locator(".conflict").inner_text().startswith("⚠ The sources differ")
    assert "1.99 million" in conflict.inner_text()

    nf = p.ask("What was Toyota's profit in 1980?")
    assert "not-found" in (nf.get_attribute("class") or "")
    assert "Not found in the documents" in nf.inner_text()
    assert p.page.locator("#sources h4", has_text="Related (not an answer)").count() == 1
    assert p.page.locator("#sources .source.related").count() >= 1
    p.shot("4-not-found")

    p.page.click("#clear")
    p.page.wait_for_function("document.querySelectorAll('#chat .answer').length === 0")
    assert p.hosts() == {f"127.0.0.1:{app.port}"}, p.hosts()
    assert p.dialogs == []


def test_strictness_is_chosen_in_the_chat_and_weak_evidence_is_labelled(app, browser):
    """The same question is answered at the default level and refused at "strict" (its found p
    lies between the two thresholds); an answer on weak evidence shows the label above it."""
    from .test_strictness import BETWEEN, WEAK

    p = Page(browser, app.url)
    control = p.page.locator("#strictness")
    assert control.is_visible() and "Strictness" in control.inner_text()
    assert control.locator("input[value='balanced']").is_checked()  # the default, as the server set it
    answered = p.ask(BETWEEN)
    assert "not-found" not in (answered.get_attribute("class") or "")
    control.get_by_text("strict", exact=True).click()
    assert control.locator("input[value='strict']").is_checked()
    refused = p.ask(BETWEEN)
    assert "not-found" in (refused.get_attribute("class") or "") and refused.is_visible()
    assert "Not found in the documents" in refused.inner_text()
    control.get_by_text("balanced", exact=True).click()
    weak = p.ask(WEAK)
    label = weak.locator(".weak-evidence")
    assert label.is_visible() and label.inner_text().startswith("Weak evidence:")
    assert label.evaluate(CONTRAST_JS.replace("s.backgroundColor", "getComputedStyle(document.body).backgroundColor")
                          ) >= 4.5  # readable: the label's colour on the page's background
    box, text = label.bounding_box(), weak.locator("strong.short-answer, span").last.bounding_box()
    assert box is not None and text is not None and box["y"] <= text["y"]  # above the answer it qualifies
    p.shot("16-strictness-and-weak-evidence")


CONTRAST_JS = """e => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = c => { const [r, g, b] = c.map(lin); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const s = getComputedStyle(e); const a = lum(rgb(s.color)), b = lum(rgb(s.backgroundColor));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_highlighted_quotes_are_readable_in_both_themes(app, browser, theme):
    p = Page(browser, app.url + f"?__theme={theme}")
    p.ask("What share of the U.S. market did Japan reach last year?")
    mark = p.page.locator("#sources mark.hl").first
    mark.wait_for(state="visible", timeout=15000)
    assert mark.evaluate(CONTRAST_JS) >= 4.5  # WCAG AA for body text
    p.page.locator("#chat .answer button.cite").first.click()
    hl = p.page.locator("#article #cite-hl")
    hl.wait_for(state="visible", timeout=15000)
    assert hl.evaluate(CONTRAST_JS) >= 4.5
    p.shot(f"10-highlight-{theme}")


def test_the_viewer_is_a_drawer_on_a_phone(app, browser):
    """At 390 px the columns stack, so the viewer would sit far below the chat: a citation opens
    it as a drawer over the lower screen, with the quote in view, and Close puts it away."""
    p = Page(browser, app.url)
    p.page.set_viewport_size({"width": 390, "height": 844})
    answer = p.ask("What share of the U.S. market did Japan reach last year?")
    answer.locator("button.cite").first.click()
    hl = p.page.locator("#article #cite-hl")
    hl.wait_for(state="visible", timeout=15000)
    p.page.wait_for_timeout(300)
    assert p.page.locator("#article").evaluate("e => getComputedStyle(e).position") == "fixed"
    assert hl.evaluate(IN_VIEW)  # the quote itself, inside the drawer, on screen
    p.page.screenshot(path=str(SHOTS / "13-phone-drawer.png"))
    p.page.locator("#article .drawer-close").click()
    assert p.page.locator("#article").evaluate("e => getComputedStyle(e).position") != "fixed"
    assert not p.page.locator("#article .drawer-close").is_visible()


def test_error_is_a_message_not_a_traceback(app, browser):
    p = Page(browser, app.url)
    p.page.fill("#question textarea", "   ")
    p.page.click("#ask")
    p.page.wait_for_selector("#chat .answer .error", timeout=30000)
    assert "The question is empty" in p.page.locator("#chat .answer .error").inner_text()
    assert "Traceback" not in p.page.content()


HOSTILE = """The Zanzibar export quota was 4.2 million cars <script>window.__pwned = 1; alert("xss")</script> \
according to <img src=x onerror="window.__pwned = 2; alert('img')"> officials and \
[a link](javascript:alert(3)) and ![tracker](http://198.51.100.7/pixel.png) and <b>bold</b>.

Other news: nothing else happened in Zanzibar that week.
"""


def test_hostile_document_text_is_shown_literally_and_runs_nothing(tmp_path, browser):
    corpus = make_corpus(tmp_path, {"hostile.txt": HOSTILE})
    app = App(corpus, tmp_path / "index")
    try:
        p = Page(browser, app.url)
        answer = p.ask("What was the Zanzibar export quota?")
        text = answer.inner_text()
        assert "4.2 million" in text
        for literal in ('<script>window.__pwned = 1; alert("xss")</script>', "<img src=x onerror=",
                        "[a link](javascript:alert(3))"):
            assert literal in text
        answer.locator("button.cite").first.click()
        p.page.locator("#article #cite-hl").wait_for(state="visible", timeout=15000)
        article = p.page.locator("#article").inner_text()
        for literal in ('<script>window.__pwned = 1; alert("xss")</script>', "<img src=x onerror=",
                        "![tracker](http://198.51.100.7/pixel.png)", "[a link](javascript:alert(3))", "<b>bold</b>"):
            assert literal in article
        assert "<script>" in p.page.locator("#sources").inner_text()
        p.page.wait_for_timeout(500)
        p.shot("5-hostile")
        assert p.page.evaluate("window.__pwned") is None
        assert p.dialogs == []
        for area in ("#chat", "#sources", "#article"):
            assert p.page.locator(f"{area} script, {area} img[src='x'], {area} a[href^='javascript']").count() == 0
        assert p.hosts() == {f"127.0.0.1:{app.port}"}, p.hosts()
    finally:
        app.stop()


SPOOF = """The Kestrel fund paid $$\\frac{1}{2}$$ of 9.4 million dollars [1] [2] to the Kestrel trust \u202eevil\u202c.

Other news: nothing else happened that week.
"""


def test_document_text_cannot_spoof_the_page(tmp_path, browser):
    """LaTeX in a document stays literal, its "[1] [2]" are text (not markers), a bidi override in
    a document or a file name is shown as an escape, and a read-only server offers no upload."""
    corpus = make_corpus(tmp_path, {"kestrel\u202etxt.md": SPOOF})
    temp = tmp_path / "gradio-temp"
    app = App(corpus, tmp_path / "index", "--read-only", env={"GRADIO_TEMP_DIR": str(temp)})
    try:
        # gradio's raw upload route, posted to directly, stores nothing on a read-only server
        body = (b'--XyZ\r\nContent-Disposition: form-data; name="files"; filename="planted.txt"\r\n'
                b"Content-Type: text/plain\r\n\r\nplanted by a client\r\n--XyZ--\r\n")
        request = urllib.request.Request(app.url + "gradio_api/upload", data=body,
                                         headers={"Content-Type": "multipart/form-data; boundary=XyZ"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 403 and b"read-only" in refused.value.read()
        assert not [f for f in temp.rglob("*") if f.is_file() and f.name == "planted.txt"]
        p = Page(browser, app.url)
        answer = p.ask("How much did the Kestrel fund pay to the Kestrel trust?")
        text = answer.inner_text()
        assert "$$\\frac{1}{2}$$" in text and answer.locator(".katex, math").count() == 0
        assert answer.locator("button.cite").count() == 1  # the document's own [1] [2] are not buttons
        assert "\u202e" not in text and "\\u202eevil" in text
        p.page.get_by_role("tab", name="Documents").click()
        table = p.page.locator("#doc-list")
        table.wait_for(state="visible", timeout=15000)
        assert "kestrel\\u202etxt.md" in table.inner_text() and "\u202e" not in table.inner_text()
        assert p.page.locator("#upload").count() == 0 or not p.page.locator("#upload").is_visible()
        assert not p.page.locator("#remove").is_visible()
        p.shot("9-spoofing-read-only")
    finally:
        app.stop()


def test_mixed_ui_and_api_load_with_an_upload_has_no_errors(tmp_path, browser):
    """3 API clients and 3 chat users at once, and an upload in the middle: no call fails (one
    shared inference request failed 77 of 171 API calls and 75 of 180 chat turns before), and the
    upload ends indexed and answerable."""
    import shutil

    from gradio_client import Client

    from evals.bench.load import mixed_load

    from .conftest import CORPUS
    from .docfactory import PAGE2_FACT

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    doc = tmp_path / "zorvan.txt"  # long enough that indexing it overlaps many asks (about 40 chunks)
    filler = [f"Section {i}: the regional board reviewed depot {i} and its maintenance contracts, staffing plans, "
              f"training budgets and the night shift schedule for the coming year in some detail." for i in range(160)]
    doc.write_text("\n\n".join([PAGE2_FACT, *filler]), encoding="utf-8")
    app = App(corpus, tmp_path / "index")
    try:
        report = mixed_load(app.url, browser, api_clients=3, ui_clients=3, rounds=6, max_seconds=180, upload=doc)
        s = report.summary()
        print("mixed load:", s)
        assert s["api"]["errors"] == 0 and s["ui"]["errors"] == 0, s
        assert s["api"]["calls"] == 18 and s["ui"]["calls"] == 18, s
        assert "Added: zorvan.txt" in report.upload_status, report.upload_status
        got = Client(app.url, verbose=False).predict("How many turbines did the Zorvan plant produce in 2023?", [],
                                                     api_name="/ask")
        assert got["found"] and "48,250" in got["answer"]
        assert "Traceback" not in app.log.read_text()  # nothing failed on the server's side either
    finally:
        app.stop()


def test_new_collections_appear_on_page_load(tmp_path, browser):
    corpus = make_corpus(tmp_path, {"a.txt": KESTREL})
    collections = tmp_path / "collections"
    app = App(corpus, tmp_path / "index", env={"ASSISTANT_COLLECTIONS_DIR": str(collections)})
    try:
        (collections / "reports" / "corpus").mkdir(parents=True)  # as `assistant index -c reports` would
        p = Page(browser, app.url)
        # The default collection's own example questions. Waited for: gradio lays the block out
        # after the question box, so an instant is_visible() right after load failed once in CI.
        p.page.locator("#examples").wait_for(state="visible", timeout=15000)
        p.page.click("#collection input")
        p.page.get_by_role("option", name="reports").click()
        p.page.locator("#examples").wait_for(state="hidden", timeout=15000)  # none of them is about "reports"

        # Create says what it did and clears the name; the new collection is selected
        p.page.get_by_role("tab", name="Documents").click()
        p.page.fill("#new-collection textarea, #new-collection input", "minutes")
        p.page.click("#create-collection")
        p.page.wait_for_function("document.querySelector('#upload-status').innerText.includes('Created')",
                                 timeout=15000)
        assert "Created the collection minutes" in p.page.locator("#upload-status").inner_text()
        assert p.page.input_value("#new-collection textarea, #new-collection input") == ""
        assert p.page.input_value("#collection input") == "minutes"
        assert (collections / "minutes" / "corpus").is_dir()
    finally:
        app.stop()


def test_the_document_table_shows_every_column_at_1400_px(tmp_path, browser):
    """At 1400 px the Documents table showed File and Title only; the other columns were scrolled
    out of its box. Each header must now lie inside the table's visible width."""
    corpus = make_corpus(tmp_path, {"a.txt": KESTREL, "long-report-name-for-the-harbour-authority.txt":
                                    "The Harbour Authority's annual review of dredging, berths and cargo volumes "
                                    "counted 1,250 ship calls in the year.\n"})
    app = App(corpus, tmp_path / "index")
    try:
        p = Page(browser, app.url)
        p.page.get_by_role("tab", name="Documents").click()
        table = p.page.locator("#doc-list")
        table.locator("th", has_text="Status").first.wait_for(state="attached", timeout=15000)
        box = p.page.evaluate("""() => { const t = document.querySelector('#doc-list table');
            let c = t.parentElement;
            while (c && c.scrollWidth <= c.clientWidth + 1 && c !== document.body) c = c.parentElement;
            const r = (c && c !== document.body ? c : t).getBoundingClientRect(); return [r.left, r.right]; }""")
        for name in ("File", "Title", "Pages", "Chunks", "Indexed at", "Status"):
            h = table.locator("th", has_text=name).first.bounding_box()
            assert h and box[0] - 1 <= h["x"] and h["x"] + h["width"] <= box[1] + 1, (name, h, box)
        p.page.locator("#doc-list").screenshot(path=str(SHOTS / "14-document-table-1400.png"))
    finally:
        app.stop()


def test_uploads_never_added_are_swept(tmp_path):
    """A file posted to gradio's upload route but never added to a collection could be fetched
    back for as long as the server ran; now it is deleted after ASSISTANT_UPLOAD_TTL_S."""
    import json as _json
    import uuid

    corpus = make_corpus(tmp_path, {"a.txt": KESTREL})
    app = App(corpus, tmp_path / "index", env={"ASSISTANT_UPLOAD_TTL_S": "2"})
    try:
        boundary, body = uuid.uuid4().hex, b"secret orphan upload"
        data = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"orphan.txt\"\r\n"
                f"Content-Type: text/plain\r\n\r\n").encode() + body + f"\r\n--{boundary}--\r\n".encode()
        req = urllib.request.Request(app.url + "gradio_api/upload", data=data, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        with urllib.request.urlopen(req, timeout=30) as r:
            (path,) = _json.loads(r.read())
        assert Path(path).read_bytes() == body  # stored by gradio, not by us
        time.sleep(7)  # two sweeps of a 2 s cache
        assert not Path(path).exists()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(app.url + f"gradio_api/file={path}", timeout=10)
    finally:
        app.stop()


def test_failed_files_are_listed_and_remove_asks_first(tmp_path, browser):
    corpus = make_corpus(tmp_path, {"good.txt": KESTREL, "latin1.txt": "Caf\xe9 cr\xe8me".encode("latin-1")})
    app = App(corpus, tmp_path / "index")
    try:
        p = Page(browser, app.url)
        p.page.get_by_role("tab", name="Documents").click()
        table = p.page.locator("#doc-list")
        table.wait_for(state="visible", timeout=15000)
        assert "latin1.txt" in table.inner_text() and "not indexed: not UTF-8" in table.inner_text()

        def choose_and_remove() -> None:
            p.page.click("#remove-choice input")
            p.page.get_by_role("option", name="latin1.txt").click()
            p.page.click("#remove")
            p.page.locator("#confirm-row").wait_for(state="visible", timeout=15000)
            assert "Remove latin1.txt from default?" in p.page.locator("#confirm-text").inner_text()

        choose_and_remove()
        p.page.click("#cancel-remove")
        p.page.locator("#confirm-row").wait_for(state="hidden", timeout=15000)
        assert (corpus / "latin1.txt").exists()  # nothing removed without the confirmation
        choose_and_remove()
        p.page.click("#confirm-remove")
        p.page.wait_for_function("!document.querySelector('#doc-list').innerText.includes('latin1.txt')",
                                 timeout=60000)
        assert not (corpus / "latin1.txt").exists() and (corpus / "good.txt").exists()
        p.shot("11-documents-after-remove")
    finally:
        app.stop()


def test_no_file_outside_the_index_is_served(app):
    for path in ("gradio_api/file=/etc/passwd", f"gradio_api/file={ROOT}/pyproject.toml",
                 "gradio_api/file=corpus/000_936d9f47e3d9f400.txt", "file=/etc/passwd", "../pyproject.toml"):
        try:
            with urllib.request.urlopen(app.url + path, timeout=10) as r:
                body = r.read().decode(errors="replace")
            assert "root:" not in body and "[project]" not in body and "Reagan" not in body, path
        except urllib.error.HTTPError as e:
            assert e.code in (403, 404, 405), (path, e.code)


def test_api_endpoint_returns_the_cli_json(app, bot):
    from gradio_client import Client

    client = Client(app.url, verbose=False)
    assert "/ask" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    got = client.predict("What share of the U.S. market did Japan reach last year?", [], api_name="/ask")
    want = decisions(bot.ask("What share of the U.S. market did Japan reach last year?").answer)
    assert without_timings(got) == want
    follow = client.predict("What did his spokesman say?", ["Who is Takashi Ishihara?"], api_name="/ask")
    assert "out of the question" in follow["answer"]
    named = client.predict("What share of the U.S. market did Japan reach last year?", [], "default", api_name="/ask")
    assert without_timings(named) == want  # the collection is a parameter; "default" is today's corpus/
    with pytest.raises(Exception, match="No collection named 'nope'") as unknown:
        client.predict("What share?", [], "nope", api_name="/ask")
    assert str(ROOT) not in str(unknown.value) and "/collections/" not in str(unknown.value)  # no server path
    for args, message in [((5, []), "question must be a string; got a number"),
                          ((True, []), "question must be a string; got true/false"),
                          (("What share?", "Who is he?"), "history must be a list .* got a string"),
                          (("What share?", [3]), "History item 1 must be a string .* got a number"),
                          (("What share?", {"q": 1}), "history must be a list .* got an object"),
                          (("What share?", [], ["default"]), "collection must be a string .* got a list")]:
        with pytest.raises(Exception, match=message):
            client.predict(*args, api_name="/ask")
    assert "Traceback" not in app.log.read_text()  # bad input is the client's mistake, not the server's
    t0 = time.monotonic()
    with pytest.raises(Exception, match="300 earlier questions; the limit is 20"):
        client.predict("What share?", ["Who is Takashi Ishihara?"] * 300, api_name="/ask")
    assert time.monotonic() - t0 < 10  # refused before any of them is asked
    with pytest.raises(Exception, match=r"History item 2 \(of 2\) is empty"):
        client.predict("What share?", ["Who is Takashi Ishihara?", ""], api_name="/ask")
    with pytest.raises(Exception, match="has no words"):
        client.predict("???!!!...", [], api_name="/ask")
    from .test_strictness import BETWEEN

    assert client.predict(BETWEEN, [], "default", "balanced", api_name="/ask")["found"]
    strict = client.predict(BETWEEN, [], "default", "strict", api_name="/ask")
    assert not strict["found"] and strict["strictness"] == "strict"
    with pytest.raises(Exception, match="Strictness 'very' is not a level: use one of lenient, balanced, strict"):
        client.predict(BETWEEN, [], "default", "very", api_name="/ask")


def test_login_required_when_auth_is_set(real_index_settings, browser):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    app = App(real_index_settings.corpus_dir, real_index_settings.index_dir, "--auth", "staff:s3cret")
    try:
        with pytest.raises(AuthenticationError, match="credentials were not provided"):
            Client(app.url, verbose=False).predict("What share?", [], api_name="/ask")
        with pytest.raises(ValueError, match="Could not login"):  # gradio answers a wrong password with 400
            Client(app.url, auth=("staff", "wrong"), verbose=False)
        ok = Client(app.url, auth=("staff", "s3cret"), verbose=False)
        assert ok.predict("What share of the U.S. market did Japan reach last year?", [], api_name="/ask")["found"]

        def login(password: str) -> int:
            form = urllib.parse.urlencode({"username": "staff", "password": password}).encode()
            try:
                request = urllib.request.Request(app.url + "login", data=form)
                return int(urllib.request.urlopen(request, timeout=10).status)
            except urllib.error.HTTPError as e:
                return int(e.code)

        assert [login("wrong") for _ in range(5)] == [400] * 5
        assert login("s3cret") == 429  # guessing is held up: even the right password waits out the minute
        page = browser.new_page()
        page.goto(app.url, wait_until="load")
        page.wait_for_selector("input[type=password]", timeout=30000)
    finally:
        app.stop()


def boxes_cover(p: Page, tp, found: tuple[int, int], size: tuple[float, float]) -> list:  # type: ignore[no-untyped-def,type-arg]
    """The highlight boxes drawn over the page image in the viewer, after checking that they
    cover every character pdfium ``found`` (start, count) on the page's text ``tp``."""
    width, height = size
    img = p.page.locator("#article .pdf-page img").bounding_box()
    boxes = [b.bounding_box() for b in p.page.locator("#article .pdf-hl").all()]
    assert img and boxes and all(boxes)
    for i in range(found[0], found[0] + found[1]):
        left, bottom, right, top = tp.get_charbox(i)
        cx = img["x"] + (left + right) / 2 / width * img["width"]
        cy = img["y"] + (1 - (bottom + top) / 2 / height) * img["height"]
        assert any(b["x"] <= cx <= b["x"] + b["width"] and b["y"] <= cy <= b["y"] + b["height"]
                   for b in boxes if b), (i, cx, cy, boxes)
    return boxes


def test_uploaded_pdf_citation_is_highlighted_on_its_page(tmp_path, browser):
    """Upload a PDF in the Documents tab, ask what its page 2 answers, open the citation: the
    boxes drawn over the page image must cover the characters pdfium finds for the quoted figure."""
    import pypdfium2 as pdfium

    from .docfactory import make_pdf

    corpus = make_corpus(tmp_path, {"note.txt": "A short note about the weather in the harbour last week.\n"})
    pdf = make_pdf(tmp_path / "Q3 report.pdf")
    app = App(corpus, tmp_path / "index")
    try:
        p = Page(browser, app.url)
        p.page.get_by_role("tab", name="Documents").click()
        p.page.set_input_files("#upload input[type=file]", str(pdf))
        status = p.page.locator("#upload-status")
        p.page.wait_for_function("document.querySelector('#upload-status').innerText.includes('Added')",
                                 timeout=180000)
        text = status.inner_text()
        assert "Q3 report.pdf" in text and "page 5: no text layer (scanned?)" in text
        assert "Q3 report.pdf" in p.page.locator("#doc-list").inner_text()
        assert (corpus / "Q3 report.pdf").read_bytes() == pdf.read_bytes()
        p.shot("6-upload")

        p.page.get_by_role("tab", name="Sources").click()
        answer = p.ask("How many turbines did the Zorvan plant produce in 2023?")
        assert "48,250" in answer.inner_text()
        card = p.page.locator("#sources .source", has_text="Regional energy report, p. 2").first
        assert card.locator(".head").get_attribute("title") == "Q3 report.pdf"  # the file, on hover
        card.click()
        hl = p.page.locator("#article .pdf-hl").first
        hl.wait_for(state="visible", timeout=30000)
        assert p.page.locator("#article h4").inner_text() == "Regional energy report, p. 2"
        doc = pdfium.PdfDocument(str(pdf))
        page = doc[1]
        width, height = page.get_size()
        tp = page.get_textpage()
        found = tp.search("48,250").get_next()
        assert found is not None

        def boxes_cover_the_figure() -> list:  # type: ignore[type-arg]
            return boxes_cover(p, tp, found, (width, height))

        boxes = boxes_cover_the_figure()
        first = boxes[0]
        view = p.page.locator("#article .pdf-scroll").bounding_box()
        assert view and first and view["y"] <= first["y"] <= view["y"] + view["height"]  # scrolled into view
        p.page.locator("#article").screenshot(path=str(SHOTS / "7-pdf-citation-highlighted.png"))
        p.shot("8-pdf-citation-page")

        # zoom: the page grows inside the viewer, the boxes stay on the figure and it stays in view
        fit = p.page.locator("#article .pdf-page img").bounding_box()["width"]
        tools = p.page.locator("#article .viewer-bar")
        tools.get_by_role("button", name="+").click()
        tools.get_by_role("button", name="+").click()
        zoomed = p.page.locator("#article .pdf-page img").bounding_box()["width"]
        assert abs(zoomed / fit - 1.5625) < 0.02, (fit, zoomed)
        first = boxes_cover_the_figure()[0]
        view = p.page.locator("#article .pdf-scroll").bounding_box()
        assert view["x"] <= first["x"] + first["width"] / 2 <= view["x"] + view["width"]
        assert view["y"] <= first["y"] + first["height"] / 2 <= view["y"] + view["height"]
        p.page.locator("#article").screenshot(path=str(SHOTS / "12-pdf-zoomed.png"))

        # next page: p. 3 of the same file, nothing highlighted, the zoom kept; back: the quote again
        tools.get_by_role("button", name="Next ›").click()
        p.page.wait_for_function("document.querySelector('#article h4').innerText.endsWith('p. 3')", timeout=30000)
        assert "Output by plant" in (p.page.locator("#article details").text_content() or "")
        assert p.page.locator("#article .pdf-hl").count() == 0
        assert abs(p.page.locator("#article .pdf-page img").bounding_box()["width"] - zoomed) < 2
        tools.get_by_role("button", name="‹ Prev").click()
        p.page.wait_for_function("document.querySelector('#article h4').innerText.endsWith('p. 2')", timeout=30000)
        boxes_cover_the_figure()
        tools.get_by_role("button", name="Fit").click()
        assert abs(p.page.locator("#article .pdf-page img").bounding_box()["width"] - fit) < 2

        # the whole document: every page's text, the quote marked on its page
        tools.get_by_role("button", name="Whole document").click()
        p.page.wait_for_function("document.querySelector('#article h4').innerText === 'Regional energy report'",
                                 timeout=30000)
        whole = p.page.locator("#article .article-body").inner_text()
        assert "The board met four times" in whole and "Output by plant" in whole and "7.5 million euros" in whole
        assert p.page.locator("#article #cite-hl").inner_text().startswith("The Zorvan plant produced 48,250")

        # zoom belongs to the citation: another citation opens at the page's fitted width (it once
        # carried the zoom over and compounded it, leaving a highlighted page number in an empty pane)
        tools.get_by_role("button", name="Cited page").click()
        p.page.wait_for_function("document.querySelector('#article h4').innerText.endsWith('p. 2')", timeout=30000)
        tools.get_by_role("button", name="+").click()
        tools.get_by_role("button", name="+").click()
        assert abs(p.page.locator("#article .pdf-page img").bounding_box()["width"] / fit - 1.5625) < 0.02
        assert "eastern depot" in p.ask("What did the eastern depot handle?").inner_text()
        p.page.locator("#sources .source", has_text="p. 2").first.click()
        p.page.wait_for_function("document.querySelector('#article .article')?.dataset.cite === '1:c:1'",
                                 timeout=30000)
        p.page.locator("#article .pdf-hl").first.wait_for(state="visible", timeout=30000)
        assert abs(p.page.locator("#article .pdf-page img").bounding_box()["width"] - fit) < 2
        assert p.hosts() == {f"127.0.0.1:{app.port}"}, p.hosts()
        assert not list((tmp_path / "index").parent.glob("**/Q3 report.pdf.part"))
    finally:
        app.stop()


def test_upload_progress_moves_in_one_display(tmp_path, browser):
    """An upload of about 400 chunks: one progress display (the upload status; no spinner over
    the other outputs) that moves through the stages, the embedding count rising block by block
    with a time left estimated from the run's own rate."""
    corpus = make_corpus(tmp_path, {"a.txt": KESTREL})
    doc = tmp_path / "depots.txt"
    doc.write_text("\n\n".join(f"Section {i}: the regional board reviewed depot {i} and its maintenance contracts, "
                               "staffing plans, training budgets and the night shift schedule for the coming year "
                               "in some detail." for i in range(800)), encoding="utf-8")
    app = App(corpus, tmp_path / "index")
    try:
        p = Page(browser, app.url)
        p.page.get_by_role("tab", name="Documents").click()
        busy = """() => [...document.querySelectorAll('[data-testid=status-tracker]')]
              .filter(t => t.offsetParent && !t.classList.contains('hide') && t.innerText.trim())"""
        p.page.wait_for_function(f"({busy})().length === 0", timeout=30000)  # the page load's own update is over
        # What a person sees: each sample notes whether the progress bar is on screen, at least a
        # line tall, and the element at its centre belongs to the upload status (once it sat in a
        # 0 px tall box: in the DOM, invisible).
        p.page.evaluate("""() => { window.__seen = []; setInterval(() => {
            const bars = [...document.querySelectorAll('[role=progressbar]')].filter(b => b.offsetParent);
            const trackers = [...document.querySelectorAll('[data-testid=status-tracker]')]
              .filter(t => t.offsetParent && !t.classList.contains('hide') && t.innerText.trim());
            const seen = bars.map(b => { const r = b.getBoundingClientRect();
              const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
              return r.height >= 8 && r.width >= 100 && r.top >= 0 && r.bottom <= innerHeight
                && !!at && !!at.closest('#upload-status'); });
            if (bars.length || trackers.length) window.__seen.push(
              [bars.map(b => b.getAttribute('aria-label')).join(' | '),
               trackers.map(t => t.closest('[id]')?.id), seen]);
          }, 50); }""")
        p.page.set_input_files("#upload input[type=file]", str(doc))
        p.page.wait_for_function("[...document.querySelectorAll('[role=progressbar]')]"
                                 ".some(b => (b.getAttribute('aria-label') || '').startsWith('embedding'))",
                                 timeout=60000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        p.page.screenshot(path=str(SHOTS / "13-upload-in-progress.png"))
        p.page.wait_for_function("document.querySelector('#upload-status').innerText.includes('Added')",
                                 timeout=180000)
        seen = p.page.evaluate("window.__seen")
        assert seen and all(ids == ["upload-status"] for _, ids, _ in seen), seen[:5]  # one display, no others
        shown = [on for _, _, bars in seen for on in bars]
        assert shown and all(shown), f"progress drawn off screen or covered in {shown.count(False)} of {len(shown)}"
        labels = [label for label, _, _ in seen]
        order = [x.split(":")[0] for x in labels if ":" in x]
        assert "embedding" in order and order == sorted(order, key=STAGES.index), order  # stages in their order
        counts = sorted({int(x.split()[1].split("/")[0]) for x in labels if x.startswith("embedding: ")})
        assert len([c for c in counts if 0 < c < 400]) >= 2, counts  # it moved while embedding
        assert any("s left" in x for x in labels), labels
    finally:
        app.stop()


def test_conversations_are_saved_reopened_renamed_exported_and_deleted(tmp_path, real_index_settings, browser):
    """A chat survives a reload and a server restart: listed in the Conversations tab, reopened
    with its answers and working citations, continued with a follow-up, renamed, exported as
    Markdown with its citations, deleted."""
    corpus, index = real_index_settings.corpus_dir, real_index_settings.index_dir
    env = {"ASSISTANT_CONVERSATIONS_DIR": str(tmp_path / "conversations")}
    app = App(corpus, index, env=env)
    try:
        p = Page(browser, app.url)
        first = p.ask("Who is Takashi Ishihara?").inner_text()
        second = p.ask("What did his spokesman say?").inner_text()
        assert "out of the question" in second
        p.page.reload(wait_until="load")
        p.page.wait_for_selector("#question textarea")
        assert p.page.locator("#chat .answer").count() == 0  # a reload starts a new chat ...
        p.page.get_by_role("tab", name="Conversations").click()
        p.page.click("#saved-list input")  # ... and the last one is listed
        option = p.page.get_by_role("option", name="Who is Takashi Ishihara?", exact=False).first
        assert "2 questions" in option.inner_text()
        option.click()
        p.page.click("#open-saved")
        p.page.wait_for_function("document.querySelectorAll('#chat .answer').length === 2", timeout=30000)
        answers = p.page.locator("#chat .answer")
        assert answers.nth(0).inner_text().split(" ms")[0].rsplit(" ", 1)[0] == first.split(" ms")[0].rsplit(" ", 1)[0]
        assert "out of the question" in answers.nth(1).inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        p.page.screenshot(path=str(SHOTS / "15-conversation-reopened.png"))
        answers.nth(1).locator(".cite").first.click()  # its citations open in the viewer
        p.page.locator("#article #cite-hl").wait_for(state="visible", timeout=30000)
        assert "out of the question" in p.page.locator("#article #cite-hl").inner_text()
        follow = p.ask("What else did he say?")  # the reopened turns carry the conversation
        assert follow.inner_text().strip()
        p.page.get_by_role("tab", name="Conversations").click()
        p.page.fill("#rename-to textarea, #rename-to input", "Ishihara and the quota")
        p.page.click("#rename-saved")
        p.page.wait_for_function("document.querySelector('#saved-status').innerText.includes('Renamed')",
                                 timeout=15000)
        p.page.click("#export-saved")
        link = p.page.locator("#export-file a").first
        link.wait_for(state="attached", timeout=15000)
        href = link.get_attribute("href") or ""
        with urllib.request.urlopen(urllib.parse.urljoin(app.url, href), timeout=30) as r:
            md = r.read().decode("utf-8")
        assert md.startswith("# Ishihara and the quota\n") and "## 3. What else did he say?" in md
        assert "[1] " in md and md.count('"') >= 6  # every answer's citations, quoted
    finally:
        app.stop()
    app = App(corpus, index, env=env)  # a server restart
    try:
        p = Page(browser, app.url)
        p.page.get_by_role("tab", name="Conversations").click()
        p.page.click("#saved-list input")
        p.page.get_by_role("option", name="Ishihara and the quota", exact=False).first.click()
        p.page.click("#delete-saved")
        p.page.click("#confirm-delete")
        p.page.wait_for_function("document.querySelector('#saved-status').innerText.includes('Deleted')",
                                 timeout=15000)
        p.page.click("#saved-list input")
        assert p.page.get_by_role("option", name="Ishihara and the quota", exact=False).count() == 0
    finally:
        app.stop()


def test_a_cell_citation_shows_its_table_and_a_pdf_cell_is_boxed(tmp_path, browser):
    """A figure read from a spreadsheet cell: the viewer shows the table with that cell outlined
    and the row label and column header it is read under marked, all on screen. A figure read
    from a table drawn in a PDF: the box on the rendered page covers the cell's characters."""
    import pypdfium2 as pdfium

    from evals.external.renderings import pdf_file

    from .docfactory import INCOME_CSV

    grid = [["(in thousands)", "2019", "2018"], ["Turbine output", "48,250", "41,900"],
            ["Blade output", "12,100", "11,800"]]
    pdf = pdf_file("Plant output", ["Output by plant for the last two years."], grid)
    corpus = make_corpus(tmp_path, {"3M_income_statement.csv": INCOME_CSV, "plant.pdf": pdf})
    app = App(corpus, tmp_path / "index")
    try:
        p = Page(browser, app.url)
        answer = p.ask("What was 3M's cost of sales in 2018?")
        assert answer.inner_text().startswith("16,682 million ($) [1]")
        p.page.locator("#sources .source").first.click()
        cited = p.page.locator("#article .table-view td.cited")
        cited.wait_for(state="visible", timeout=30000)
        assert cited.inner_text() == "16,682" and cited.evaluate(IN_VIEW)
        under = [u.inner_text() for u in p.page.locator("#article .table-view .under").all() if u.is_visible()]
        assert "Cost of sales" in under and "2018" in under, under
        assert p.page.locator("#article .table-view td.cited mark.hl").is_visible()
        p.page.locator("#article").screenshot(path=str(SHOTS / "13-cell-citation-table.png"))

        # a derived figure: the result first, its working on a line of its own, each operand's marker
        # opening its cell in the table
        answer = p.ask("By how much did 3M's cost of sales change from 2017 to 2018?")
        assert answer.inner_text().startswith("627 million ($) (an increase)")
        working = answer.locator(".working")
        assert working.is_visible() and working.inner_text().strip() == "= 16,682 [1] − 16,055 [2]:"
        result_box, working_box = answer.locator(".short-answer").bounding_box(), working.bounding_box()
        assert result_box and working_box and working_box["y"] >= result_box["y"] + result_box["height"] - 1
        working.get_by_role("button", name="[2]").click()
        p.page.wait_for_function("document.querySelector('#article .table-view td.cited')?.innerText === '16,055'",
                                 timeout=30000)
        assert p.page.locator("#article .table-view td.cited").evaluate(IN_VIEW)
        p.shot("15-derived-working")
        refused = p.ask("What was 3M's cost of sales in 2015?")  # the year the row lacks, named
        assert "The table gives Cost of sales for 2016–2018, not 2015." in refused.inner_text()

        answer = p.ask("What was the turbine output in 2018?")
        assert answer.inner_text().startswith("41,900 thousand [1]"), answer.inner_text()
        p.page.locator("#sources .source", has_text="p. 1").first.click()
        p.page.locator("#article .pdf-hl").first.wait_for(state="visible", timeout=30000)
        page = pdfium.PdfDocument(str(corpus / "plant.pdf"))[0]
        tp = page.get_textpage()
        found = tp.search("41,900").get_next()
        assert found is not None
        boxes = boxes_cover(p, tp, found, page.get_size())
        img = p.page.locator("#article .pdf-page img").bounding_box()
        box = boxes[0]
        assert box and box["width"] < img["width"] / 4, "the box is the cell's, not the row's"
        p.page.locator("#article").screenshot(path=str(SHOTS / "14-pdf-cell-boxed.png"))
    finally:
        app.stop()
