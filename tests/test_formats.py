"""PDF, web pages and Word files, generated in the test: extraction, exact offsets, page-exact
citations, and what each kind of bad file produces."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.present import answer_text as text
from assistant.core import Assistant, index_corpus
from assistant.documents.corpus import load_corpus, load_file
from assistant.documents.formats import FormatError, page_view, pdf_pages, read_html, render_page, sniff, span_boxes
from assistant.interfaces.collection import CollectionError, Library, names, safe_name, settings_for, store
from assistant.records import squash
from assistant.settings import Settings

from .docfactory import HTML, PAGE2_FACT, make_docx, make_pdf, make_scanned_pdf


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("docs")
    make_pdf(d / "report.pdf")
    make_docx(d / "memo.docx")
    (d / "crane.html").write_text(HTML)
    return d


def test_pdf_pages_keep_their_numbers_and_layout(files):
    docs, skipped = load_file(files / "report.pdf", "report.pdf")
    assert [(d.id, d.page, d.page_label, d.kind, d.file) for d in docs[:2]] == [
        ("report.pdf#p1", 0, 1, "pdf", "report.pdf"), ("report.pdf#p2", 1, 2, "pdf", "report.pdf")]
    two_columns = docs[1].text
    assert " ".join(two_columns.split()).startswith(PAGE2_FACT)  # the left column reads through, then the right
    assert two_columns.index("assembly hall") < two_columns.index("eastern depot")
    assert "Zorvan 48,250 1,920" in docs[2].text  # a table row stays a row
    assert "7.5 million euros[2]" in docs[3].text
    assert [(s.path, s.reason) for s in skipped] == [("report.pdf page 5", "no text layer (scanned?)")]


def test_a_cited_span_maps_to_the_boxes_of_its_own_characters(files):
    import pypdfium2 as pdfium

    pages, _, _ = pdf_pages(files / "report.pdf")
    text = pages[1].text
    start = text.index("48,250")
    end = start + len("48,250")
    (w, h), boxes = span_boxes(files / "report.pdf", 1, start, end)
    assert len(boxes) == 1
    # pdfium's own search finds the same characters: their boxes must lie inside ours
    pdf = pdfium.PdfDocument(str(files / "report.pdf"))
    tp = pdf[1].get_textpage()
    hit = tp.search("48,250").get_next()
    assert hit is not None
    first, count = hit
    x0, y0, x1, y1 = boxes[0]
    for i in range(first, first + count):
        left, bottom, right, top = tp.get_charbox(i)
        cx, cy = (left + right) / 2 / w, 1 - (bottom + top) / 2 / h
        assert x0 <= cx <= x1 and y0 <= cy <= y1
    png = render_page(files / "report.pdf", 1, width_px=400)
    assert png.startswith(b"\x89PNG")
    # what the UI shows, from one opening of the file: the same picture and the same boxes
    assert page_view(files / "report.pdf", 1, start, end, width_px=400) == (png, boxes)


def test_web_page_main_text_and_word_file(files):
    (page,), _ = load_file(files / "crane.html", "crane.html")
    assert page.name == "Harbour crane deal signed" and page.kind == "html"
    assert "84 million euros" in page.text
    for junk in ("Subscribe now", "BUY CHEAP TICKETS", "Cookie settings"):
        assert junk not in page.text
    (memo,), _ = load_file(files / "memo.docx", "memo.docx")
    assert memo.name == "Depot staffing memo" and "42 technicians" in memo.text and "Night | 42" in memo.text


@pytest.mark.parametrize(("name", "make", "reason"), [
    ("scan.pdf", lambda p: make_scanned_pdf(p), "no text layer (scanned?)"),
    ("locked.pdf", lambda p: make_pdf(p, password="s3cret"), "password-protected PDF"),
    ("broken.pdf", lambda p: p.write_bytes(b"%PDF-1.4\n1 0 obj garbage"), "not a readable PDF"),
    ("fake.pdf", lambda p: p.write_text(HTML), "named like a PDF, but the content is a web page"),
    ("broken.docx", lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "named like a Word file"),
    ("empty.html", lambda p: p.write_text("<html><head><title>x</title><script>var a = 1;</script></head>"
                                          "<body></body></html>"), "no article text"),
])
def test_a_bad_file_is_skipped_by_name_with_its_reason(tmp_path, files, name, make, reason):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "memo.docx").write_bytes((files / "memo.docx").read_bytes())
    make(corpus / name)
    docs, skipped = load_corpus(corpus)
    assert [d.id for d in docs] == ["memo.docx"]
    assert [s.path for s in skipped] == [name] and reason in skipped[0].reason


def test_content_decides_the_type():
    assert sniff(b"%PDF-1.7", "x.pdf") == "pdf"
    with pytest.raises(FormatError, match="content is a PDF"):
        sniff(b"%PDF-1.7", "x.docx")
    assert sniff(b"<p>quoted html</p>", "notes.txt") == "text"


def test_page_exact_citation_from_a_pdf(tmp_path, files, fake_embedder):
    corpus = tmp_path / "c"
    corpus.mkdir()
    for f in ("report.pdf", "memo.docx", "crane.html"):
        (corpus / f).write_bytes((files / f).read_bytes())
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "i")
    stats = index_corpus(settings, fake_embedder, progress=False)
    assert stats.documents == 6 and [s.path for s in stats.skipped] == ["report.pdf page 5"]
    bot = Assistant.open(settings=settings, embedder=fake_embedder)
    reply = bot.ask("How many turbines did the Zorvan plant produce in 2023?").answer
    assert reply.found
    c = next(c for c in reply.citations if "48,250" in c.quote)
    assert (c.file, c.page, c.source) == ("report.pdf", 2, "report.pdf#p2")
    assert c.quote == bot.index.documents[c.source].text[c.start : c.end]
    assert c.to_dict()["page"] == 2 and c.to_dict()["file"] == "report.pdf"
    marker = bot.ask("How much did maintenance costs fall to?").answer
    claim = next(x for x in marker.claims if "[2]" in x.text)  # the footnote marker is text, not a citation
    cite = marker.citation(claim.n)
    assert cite is not None and claim.text in squash(cite.quote)  # verbatim, inside the claim's own citation
    assert "\n" in cite.quote and "\n" not in claim.text  # the PDF's line break: exact in the quote, a space shown
    assert "7.5 million euros\\[2]" in text(marker) and "euros[2]" not in text(marker)  # cannot pass for a marker


def test_uploads_are_checked_named_safely_and_indexed(tmp_path, files, fake_embedder):
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index",
                        collections_dir=tmp_path / "collections", max_upload_mb=1)
    lib = Library(settings, fake_embedder)
    assert lib.bot("reports") is None  # a new collection has no index yet
    fake = tmp_path / "upload.pdf"
    fake.write_text(HTML)
    big = tmp_path / "big.txt"
    big.write_text("x" * (2 * 2**20))
    done = lib.add("reports", [(files / "report.pdf", "../../Q3 report.PDF"), (fake, "evil.pdf"), (big, "big.txt"),
                               (files / "memo.docx", "memo.docx")])
    assert done.stored == ["Q3 report.pdf", "memo.docx"]
    assert any("evil.pdf: named like a PDF" in r for r in done.refused)
    assert any("big.txt: 2.0 MB is over the 1 MB limit" in r for r in done.refused)
    assert done.skipped == ["Q3 report.pdf page 5: no text layer (scanned?)"]
    corpus = settings_for(settings, "reports").corpus_dir
    assert sorted(p.name for p in corpus.iterdir()) == ["Q3 report.pdf", "memo.docx"]
    assert names(settings) == ["default", "reports"]
    again = lib.add("reports", [(files / "memo.docx", "memo.docx")])
    assert again.stored == ["memo.docx (already there)"] and again.summary == ""
    bot = lib.bot("reports")
    assert bot is not None and {d.file for d in bot.index.documents.values()} == {"Q3 report.pdf", "memo.docx"}
    lib.remove("reports", "memo.docx")
    assert {d.file for d in lib.bot("reports").index.documents.values()} == {"Q3 report.pdf"}  # type: ignore[union-attr]
    with pytest.raises(CollectionError, match="not a document"):
        lib.remove("reports", "../../corpus/x.txt")
    with pytest.raises(CollectionError, match="not a collection name"):
        settings_for(settings, "../etc")
    assert safe_name("..\\..\\win.docx") == "win.docx"


def test_store_refuses_unknown_types(tmp_path):
    settings = Settings(corpus_dir=tmp_path / "c", max_upload_mb=1)
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ\x90\x00")
    with pytest.raises(CollectionError, match="not a type the assistant reads"):
        store(settings, exe, "tool.exe")


def test_documents_have_titles_people_recognise(files, tmp_path):
    """A citation names the document as people know it ("Regional energy report, p. 2"), not its
    file: from the metadata, else the largest line of page 1, a heading, or the lead words."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from assistant.records import Citation

    (page1, *_), _ = load_file(files / "report.pdf", "report.pdf")
    assert page1.display_title == "Regional energy report"  # PDF metadata
    bare = tmp_path / "bare.pdf"  # no metadata: the largest line of page 1
    c = canvas.Canvas(str(bare), pagesize=A4)
    c.setFont("Helvetica", 10)
    c.drawString(60, 800, "Internal - do not circulate")
    c.setFont("Helvetica-Bold", 22)
    c.drawString(60, 760, "Quarterly depot review")
    c.setFont("Helvetica", 10)
    c.drawString(60, 730, "The eastern depot hired 42 technicians for the night shift this quarter.")
    c.save()
    (doc,), _ = load_file(bare, "bare.pdf")
    assert doc.display_title == "Quarterly depot review" and doc.title == "bare.pdf"  # retrieval keeps the file name
    (page,), _ = load_file(files / "crane.html", "crane.html")
    (memo,), _ = load_file(files / "memo.docx", "memo.docx")
    assert (page.display_title, memo.display_title) == ("Harbour crane deal signed", "Depot staffing memo")
    (tmp_path / "notes.md").write_text("# Night shift plan\n\nThe depot hires 42 technicians.", encoding="utf-8")
    (tmp_path / "wire.txt").write_text("Japanese auto makers apparently have rebuffed a direct appeal from the "
                                       "government to restrain their exports.", encoding="utf-8")
    (md,), _ = load_file(tmp_path / "notes.md", "notes.md")
    (txt,), _ = load_file(tmp_path / "wire.txt", "wire.txt")
    assert md.display_title == "Night shift plan"
    assert txt.display_title == "Japanese auto makers apparently have rebuffed a direct appeal from…"
    cite = Citation(1, "report.pdf#p2", 0, 5, "x", 1.0, 2, "report.pdf", "Regional energy report")
    assert cite.label == "Regional energy report, p. 2" and cite.to_dict()["title"] == "Regional energy report"
    assert Citation.from_dict(cite.to_dict()) == cite


DOCBOOK = """<html><head><title>Users and groups</title></head><body><div class="book"><div class="chapter">
<div class="titlepage"><h2 class="title">Users and groups</h2></div>
<p>Debian defines several system users and groups, each with a fixed purpose, which the following list
describes in some detail for administrators.</p>
<div class="variablelist"><dl class="variablelist">
<dt><span class="term">root</span></dt><dd><p>Root is (typically) the superuser. Its password is set at install
time and it can do anything on the system.</p></dd>
<dt><span class="term">daemon</span></dt><dd><p>Some unprivileged daemons that need to write to files on disk
run as daemon.daemon, a user with no shell and no home.</p></dd>
</dl></div></div></div></body></html>"""


def test_a_definition_keeps_the_term_it_defines():
    """DocBook writes each term in a <span> inside <dt>, which trafilatura alone drops."""
    title, text = read_html(DOCBOOK.encode())
    assert title == "Users and groups"
    assert "\nroot: Root is (typically) the superuser." in text
    assert "\ndaemon: Some unprivileged daemons" in text


def test_pdf_page_furniture_and_line_end_hyphens_stay_out_of_quotes_and_boxes_stay_exact(tmp_path):
    """A manual's pages carry a running header ("3 Utilities") and a page number: they were glued
    into the first sentence ("5 3 Utilities 3.1 Invoking ..."), and "manip-" + "ulation" stayed
    "manip-ulation". Now both are gone from the indexed text, and a quote's boxes are still those
    of its own characters on the page."""
    import pypdfium2 as pdfium
    from reportlab.pdfgen import canvas

    bodies = ["3.1 Invoking asn1Parser reads a DER file and prints its structure.",
              "3.2 Keys are made with genrsa and kept in PEM files.",
              "3.3 Certificates are signed by the request tool.",
              "3.4 Requests are checked before they are signed."]
    path = tmp_path / "manual.pdf"
    c = canvas.Canvas(str(path))
    for i, body in enumerate(bodies):
        c.setFont("Helvetica", 9)
        c.drawString(60, 810, str(i + 5))
        c.drawString(300, 810, "3 Utilities")
        c.setFont("Helvetica", 11)
        c.drawString(60, 770, body)
        c.drawString(60, 755, f"It guards {['', 'well ', 'firmly ', 'always '][i]}against the manip-")
        c.drawString(60, 740, f"ulation of stored {['keys', 'requests', 'files', 'names'][i]}.")
        c.setFont("Helvetica", 8)
        c.drawString(60, 40, "ACME Toolkit Manual, version 2.1")
        c.showPage()
    c.save()
    pages, _, _ = pdf_pages(path)
    text = pages[0].text
    assert text.startswith("3.1 Invoking asn1Parser") and text.endswith("stored keys."), text
    assert "Utilities" not in text and "ACME Toolkit" not in text and "manipulation of stored keys" in text
    start = text.index("manipulation")
    (w, h), boxes = span_boxes(path, 0, start, start + len("manipulation"))
    tp = pdfium.PdfDocument(str(path))[0].get_textpage()
    for word in ("manip", "ulation"):  # the word's two halves, on two lines: each inside a box
        first, count = tp.search(word).get_next()
        for i in range(first, first + count):
            left, bottom, right, top = tp.get_charbox(i)
            cx, cy = (left + right) / 2 / w, 1 - (bottom + top) / 2 / h
            assert any(x0 <= cx <= x1 and y0 <= cy <= y1 for x0, y0, x1, y1 in boxes), (word, i)
    assert len(boxes) == 2  # one per line, the header above and the number beside it in none
    short = tmp_path / "one.pdf"  # a document too short to tell furniture keeps every line
    c = canvas.Canvas(str(short))
    c.drawString(60, 810, "5")
    c.drawString(60, 770, "A single page that says one thing.")
    c.showPage()
    c.save()
    assert pdf_pages(short)[0][0].text == "5\nA single page that says one thing."


SPHINX = ('<html><head><title>Abstract &#8212; Debian Python Policy 0.12.0.0 documentation</title></head><body>'
          '<div class="body"><section id="abstract"><h1>Abstract<a class="headerlink" href="#abstract" '
          'title="Link to this heading">\u00b6</a></h1><p>This document describes the packaging of Python within '
          'the Debian distribution and the policy for packaged Python programs and modules.</p>'
          '<h2>Scope<a class="headerlink" href="#scope">\u00b6</a></h2><p>The policy applies to every package '
          'that ships Python modules for the interpreter.</p></section></div></body></html>')


def test_documentation_pages_lose_their_heading_marks_and_keep_their_page_title():
    title, text = read_html(SPHINX.encode("utf-8"))
    assert title == "Abstract \u2014 Debian Python Policy 0.12.0.0 documentation"
    assert "\u00b6" not in text and "Scope\nThe policy applies" in text


def test_a_deeply_nested_page_still_gives_its_text():
    """Markup nested past the HTML parser's depth limit gave 'no article text found'."""
    html = ("<html><head><title>Deep</title></head><body>" + "<div>" * 400
            + "<p>The deep page says the depot hired 42 technicians in March.</p>" + "</div>" * 400 + "</body></html>")
    assert read_html(html.encode()) == ("Deep", "The deep page says the depot hired 42 technicians in March.")


def test_spreadsheets_are_tables_whose_cells_are_spans(tmp_path):
    from assistant.documents.tables import headers, number

    from .docfactory import INCOME_CSV, make_xlsx

    (tmp_path / "income.csv").write_text(INCOME_CSV, encoding="utf-8")
    (doc,), _ = load_file(tmp_path / "income.csv", "income.csv")
    (table,) = doc.tables
    assert doc.kind == "csv" and (table.rows, table.cols, table.header_rows, table.header_cols) == (7, 4, 1, 1)
    assert table.scale == "millions"
    cells = {(c.row, c.col): doc.text[c.start:c.end] for c in table.cells}
    assert cells[(2, 0)] == "Cost of sales" and cells[(2, 1)] == "16,682" and cells[(0, 3)] == "2016"
    assert headers(table, doc.text, 2, 1) == ("Cost of sales", "2018")
    assert number(cells[(5, 1)]) == -547 and number(cells[(5, 2)]) is None  # "(547)" and "—"
    assert "Cost of sales | 16,682 | 16,055 | 15,118" in doc.text.split("\n\n")  # a row is a paragraph

    make_xlsx(tmp_path / "book.xlsx")
    (sheet,), _ = load_file(tmp_path / "book.xlsx", "book.xlsx")  # the empty sheet is no document
    assert (sheet.id, sheet.name, sheet.kind, sheet.heading) == ("book.xlsx#Income", "Income", "sheet",
                                                                 "book.xlsx: Income")
    cells = {(c.row, c.col): sheet.text[c.start:c.end] for c in sheet.tables[0].cells}
    assert cells[(3, 1)] == "40.5" and cells[(3, 2)] == "29"  # a formula cell gives its value
    assert sheet.tables[0].scale == "thousands"


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("broken.xlsx", b"PK\x03\x04 not really a zip", "named like an Excel workbook, but the content is a zip archive"),
    ("fake.xlsx", b"%PDF-1.4 a pdf", "named like an Excel workbook, but the content is a PDF"),
    ("empty.csv", b"\n ,, \n", "the CSV file holds no rows"),
    ("latin.csv", b"a,b\n\xe9t\xe9,1\n", "not UTF-8"),
])
def test_a_spreadsheet_that_cannot_be_read_is_skipped_by_name(tmp_path, name, data, reason):
    from assistant.documents.corpus import load_corpus

    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "ok.txt").write_text("A readable note about the harbour.\n")
    (tmp_path / "c" / name).write_bytes(data)
    docs, skipped = load_corpus(tmp_path / "c")
    assert [d.id for d in docs] == ["ok.txt"]
    assert [s.path for s in skipped] == [name] and reason in skipped[0].reason, skipped
