"""Turn the public sets in ``../shared/benchmarks/`` into eval suites in our format.

Each suite is a folder ``evals/external/data/<suite>/`` (git-ignored: the data stay where
their licences put them and are regenerated here) holding the documents to index and two
case files, ``dev.jsonl`` (tune on it) and ``test.jsonl`` (report only, never tune).
A question goes to dev or test by a stable hash of its id, so the split never changes.

Suites, and how the unanswerable questions are made (a question is only "unanswerable" if the
collection it is asked of really lacks the answer):

- ``rgb-clean``: RGB news questions over all their true and on-topic passages, pooled into one
  collection of ~600 snippets on ~100 topics (retrieval must find the question's own).
- ``rgb-mixed``: the same plus the planted-wrong copies of the true passages: a conflict must
  be flagged.
- ``rgb-unanswerable``: each question over its own on-topic passages that lack the answer
  ("negatives"; one that may state an accepted answer, even as a surname or a date without its
  year, is dropped, so the label is true: ``may_answer``), one small collection per question
  (``corpora/rgb-NNN``, RGB's own protocol). Pooled, another question's negatives answered 22
  of 99 (the men's final report names the women's winner). Answerable suites built per
  question too were tried: the dev numbers rose, the found model became less cautious on
  collections unlike RGB's (two unanswerable seed questions answered), so they stay pooled.
- ``quotesum``: QuoteSum questions over the Wikipedia passages of half of the questions
  (split by a second hash); the other half are asked of a collection without their sources
  (passages and titles) and must be refused; one whose short answer still appears in the
  collection is left out rather than mislabelled.
- ``tatqa``: TAT-QA questions whose answer is a span of the report's text, each asked of its
  own report (paragraphs and the table as text); the dev file gives dev, the gold test file test.
- ``tatqa-tables``: every TAT-QA question (span, multi-span, count, arithmetic; answered from the
  table, the text or both) of 80 reports per split, each report its own collection, written in
  rotation as a web page, a Word file, a PDF and aligned plain text (``renderings``); scored as
  TAT-QA scores (the answer said first, exact after normalisation, and its scale).
- ``qmsum``: "what did X say / think about Y" questions over meeting transcripts (one line per
  turn, "Speaker: words"); the answer is right when a cited sentence lies in the gold turns.
  Its val file gives dev, its test file test, each over its own meetings. Questions are
  paraphrases of what was said, as staff's questions are.
- ``polnear``: "Who said "<first 10 words of a statement>"?" and "According to whom, ...?" over
  the 84 PolNeAR dev articles as one collection (dev split only: its held-out split is measured
  by others). Gold: the annotated Source; a pronoun or definite nominal source ("he", "the
  campaign") is scored against the nearest earlier annotated *named* source of a compatible kind
  (person for he/she), or for "who"/"which" the name just before it: an approximation, since
  PolNeAR has no coreference gold. Indefinite sources ("sources", "experts") and I/we/you are
  left out (no person is meant, or the quote's own voice). Evidence: the Content span.
- ``financebench``: filings' evidence pages (+- 2 pages) of half of the companies (by hash).
  Answerable: questions about those companies whose gold figure is written on the evidence
  page (most gold answers are derived ratios or sums, which no quote can state). Unanswerable:
  every question about a company of the other half.

    python -m evals.external.convert            # all suites (a few seconds)
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from assistant.interfaces.evals import mentions
from assistant.language.figures import contains_figure, parse_figure

from .renderings import RENDERINGS, write

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks"
DATA = HERE / "data"

SUITES = ["rgb-clean", "rgb-mixed", "rgb-unanswerable", "quotesum", "tatqa", "tatqa-tables", "tatqa-missing",
          "financebench", "qmsum", "polnear"]
POLNEAR_PER_KIND = 200  # questions per source kind (named / resolved)
TATQA_PER_SPLIT = 150  # questions per split (each has its own small index)


def split_of(key: str, salt: str = "split") -> str:
    """'dev' or 'test', from a stable hash: the same id always lands in the same split.

    >>> split_of("rgb-0"), split_of("rgb-0")
    ('test', 'test')
    """
    return "dev" if int(hashlib.sha1(f"{salt}:{key}".encode()).hexdigest(), 16) % 2 == 0 else "test"


class SuiteWriter:
    """Writes one suite folder: documents first, then cases into dev/test by hash."""

    def __init__(self, name: str, out: Path = DATA) -> None:
        self.dir = out / name
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.cases: dict[str, list[dict[str, Any]]] = {"dev": [], "test": []}

    def doc(self, rel: str, text: str) -> str:
        return self.blob(rel, text.encode("utf-8"))

    def blob(self, rel: str, data: bytes) -> str:
        path = self.dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path.name

    def case(self, split: str, case: dict[str, Any]) -> None:
        self.cases[split].append(case)

    def close(self) -> dict[str, int]:
        for split, cases in self.cases.items():
            if not cases:
                continue  # an empty suite file is malformed; a missing one means "no cases"
            with (self.dir / f"{split}.jsonl").open("w", encoding="utf-8") as f:
                for c in cases:
                    f.write(json.dumps(c, ensure_ascii=False) + "\n")
        return {s: len(c) for s, c in self.cases.items()}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --- RGB --------------------------------------------------------------------------------------

def _rgb_groups(answer: Any) -> list[list[str]]:
    """RGB answers: a string, or a list of groups of accepted forms (every group is needed)."""
    if isinstance(answer, str):
        return [[answer]]
    return [[str(x) for x in (g if isinstance(g, list) else [g])] for g in answer]


_MONTH_DAY = re.compile(r"^(?:(\w+)\.? (\d{1,2})|(\d{1,2}) (\w+)\.?),? \d{4}$")


def _fold(text: str) -> str:
    """Without accents: "Pogačar" -> "Pogacar" (news pages drop them)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def may_answer(text: str, forms: list[str]) -> bool:
    """Might ``text`` give one of the accepted answers, even in a shorter form? A negative that
    does is no unanswerable case: "Raducanu" answers "Emma Raducanu" (so does "Yifei" for "Liu
    Yifei"), "released in Japan on April 29" answers "April 29, 2015", "Pogacar" answers
    "Tadej Pogačar".

    >>> may_answer("At the 2021 US Open, Raducanu won.", ["Emma Raducanu"])
    True
    >>> may_answer("Released in Japan on April 29.", ["April 29, 2015"]), may_answer("Jun 16, 2015", ["Apr 29, 2015"])
    (True, False)
    """
    text = _fold(text)
    for form in map(_fold, forms):
        words = form.split()
        weaker = [form]
        if len(words) >= 2 and all(w[:1].isupper() for w in words):
            weaker += [w for w in words if len(w) >= 4]  # a surname, or a given name ("Sundar")
        if m := _MONTH_DAY.match(form):
            weaker.append(f"{m.group(1)} {m.group(2)}" if m.group(1) else f"{m.group(3)} {m.group(4)}")
        if any(mentions(text, w) for w in weaker):
            return True
        if parse_figure(form) is not None and any(ch.isdigit() for ch in form) and contains_figure(text, form):
            return True
    return False


def convert_rgb(src: Path, out: Path = DATA) -> dict[str, dict[str, int]]:
    rows = _read_jsonl(src / "en_fact.jsonl")
    writers = {k: SuiteWriter(f"rgb-{k}", out) for k in ("clean", "mixed", "unanswerable")}
    for r in rows:
        qid, groups = int(r["id"]), _rgb_groups(r["answer"])
        forms = [a for g in groups for a in g]
        neg = [p for p in r["negative"] if not may_answer(p, forms)]
        parts = {"clean": [("pos", p) for p in r["positive"]] + [("neg", p) for p in r["negative"]],
                 "mixed": ([("pos", p) for p in r["positive"]] + [("wrong", p) for p in r["positive_wrong"]]
                           + [("neg", p) for p in r["negative"]]),
                 "unanswerable": [("neg", p) for p in neg]}
        split = split_of(f"rgb-{qid}")
        for kind, passages in parts.items():
            if not passages:
                continue
            order = list(range(len(passages)))
            random.Random(qid).shuffle(order)  # file names say nothing about which is which
            names: dict[str, list[str]] = defaultdict(list)
            folder = f"corpora/rgb-{qid:03d}" if kind == "unanswerable" else "corpus"
            for k, i in enumerate(order):
                role, text = passages[i]
                names[role].append(writers[kind].doc(f"{folder}/rgb-{qid:03d}-{k:02d}.txt", text.strip() + "\n"))
            case: dict[str, Any] = {"id": f"rgb-{qid}", "question": r["query"], "corpus": folder}
            if kind == "unanswerable":
                case["expect"] = {"unanswerable": True}
            else:
                case["expect"] = {"answers": groups, "sources": sorted(names["pos"]), "conflict": kind == "mixed"}
                if kind == "mixed":
                    case["expect"]["planted"] = [str(r["fakeanswer"])]
            writers[kind].case(split, case)
    return {f"rgb-{k}": w.close() for k, w in writers.items()}


# --- QuoteSum ---------------------------------------------------------------------------------

_SPAN = re.compile(r"\[ ([1-9]) ([^\[\]]*) \]")


def convert_quotesum(src: Path, out: Path = DATA) -> dict[str, dict[str, int]]:
    rows = _read_jsonl(src / "dev.jsonl")
    by_qid: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_qid[r["qid"]].append(r)
    w = SuiteWriter("quotesum", out)
    inside = {q for q in by_qid if split_of(q, "quotesum-half") == "dev"}  # their sources are indexed
    corpus_text: list[str] = []
    titles: set[str] = set()
    docs: dict[str, str] = {}  # passage text -> file name (a passage shared by questions is one file)
    for qid in sorted(inside):
        r = by_qid[qid][0]
        for i in range(1, 9):
            text = r.get(f"source{i}", "")
            if text and text not in docs:
                title = r.get(f"title{i}", "")
                docs[text] = w.doc(f"corpus/qs-{len(docs):04d}.txt", f"{title}\n\n{text.strip()}\n")
                corpus_text.append(f"{title}\n{text}")
                titles.add(title.lower())
    everything = "\n".join(corpus_text)
    for qid, rs in sorted(by_qid.items()):
        r = rs[0]
        shorts = sorted({m.group(2).strip() for x in rs for m in _SPAN.finditer(x["covered_short_answers"])} - {""})
        if not shorts:
            continue
        split = split_of(qid)
        if qid in inside:
            cited = sorted({docs[r[f"source{m.group(1)}"]] for x in rs for m in _SPAN.finditer(x["summary"])
                            if r.get(f"source{m.group(1)}") in docs})
            w.case(split, {"id": qid, "question": r["question"],  # several short answers answer several readings
                           "expect": {"answers": [shorts], "sources": cited, "conflict": False}})
        else:
            own_titles = {r.get(f"title{i}", "").lower() for i in range(1, 9)} - {""}
            if own_titles & titles or any(mentions(everything, s) for s in shorts):
                continue  # the collection may still answer it: leave it out rather than mislabel
            w.case(split, {"id": qid, "question": r["question"], "expect": {"unanswerable": True},
                           "note": "its own sources are not in the collection"})
    return {"quotesum": w.close()}


# --- TAT-QA -----------------------------------------------------------------------------------

def _table_text(table: list[list[str]]) -> str:
    return "\n".join(" | ".join(" ".join(c.split()) for c in row if c.strip()) for row in table
                     if any(c.strip() for c in row))


TATQA_FILES = {"dev": "tatqa_dataset_dev.json", "test": "tatqa_dataset_test_gold.json"}


def tatqa_picked(contexts: list[dict[str, Any]], split: str,
                 per_split: int = TATQA_PER_SPLIT) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The (context, question) pairs a split asks: questions answered by a span of the text, in a
    fixed shuffled order, the first ``per_split`` (the reader trains on the dev file's others)."""
    picked = [(ctx, q) for ctx in contexts for q in ctx["questions"]
              if q["answer_from"] == "text" and q["answer_type"] in ("span", "multi-span")]
    random.Random(f"tatqa-{split}").shuffle(picked)
    return picked[:per_split]


def tatqa_report(ctx: dict[str, Any]) -> str:
    """A context as the one document of its collection: its paragraphs, then its table as text."""
    paras = "\n\n".join(p["text"].strip() for p in sorted(ctx["paragraphs"], key=lambda p: p["order"]))
    return f"{paras}\n\n{_table_text(ctx['table']['table'])}\n"


TABLES_PER_SPLIT = 80  # reports per split of tatqa-tables (20 per rendering; each has its own small index)
REPORT_TITLE = "Annual report extract"  # TAT-QA names no company: every report gets this neutral title


def tatqa_answers(q: dict[str, Any]) -> list[str]:
    """A TAT-QA question's gold answer as strings (one per span; a number as TAT-QA wrote it)."""
    answer = q["answer"]
    return [str(a) for a in answer if str(a).strip()] if isinstance(answer, list) else [str(answer)]


def convert_tatqa_tables(src: Path, out: Path = DATA,
                         per_split: int = TABLES_PER_SPLIT) -> dict[str, dict[str, int]]:
    """Every question (span, multi-span, count, arithmetic; from table, text or both) of
    ``per_split`` reports per split, each report its own collection, written in rotation as a
    web page, a Word file, a PDF and aligned plain text (``renderings``). Expectation: TAT-QA's
    own, the answer said first, exact after normalisation, at the right scale (``exact``, ``scale``);
    the case's note says its answer type, answer source and rendering, for the breakdowns.

    Suite ``tatqa-missing`` asks the same reports each question that names a year again with
    that year changed to one the report never mentions (``missing_year``): no answer, and no
    figure computed from a stand-in, is right."""
    w, m = SuiteWriter("tatqa-tables", out), SuiteWriter("tatqa-missing", out)
    for split, name in TATQA_FILES.items():
        contexts = json.loads((src / name).read_text(encoding="utf-8"))
        random.Random(f"tatqa-tables-{split}").shuffle(contexts)
        for i, ctx in enumerate(contexts[:per_split]):
            uid, kind = ctx["table"]["uid"][:8], RENDERINGS[i % len(RENDERINGS)]
            paras = [p["text"].strip() for p in sorted(ctx["paragraphs"], key=lambda p: p["order"])]
            report = write(kind, REPORT_TITLE, paras, ctx["table"]["table"])
            w.blob(f"corpora/{uid}/report.{kind}", report)
            everything = tatqa_report(ctx)
            for q in ctx["questions"]:
                if not (answers := tatqa_answers(q)):
                    continue
                note = f"type={q['answer_type']} from={q['answer_from']} rendering={kind}"
                w.case(split, {"id": q["uid"], "question": q["question"], "corpus": f"corpora/{uid}",
                               "expect": {"exact": answers, "scale": q["scale"] or "none"}, "note": note})
                if changed := missing_year(q["question"], everything):
                    m.blob(f"corpora/{uid}/report.{kind}", report)
                    m.case(split, {"id": f"{q['uid']}-missing", "question": changed, "corpus": f"corpora/{uid}",
                                   "expect": {"unanswerable": True}, "note": note})
    return {"tatqa-tables": w.close(), "tatqa-missing": m.close()}


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def missing_year(question: str, report: str) -> str | None:
    """``question`` with the earliest year it names (one the report has) changed to the latest
    year before it that the report never mentions; None when it names none of the report's years.

    >>> missing_year("What was the change in revenue from 2018 to 2019?", "Revenue 2019 2018 2017 ... 2015")
    'What was the change in revenue from 2016 to 2019?'
    >>> missing_year("What was the revenue in 2019?", "Revenue 2018 2017") is None
    True
    """
    years = sorted({int(y) for y in _YEAR.findall(question) if y in report})
    if not years:
        return None
    stand_in = next(y for y in range(years[0] - 1, 1800, -1) if str(y) not in report)
    return re.sub(rf"\b{years[0]}\b", str(stand_in), question)


def convert_tatqa(src: Path, out: Path = DATA, per_split: int = TATQA_PER_SPLIT) -> dict[str, dict[str, int]]:
    w = SuiteWriter("tatqa", out)
    for split, name in TATQA_FILES.items():
        contexts = json.loads((src / name).read_text(encoding="utf-8"))
        for ctx, q in tatqa_picked(contexts, split, per_split):
            uid = ctx["table"]["uid"][:8]
            w.doc(f"corpora/{uid}/report.txt", tatqa_report(ctx))
            answers = [str(a) for a in q["answer"]] if isinstance(q["answer"], list) else [str(q["answer"])]
            w.case(split, {"id": q["uid"], "question": q["question"], "corpus": f"corpora/{uid}",
                           "expect": {"answers": [[a] for a in answers]}})
    return {"tatqa": w.close()}


# --- FinanceBench -----------------------------------------------------------------------------

def convert_financebench(src: Path, out: Path = DATA, window: int = 2) -> dict[str, dict[str, int]]:
    w = SuiteWriter("financebench", out)
    questions = _read_jsonl(src / "financebench_open_source.jsonl")
    have = {p.stem for p in (src / "corpus").glob("*.jsonl")}
    inside = {q["company"] for q in questions if split_of(q["company"], "financebench-half") == "dev"}
    pages: dict[str, set[int]] = defaultdict(set)
    for q in questions:
        if q["company"] not in inside:
            w.case(split_of(q["financebench_id"]), {
                "id": q["financebench_id"], "question": q["question"], "expect": {"unanswerable": True},
                "note": f"no filing of {q['company']} is in the collection"})
            continue
        ev = [e for e in q["evidence"] if e["doc_name"] in have]
        answer = q["answer"].strip()
        for e in ev:
            pages[e["doc_name"]].update(range(e["evidence_page_num"] - window, e["evidence_page_num"] + window + 1))
        if parse_figure(answer) is None or not any(contains_figure(e["evidence_text_full_page"], answer) for e in ev):
            continue  # a worded or derived answer (a ratio, a sum): no quote can state it
        w.case(split_of(q["financebench_id"]), {
            "id": q["financebench_id"], "question": q["question"],
            "expect": {"figures_any": [answer], "sources": sorted({f"{e['doc_name']}.jsonl" for e in ev})}})
    for doc_name, wanted in sorted(pages.items()):
        lines = [ln for ln in (src / "corpus" / f"{doc_name}.jsonl").read_text(encoding="utf-8").splitlines()
                 if ln.strip() and json.loads(ln)["page"] in wanted]
        w.doc(f"corpus/{doc_name}.jsonl", "\n".join(lines) + "\n")
    return {"financebench": w.close()}


def convert_qmsum(src: Path, out: Path = DATA) -> dict[str, dict[str, int]]:
    w = SuiteWriter("qmsum", out)
    for split, name in (("dev", "val"), ("test", "test")):
        ids = [ln.split(",")[1] for ln in (src / f"{name}_meeting_ids.csv").read_text().splitlines()[1:]]
        for mid, meeting in zip(ids, _read_jsonl(src / f"{name}.jsonl"), strict=True):
            lines, offsets, pos = [], [], 0
            for turn in meeting["meeting_transcripts"]:
                line = f"{turn['speaker']}: {' '.join(turn['content'].split())}"
                offsets.append((pos, pos + len(line)))
                lines.append(line)
                pos += len(line) + 1
            doc = w.doc(f"corpus-{split}/{mid}.txt", "\n".join(lines) + "\n")
            for k, q in enumerate(meeting["specific_query_list"]):
                spans = [{"source": doc, "start": offsets[int(a)][0], "end": offsets[min(int(b), len(offsets) - 1)][1]}
                         for a, b in q["relevant_text_span"] if int(a) < len(offsets)]
                if spans:
                    w.case(split, {"id": f"{mid}-{k}", "question": q["query"], "corpus": f"corpus-{split}",
                                   "expect": {"spans": spans}})
    return {"qmsum": w.close()}


_PRONOUN_SOURCES = {"he", "she", "they", "it", "who", "which", "his", "her", "their"}
_UNSCORED_SOURCES = {"i", "we", "you", "me", "us", "that", "this", "said"}
_DETERMINER = re.compile(r"^(the|a|an|this|that|these|those|some|many|several|other|two|three|one)\b", re.I)
_NOT_PERSONAL = re.compile(r"\b(campaign|court|committee|times|post|journal|news|network|party|department|"
                           r"agency|administration|office|group|study|report|poll|survey|company|organization|"
                           r"university|institute|foundation|association|council|commission|imf|fbi|cnn)\b", re.I)


def _brat(path: Path) -> list[dict[str, tuple[int, int, str]]]:
    """The relations of one brat .ann file: {"Source"/"Cue"/"Content": (start, end, text)} each
    (a discontinuous span is kept from its first start to its last end)."""
    spans: dict[str, tuple[int, int, str]] = {}
    rels: list[dict[str, tuple[int, int, str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) == 3:
            ranges = [tuple(map(int, r.split())) for r in parts[1].split(" ", 1)[1].split(";")]
            spans[parts[0]] = (ranges[0][0], ranges[-1][1], parts[2])
        elif line.startswith("E") and len(parts) >= 2:
            args = dict(a.split(":", 1) for a in parts[1].split())
            rels.append({k: spans[v] for k, v in args.items() if k in ("Source", "Cue", "Content") and v in spans})
    return rels


def source_kind(text: str) -> str:
    """"named" ("Paul Ryan", "The Post"), "resolved" ("he", "the campaign": the text names whom
    elsewhere) or "" (not scored: "sources", "experts", "I").

    >>> [source_kind(t) for t in ("Paul Ryan", "The New York Post", "he", "the campaign", "The GOP nominee",
    ...                          "experts", "I")]
    ['named', 'named', 'resolved', 'resolved', 'resolved', '', '']
    """
    words = text.split()
    low = text.lower().strip()
    if not words or low in _UNSCORED_SOURCES:
        return ""
    if low in _PRONOUN_SOURCES:
        return "resolved"
    nominal = bool(_DETERMINER.match(words[0])) and words[-1][0].islower()  # "The GOP nominee"
    if low.startswith("the ") and len(words) <= 4 and nominal and not low.endswith("s"):
        return "resolved"
    if any(w[0].isupper() for w in words[1:]) or (words[0][0].isupper() and not _DETERMINER.match(words[0])):
        return "" if nominal else "named"
    return ""


def _antecedent(source: tuple[int, int, str], named: list[tuple[int, int, str]], text: str) -> str | None:
    """The gold person for a pronoun/nominal source (see the module doc), or None."""
    start, _, src = source
    low = src.lower()
    if low in ("who", "which"):
        before = re.findall(r"(?:[A-Z][\w.'’-]+\s+)*[A-Z][\w.'’-]+", text[max(0, start - 80) : start])
        return before[-1] if before else None
    for s, _, name in reversed(named):
        if s >= start:
            continue
        if low in ("he", "she", "his", "her") and _NOT_PERSONAL.search(name):
            continue
        return name
    return None


def convert_polnear(src: Path, out: Path = DATA, per_kind: int = POLNEAR_PER_KIND) -> dict[str, dict[str, int]]:
    w = SuiteWriter("polnear", out)
    pool: dict[str, list[dict[str, Any]]] = {"named": [], "resolved": []}
    passes: dict[str, Path] = {}
    for ann in sorted((src / "attributions").glob("*.ann")):
        passes.setdefault(ann.stem.rsplit("_", 1)[0], ann)  # one annotator pass per article
    for article, ann in sorted(passes.items()):
        text = (src / "text" / f"{article}.txt").read_text(encoding="utf-8")
        doc = w.doc(f"corpus/{article}.txt", text)
        rels = sorted((r for r in _brat(ann) if "Source" in r and "Content" in r), key=lambda r: r["Source"][0])
        named = [r["Source"] for r in rels if source_kind(r["Source"][2]) == "named"]
        for k, r in enumerate(rels):
            kind = source_kind(r["Source"][2])
            gold = r["Source"][2] if kind == "named" else _antecedent(r["Source"], named, text) if kind else None
            c0, c1, content = r["Content"]
            words = re.sub(r"^(that|whether)\s+", "", content.strip(" \"“”‘’'"), flags=re.I).split()
            if not gold or len(words) < 6:
                continue
            frag = " ".join(words[:10]).strip(",;:")
            key = f"{article}-{k}"
            q = f"Who said “{frag}”?" if split_of(key, "polnear-q") == "dev" else f"According to whom, {frag} …?"
            pool[kind].append({"id": key, "question": q, "corpus": "corpus", "note": f"source: {r['Source'][2]}",
                               "expect": {"speaker": [gold], "spans": [{"source": doc, "start": c0, "end": c1}]}})
    for kind, cases in pool.items():
        cases.sort(key=lambda c: hashlib.sha1(c["id"].encode()).hexdigest())
        for c in cases[:per_kind]:
            c["expect"]["speaker_kind"] = kind
            w.case("dev", c)
    return {"polnear": w.close()}


CONVERTERS: dict[str, tuple[str, Callable[..., dict[str, dict[str, int]]]]] = {
    "rgb": ("rgb-counterfactual", convert_rgb),
    "quotesum": ("quotesum", convert_quotesum),
    "tatqa": ("tat-qa", convert_tatqa),
    "tatqa-tables": ("tat-qa", convert_tatqa_tables),
    "financebench": ("financebench", convert_financebench),
    "qmsum": ("qmsum", convert_qmsum),
    "polnear": ("polnear-dev", convert_polnear),
}


def convert_all(shared: Path = SHARED, out: Path = DATA,
                only: Iterable[str] | None = None) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for key, (folder, fn) in CONVERTERS.items():
        if only and key not in only:
            continue
        counts.update(fn(shared / folder, out))
    return counts


if __name__ == "__main__":
    for suite, n in convert_all().items():
        print(f"{suite:18s} dev {n['dev']:4d}  test {n['test']:4d}")
