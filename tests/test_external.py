"""Converters of the public sets: labels must be true by construction (tiny synthetic inputs)."""

from __future__ import annotations

import json

from assistant.interfaces.evals import Case, check, load_suite
from assistant.records import Answer, Citation, Claim
from evals.external.convert import convert_quotesum, convert_rgb, split_of

RGB = [
    {"id": 0, "query": "Super Bowl 2021 location", "answer": "Tampa, Florida", "fakeanswer": "Glendale, Arizona",
     "positive": ["The game was played at Raymond James Stadium in Tampa, Florida."],
     "positive_wrong": ["The game was played at Raymond James Stadium in Glendale, Arizona."],
     "negative": ["Super Bowl LV will be played in Tampa, Florida, at Raymond James Stadium.",
                  "Tickets for Super Bowl LVIII in Las Vegas are on sale."]},
    {"id": 2, "query": "Who won the 2021 Tour de France?", "answer": "Tadej Pogačar", "fakeanswer": "Chris Froome",
     "positive": ["Tadej Pogačar won the 2021 Tour de France."], "positive_wrong": ["Chris Froome won it."],
     "negative": ["Pogacar stood atop the podium in Paris.", "Mark Cavendish won stage 13."]},
    {"id": 1, "query": "When was the film released?", "answer": [["July 21 2017", "Jul 21, 2017"]],
     "fakeanswer": "June 2, 2016", "positive": ["The film was released on July 21, 2017."],
     "positive_wrong": ["The film was released on June 2, 2016."], "negative": ["The film had a big budget."]},
]


def test_rgb_suites_label_truthfully(tmp_path):
    src = tmp_path / "rgb"
    src.mkdir()
    (src / "en_fact.jsonl").write_text("\n".join(json.dumps(r) for r in RGB))
    counts = convert_rgb(src, tmp_path / "out")
    assert sum(counts["rgb-clean"].values()) == 3
    unans = tmp_path / "out" / "rgb-unanswerable"
    texts = [p.read_text() for p in (unans / "corpora").glob("*/*.txt")]
    assert texts and not any("Tampa, Florida" in t or "July 21, 2017" in t for t in texts)  # negatives with it dropped
    assert not any("Pogacar" in t for t in texts)  # a surname without its accent answers too
    assert any("Las Vegas" in t for t in texts) and any("Cavendish" in t for t in texts)
    # Each question is asked of its own negatives only: another question's could answer it.
    cases = [c for s in ("dev", "test") if (unans / f"{s}.jsonl").exists() for c in load_suite(unans / f"{s}.jsonl")]
    tour = next(c for c in cases if c.id == "rgb-2")
    assert tour.corpus == "corpora/rgb-002" and tour.expect == {"unanswerable": True}
    assert [p.read_text().strip() for p in (unans / tour.corpus).glob("*.txt")] == ["Mark Cavendish won stage 13."]
    mixed = tmp_path / "out" / "rgb-mixed"
    cases = [c for s in ("dev", "test") if (mixed / f"{s}.jsonl").exists() for c in load_suite(mixed / f"{s}.jsonl")]
    assert all(c.expect["conflict"] is True for c in cases)
    super_bowl = next(c for c in cases if c.id == "rgb-0")
    assert split_of("rgb-0") == super_bowl.suite  # the split comes from the hash of the id
    (pos,) = super_bowl.expect["sources"]
    assert (mixed / "corpus" / pos).read_text().strip().endswith("Tampa, Florida.")
    assert super_bowl.expect["answers"] == [["Tampa, Florida"]]


def test_quotesum_unanswerable_questions_lack_their_sources(tmp_path):
    src = tmp_path / "qs"
    src.mkdir()
    rows = []
    for i in range(40):
        rows.append({"qid": f"Q{i}", "unique_id": f"Q{i}_0", "question": f"What is thing {i}?",
                     "summary": f"[ 1 Widget{i} ] is it.", "covered_short_answers": f"[ 1 Widget{i} ]",
                     "title1": f"Title {i}", "source1": f"Widget{i} is thing {i}.", "disambig_questions": ""})
    (src / "dev.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    convert_quotesum(src, tmp_path / "out")
    suite = tmp_path / "out" / "quotesum"
    corpus = "\n".join(p.read_text() for p in (suite / "corpus").glob("*.txt"))
    cases = [c for s in ("dev", "test") for c in load_suite(suite / f"{s}.jsonl")]
    unanswerable = [c for c in cases if c.expect.get("unanswerable")]
    answerable = [c for c in cases if not c.expect.get("unanswerable")]
    assert unanswerable and answerable
    for c in unanswerable:
        n = c.question.split()[-1].rstrip("?")
        assert f"Widget{n} " not in corpus
    for c in answerable:
        (src_file,) = c.expect["sources"]
        assert (suite / "corpus" / src_file).read_text().startswith(f"Title {c.question.split()[-1].rstrip('?')}")


def _reply(text: str, conflict: bool = False) -> Answer:
    return Answer("q", True, (Claim(text, 1),), (Citation(1, "a.txt", 0, len(text), text, 1.0),), conflict=conflict)


def test_answers_and_conflict_expectations():
    case = Case("c", ("q",), {"answers": [["July 21 2017", "Jul 21, 2017"]], "conflict": True})
    good = check(case, _reply("It was released on July 21, 2017, in cinemas.", conflict=True))
    assert good.passed and good.answer_ok and good.first_quote_ok
    wrong = check(case, _reply("It was released on June 2, 2016."))
    assert wrong.reasons == ["answer not stated (expected one of ['July 21 2017', 'Jul 21, 2017'])",
                             "no conflict flagged, though the documents were planted with a contradiction"]
    calm = Case("c", ("q",), {"answers": [["Tampa"]], "conflict": False})
    assert check(calm, _reply("In Tampa.", conflict=True)).reasons == ["flagged a conflict where the documents agree"]
    assert not check(calm, _reply("In Tampax.")).answer_ok  # whole words only
