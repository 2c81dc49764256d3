"""Real documents generated in the tests (nothing binary is checked in): PDFs with reportlab,
Word files with python-docx, web pages as text."""

from __future__ import annotations

import io
from pathlib import Path

PAGE2_FACT = ("The Zorvan plant produced 48,250 turbines in 2023, according to the annual report of the "
              "regional energy board.")


def _lines(text: str, width: int) -> list[str]:
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return out + ([line] if line else [])


def make_pdf(path: Path, scanned_page: bool = True, password: str | None = None, pages: int = 0) -> Path:
    """A report: page 1 prose, page 2 two columns (the fact starts in the left one), page 3 a
    table, page 4 a footnote marker "[2]", then a scanned (image-only) page; or ``pages`` pages of
    filler prose (for the benchmark)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    enc = None
    if password:
        from reportlab.lib import pdfencrypt

        enc = pdfencrypt.StandardEncryption(password, ownerPassword=password + "-owner")
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=enc)
    c.setTitle("Regional energy report")

    def prose(text: str, x: float, y: float, width: int = 80) -> float:
        for line in _lines(text, width):
            c.drawString(x, y, line)
            y -= 15
        return y

    if pages:  # dense pages, as in a real report: about 45 lines of 90 characters
        for i in range(pages):
            y = 790.0
            for k in range(9):
                y = prose(f"Section {i + 1}.{k + 1}. In {2000 + (i + k) % 24} plant {i * 9 + k} reported "
                          f"{1000 + i * 7 + k} service visits, {20 + k} percent lower losses and "
                          f"{3 + k % 5} new contracts with suppliers from the coastal districts, while the "
                          f"board reviewed prices, staffing and maintenance plans for the next season.", 50, y,
                          width=90) - 4
            c.showPage()
        c.save()
        return path
    c.setFont("Helvetica-Bold", 16)
    c.drawString(60, 790, "Regional energy report 2023")
    c.setFont("Helvetica", 11)
    prose("This report describes the plants of the region, their output and their plans. The board met "
          "four times during the year.", 60, 760)
    c.showPage()
    c.setFont("Helvetica", 11)
    left = PAGE2_FACT + " Output rose because a second assembly hall opened in March."
    right = ("The eastern depot handled spare parts for all plants. Its staff grew to 310 people over the "
             "year, most of them technicians.")
    prose(left, 60, 780, width=38)
    prose(right, 315, 780, width=38)
    c.showPage()
    c.drawString(60, 780, "Table 4. Output by plant")
    table = [("Plant", "Turbines", "Staff"), ("Zorvan", "48,250", "1,920"), ("Milos", "12,400", "610")]
    for r, row in enumerate(table):
        for k, cell in enumerate(row):
            c.drawString(60 + 150 * k, 750 - 18 * r, cell)
    c.showPage()
    prose("Maintenance costs fell to 7.5 million euros[2] after the new contracts took effect.", 60, 780)
    c.setFont("Helvetica", 8)
    c.drawString(60, 60, "[2] Excluding the depot.")
    c.showPage()
    if scanned_page:
        from PIL import Image, ImageDraw

        img = Image.new("RGB", (1000, 400), "white")
        ImageDraw.Draw(img).text((40, 40), "A scanned letter: the board thanks the staff.", fill="black")
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 60, 400, width=480, height=190)
        c.showPage()
    c.save()
    return path


def make_scanned_pdf(path: Path) -> Path:
    """A PDF whose only page is an image: no text layer."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    buf = io.BytesIO()
    Image.new("RGB", (300, 100), "gray").save(buf, format="PNG")
    c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 50, 500, width=300, height=100)
    c.showPage()
    c.save()
    return path


HTML = """<!doctype html><html><head><title>Harbour crane deal signed</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport</a></li><li>Subscribe now</li></ul></nav>
<div class="ad">BUY CHEAP TICKETS TODAY - limited offer - click here</div>
<article><h1>Harbour crane deal signed</h1>
<p>The port authority of Velmar signed a contract for six electric cranes on Tuesday. The cranes will cost
84 million euros and arrive in 2026, the authority's director, Ilse Marken, told reporters.</p>
<p>Dock workers welcomed the deal. Their union said the new cranes would cut noise at night and reduce
diesel use by a third.</p>
<p>The old cranes, built in 1979, will be sold for scrap after the new ones are tested.</p></article>
<footer>Copyright Velmar Daily. All rights reserved. Cookie settings. Privacy.</footer>
</body></html>"""


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.core_properties.title = "Depot staffing memo"
    d.add_heading("Depot staffing memo", level=1)
    d.add_paragraph("The eastern depot will hire 42 technicians next spring to cover the new night shift.")
    d.add_paragraph("Training takes six weeks and is run by the Milos plant.")
    t = d.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("Shift", "Technicians"), ("Day", "180"), ("Night", "42")]):
        t.cell(r, 0).text, t.cell(r, 1).text = a, b
    d.save(str(path))
    return path


def make_zip_bomb_docx(path: Path, inflated_mb: int = 300) -> Path:
    """A valid Word file whose word/document.xml inflates to ``inflated_mb`` MB (about 1 MB on
    disk): a real document with a huge run of blank text appended to its main part."""
    import zipfile

    good = make_docx(path.with_name(f".{path.stem}-base.docx"))
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for item in src.infolist():
            if item.filename != "word/document.xml":
                dst.writestr(item, src.read(item))
                continue
            xml = src.read(item)
            head, tail = xml.rsplit(b"</w:body>", 1)
            with dst.open("word/document.xml", "w", force_zip64=True) as out:
                out.write(head)
                chunk = b" " * 2**20
                for _ in range(inflated_mb):
                    out.write(chunk)
                out.write(b"</w:body>" + tail)
    good.unlink()
    return path


INCOME_CSV = ('"(Millions, except per share amounts)",2018,2017,2016\n'
              'Net sales,"$ 32,765","$ 31,657","$ 30,109"\n'
              'Cost of sales,"16,682","16,055","15,118"\n'
              '"Selling, general and administrative expenses","7,602","6,626","6,311"\n'
              'Research and development,"1,821","1,870","1,764"\n'
              'Other expense (income),(547),—,12\n'
              'Operating income,"7,207","7,692","7,223"\n')


def make_xlsx(path: Path) -> Path:
    """A workbook: sheet "Income" (in thousands; its last row formulas, saved with their values
    as Excel saves them: 40.5 and 29) and an empty sheet."""
    import zipfile

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Income"
    for row in (["in thousands", 2019, 2018], ["Revenue", 120.5, 99], ["Costs", 80, 70],
                ["Operating income", "=B2-B3", "=C2-C3"]):
        ws.append(row)
    wb.create_sheet("Notes")
    raw = path.with_suffix(".raw.xlsx")
    wb.save(raw)
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":  # the values Excel computes and saves
                data = data.replace(b"<f>B2-B3</f><v></v>", b"<f>B2-B3</f><v>40.5</v>")
                data = data.replace(b"<f>C2-C3</f><v></v>", b"<f>C2-C3</f><v>29</v>")
            dst.writestr(item, data)
    raw.unlink()
    return path
