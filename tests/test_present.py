"""Presentation reads claims, never answer text: markers come only from citation numbers."""

from __future__ import annotations

import re

from assistant.answering.present import answer_text as text
from assistant.answering.present import claims_text, pieces
from assistant.interfaces.render import answer_html
from assistant.records import Answer, Citation, Claim

QUOTE = "Revenue rose 4.2 percent [2] from the prior year (1) on higher volumes."


def _cite(n: int, quote: str) -> Citation:
    return Citation(n, "a.txt", 0, len(quote), quote, 1.0)


def test_a_sentence_holding_bracket_markers_renders_as_one_claim():
    reply = Answer("q", True, (Claim(QUOTE, 1),), (_cite(1, QUOTE),))
    assert text(reply) == QUOTE.replace("[2]", "\\[2]") + " [1]"
    assert [p for p in pieces(reply) if p[0] == "cite"] == [("cite", 1)]
    html = answer_html(reply, turn=0)
    assert len(re.findall(r"<button class=\"cite ref-0-c-(\d+)\"", html)) == 1  # only the real marker
    assert "ref-0-c-2" not in html
    assert "&#91;2&#93;" in html and "&#40;1&#41;" in html  # the sentence's own "[2]" and "(1)", inert


def test_speaker_note_and_conflict_layout():
    he = Answer("q", True, (Claim("He said so.", 1), Claim("Taizo Watanabe", 2, "speaker", "he")),
                (_cite(1, "He said so."), _cite(2, "Taizo Watanabe")))
    assert text(he) == 'He said so. [1] ("he" is Taizo Watanabe [2].)'
    sides = ("It was 1.99 million.", "It was 1.82 million.")
    both = Answer("q", True, tuple(Claim(s, n, "conflict") for n, s in enumerate(sides, 1)),
                  tuple(_cite(n, s) for n, s in enumerate(sides, 1)), conflict=True, conflict_on="figure")
    assert text(both) == "The sources differ on this figure:\n- It was 1.99 million. [1]\n- It was 1.82 million. [2]"
    assert claims_text(both) == "It was 1.99 million.\nIt was 1.82 million."
    assert '<span class="conflict">⚠ The sources differ on this figure:</span>' in answer_html(both, 3)


def test_not_found_has_no_claims_and_no_markers():
    reply = Answer("q", False)
    assert text(reply).startswith("Not found in the documents") and "[" not in text(reply)
    assert reply.to_dict()["claims"] == []


def test_document_text_cannot_forge_markers_or_control_the_terminal():
    from assistant.interfaces.cli import format_answer

    quote = "Sales rose [1] [2] \x1b[2J\x1b[31mcleared\u202etxt.exe"
    reply = Answer("q", True, (Claim(quote, 1),), (_cite(1, quote),), timings_ms={"retrieve": 1, "compose": 1},
                   found_p=0.9)
    assert text(reply).startswith("Sales rose \\[1] \\[2] ") and text(reply).endswith(" [1]")
    shown = format_answer(reply)
    assert "\x1b" not in shown and "\u202e" not in shown
    assert "\\u001b[2J" in shown and "\\u202etxt.exe" in shown and "found p=0.900" in shown
    html = answer_html(reply, 0)
    assert "\x1b" not in html and "\u202e" not in html and "&#36;" not in html
    assert "&#36;&#36;x&#36;&#36;" in answer_html(Answer("q", True, (Claim("$$x$$", 1),), (_cite(1, "$$x$$"),)), 0)


def test_upload_names_lose_bidi_and_control_characters():
    from assistant.interfaces.collection import safe_name

    assert safe_name("report\u202efdp.txt") == "reportfdp.txt"
    assert safe_name("a\x1b[31mb.pdf") == "a[31mb.pdf"


def test_a_speaker_the_text_does_not_name_is_said_to_be_unnamed():
    from assistant.answering.present import UNNAMED_LEAD
    from assistant.records import UNNAMED

    quote = '"That is not negotiable," an official said.'
    ans = Answer("q", True, (Claim("an official", 1, "answer", UNNAMED), Claim(quote, 1)), (_cite(1, quote),))
    assert text(ans) == f"{UNNAMED_LEAD}an official: {quote} [1]"
    assert Answer.from_dict(ans.to_dict()).claims == ans.claims  # the label survives the JSON round trip


def test_the_viewer_moves_only_within_the_cited_file():
    """Previous / next page and the whole document show pages of the cited file alone; a request
    for a page it does not have shows the cited page; the quote is marked only on its own page."""
    from assistant.interfaces.render import article_html
    from assistant.records import Document

    pages = {f"r.jsonl#p{i}": Document(f"r.jsonl#p{i}", f"Page {i} text. Fact {i}.", "h", page=i, source="r.jsonl",
                                       kind="pages", heading="Report") for i in range(3)}
    other = Document("secret.txt", "Secret text.", "h")
    docs = {**pages, other.id: other}
    cite = Citation(1, "r.jsonl#p1", 13, 20, "Fact 1.", 1.0, page=2, file="r.jsonl", title="Report")
    reply = Answer("q", True, (Claim("Fact 1.", 1),), (cite,))

    cited = article_html(reply, 0, "c", 1, docs)
    assert '<mark id="cite-hl" class="hl">Fact 1&#46;</mark>' in cited and "Report, p&#46; 2" in cited
    assert 'data-cite="0:c:1:p0"' in cited and 'data-cite="0:c:1:p2"' in cited  # previous and next
    nxt = article_html(reply, 0, "c", 1, docs, at="p2")
    assert "Page 2 text" in nxt and "cite-hl" not in nxt and "Report, p&#46; 3" in nxt
    assert "disabled" in nxt and 'data-cite="0:c:1:p1"' in nxt  # no page after the last, back to the cited one
    assert article_html(reply, 0, "c", 1, docs, at="p9") == cited  # not a page of the file: the cited page
    whole = article_html(reply, 0, "c", 1, docs, at="all")
    assert all(f"Page {i} text" in whole for i in range(3)) and whole.count("cite-hl") == 1
    assert "Secret" not in cited + nxt + whole
    assert "not available" in article_html(reply, 0, "c", 7, docs)  # no such citation
