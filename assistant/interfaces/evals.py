"""Deterministic eval suites: does each answer state the right figures, name the right people,
cite the right articles, and refuse what the documents cannot answer?

Suite files are JSON Lines, one case per line::

    {"id": "fig-001", "question": "...",            # or "turns": ["...", "..."] (last is scored)
     "expect": {"figures": ["1.6 million"], "figures_any": [...], "sources": ["002"],
                "sources_all": ["000", "001"], "attribution": ["Watanabe"],
                "unanswerable": true},
     "note": "optional", "corpus": "optional folder, for runners that index one per case"}

``answers`` is a list of groups of accepted strings (every group must be stated by one of its
strings, matched as whole words after normalising case, punctuation and digit commas);
``conflict`` says whether the documents were planted with a contradiction that must be flagged;
``planted`` names the planted wrong answer (stating it without flagging the conflict fails);
``spans`` lists gold evidence as ``{"source", "start", "end"}`` (the answer is right when a
cited sentence overlaps one: for questions whose answer is a passage, not a string).
``speaker`` lists the accepted names of who said it; the *first* name the answer gives must be
one of them (``speaker_kind``: "named" when the text names the speaker at the quote, "resolved"
when it says "he" or "the campaign" there).
Figures compare as numbers (see ``figures.contains_figure``); a source matches a citation whose
source equals it or starts with it. Unknown keys are an error, not ignored.

>>> check(Case("x", ("q",), {"figures": ["21 percent"]}), _reply("a 21% share", ["002.txt"])).passed
True
"""

from __future__ import annotations

import itertools
import json
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..answering.arithmetic import said
from ..answering.conversation import Turn
from ..answering.present import claims_text
from ..answering.verify import arithmetic_holds
from ..errors import EvalSuiteError
from ..language.entities import names, same_name
from ..language.figures import contains_figure, find_figures, quantities
from ..records import OPERATIONS, Answer, Citation, Claim

CASE_KEYS = {"id", "question", "turns", "expect", "note", "corpus"}
EXPECT_KEYS = {"figures", "figures_any", "sources", "sources_all", "attribution", "unanswerable", "answers",
               "conflict", "planted", "spans", "speaker", "speaker_kind", "exact", "scale", "cells", "derived"}
LIST_KEYS = EXPECT_KEYS - {"unanswerable", "answers", "conflict", "spans", "speaker_kind", "scale", "cells", "derived"}
SCALES = ("none", "thousand", "million", "billion", "percent")  # expect "scale": what the answer's figure counts
SPEAKER_KINDS = ("named", "resolved")  # the source is a name / "he", "the campaign" (named elsewhere)
ANSWER_KEYS = {"figures", "figures_any", "answers", "spans", "exact"}
VALUE_KEYS = ANSWER_KEYS - {"spans"}  # what a short answer can state: a place in the text is not a value
HIT_K = 5


@dataclass(frozen=True)
class Case:
    id: str
    turns: tuple[str, ...]
    expect: dict[str, Any]
    note: str = ""
    suite: str = ""
    corpus: str = ""

    @property
    def question(self) -> str:
        return self.turns[-1]

    @property
    def answerable(self) -> bool:
        return not self.expect.get("unanswerable")


def normalize(text: str) -> str:
    """Lower-case words and numbers only, for answer matching ("Jul 21, 2017" ~ "jul 21 2017").

    >>> normalize("Tampa, Florida — Jul 21, 2017; $1,577.0")
    'tampa florida jul 21 2017 1577 0'
    """
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").lower()
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return " ".join(re.findall(r"[^\W_]+", text))


def mentions(text: str, answer: str) -> bool:
    """Does ``text`` state ``answer`` as whole words, after normalising both?

    >>> mentions("It was played in Tampa, Florida.", "Tampa Florida"), mentions("Tampax", "Tampa")
    (True, False)
    """
    a = normalize(answer)
    return bool(a) and f" {a} " in f" {normalize(text)} "


def in_spans(case: Case, source: str, start: int, end: int) -> bool:
    """Does [start, end) of ``source`` overlap one of the case's gold evidence spans?"""
    return any(s["source"] == source and start < s["end"] and s["start"] < end for s in case.expect.get("spans", []))


def states_answer(case: Case, text: str, where: tuple[str, int, int] | None = None) -> bool | None:
    """Does ``text`` (at ``where``: source, start, end) state every expected answer and figure,
    and lie in the gold evidence if the case gives some? None when the case expects nothing."""
    ex = case.expect
    if not ANSWER_KEYS & set(ex):
        return None
    if "spans" in ex and (where is None or not in_spans(case, *where)):
        return False
    return (all(contains_figure(text, f) for f in ex.get("figures", []))
            and (not ex.get("figures_any") or any(contains_figure(text, f) for f in ex["figures_any"]))
            and all(any(mentions(text, a) for a in group) for group in ex.get("answers", []))
            and all(mentions(text, a) for a in ex.get("exact", [])))


_SCALE_WORDS = [("percent", re.compile(r"%|\bper ?cent(?:age)?(?: points?)?\b", re.I)),  # a change in percent
                ("billion", re.compile(r"\bbillions?\b|\d\s?bn\b", re.I)),
                ("million", re.compile(r"\bmillions?\b|\d\s?(?:m|mn)\b", re.I)),
                ("thousand", re.compile(r"\bthousands?\b|'000\b", re.I))]
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")


@dataclass(frozen=True)
class Said:
    """The answer said first: its spans as said (each a short answer, or the first quote) and
    the scale its words give ("none", "thousand", "million", "billion", "percent")."""

    spans: tuple[str, ...]
    scale: str


def said_first(reply: Answer) -> Said | None:
    """What the answer says first (None when it refuses): its leading short answers (a cell's
    value with the words after it, "$55 million"; a name), or else its first quote whole.

    >>> said_first(Answer("q", True, (Claim("16,682", 1, "answer", " million ($)"),), ()))
    Said(spans=('16,682 million ($)',), scale='million')
    """
    if not reply.found or not reply.claims:
        return None
    if (d := reply.derived) is not None:  # a computed figure is said first
        text = said(Decimal(d.result)) + d.unit
        return Said((text,), scale_in([text]))
    lead = [c for c in itertools.takewhile(lambda c: c.role == "answer", reply.claims)] or [reply.claims[0]]
    texts = tuple(c.text + c.label for c in lead)
    return Said(texts, scale_in(texts))


def scale_in(texts: Sequence[str]) -> str:
    """The scale the words of ``texts`` give a figure: "percent" ("%"), "billion", "million",
    "thousand" (first found, in that order), else "none"."""
    return next((name for name, p in _SCALE_WORDS if any(p.search(t) for t in texts)), "none")


def tatqa_normal(text: str) -> str:
    """An answer span as TAT-QA's evaluation compares it: a figure as its value to two decimals
    (scale words, currency and thousands commas aside; "(547)" is -547), other text lower-cased
    without punctuation or articles.

    >>> [tatqa_normal(t) for t in ("$16,682 million", "(547)", "$(0.02)", "12.50%", "2,330 thousand ($)", "The Inc.")]
    ['16682.00', '-547.00', '-0.02', '12.50', '2330.00', 'inc']
    >>> tatqa_normal("-10.9 percentage points"), scale_in(["-10.9 percentage points"])
    ('-10.90', 'percent')
    """
    t = unicodedata.normalize("NFKC", text).strip()
    bare = t
    for _, pattern in _SCALE_WORDS:
        bare = pattern.sub(lambda m: m.group(0)[0] if m.group(0)[0].isdigit() else "", bare)
    bare = re.sub(r"^\((.*)\)$", r"-\1", re.sub(r"\([$€£¥]\)|[$€£¥,\s]", "", bare))
    try:
        return f"{round(float(bare), 2):.2f}"
    except ValueError:
        pass
    words = re.sub(r"[^\w\s]", " ", t.lower())
    return " ".join(_ARTICLES.sub(" ", words).split())


def same_spans(said: Sequence[str], gold: Sequence[str]) -> bool:
    """TAT-QA's exact match: the same set of normalised spans (one for a figure)."""
    return {tatqa_normal(s) for s in said} == {tatqa_normal(g) for g in gold}


def read_under(citation: Citation, row: str, column: str) -> bool:
    """Is ``citation`` a table cell read under the header texts ``row`` and ``column``?"""
    heads = {normalize(h) for h in citation.cell.headers} if citation.cell else set()
    return normalize(row) in heads and normalize(column) in heads


@dataclass
class Result:
    case: Case
    reply: Answer
    reasons: list[str] = field(default_factory=list)
    figures_expected: int = 0
    figures_found: int = 0
    cited_figures: int = 0  # figures stated in cited claims
    supported_figures: int = 0  # ... that are inside the span their claim cites
    seconds: float = 0.0
    answer_ok: bool | None = None  # found, and every expected answer / figure stated (None: none expected)
    first_quote_ok: bool | None = None  # ... by the first quote alone (with the short answer cut from it)
    short_ok: bool | None = None  # the short answer said first states it (None: none given, or nothing expected)
    speaker_first: bool | None = None  # the first name the answer gives is the speaker (None: not asked)
    exact_ok: bool | None = None  # the answer said first is the expected one, exactly (None: not asked)
    scale_ok: bool | None = None  # ... at the expected scale (None: not asked, or refused)
    derived_ok: bool | None = None  # a derived figure recomputes from its cited operands (None: none stated)

    @property
    def passed(self) -> bool:
        return not self.reasons


def _derived_spec(x: object) -> bool:
    if not (isinstance(x, dict) and "value" in x and set(x) <= {"value", "op"} and x.get("op", "change") in OPERATIONS):
        return False
    try:
        Decimal(str(x["value"]))
    except ArithmeticError:
        return False
    return True


def _header_pair(x: object) -> bool:
    return isinstance(x, dict) and set(x) == {"row", "column"} and all(isinstance(v, str) and v for v in x.values())


def _fail(path: Path, lineno: int, msg: str) -> EvalSuiteError:
    return EvalSuiteError(f"{path}:{lineno}: {msg}")


def load_suite(path: Path) -> list[Case]:
    """Parse and validate a suite file; EvalSuiteError names the file and line of any fault."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise EvalSuiteError(f"{path}: cannot read suite ({e})") from None
    cases: list[Case] = []
    ids: set[str] = set()
    for lineno, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            raw = json.loads(line)
        except ValueError as e:
            raise _fail(path, lineno, f"not valid JSON ({e})") from None
        if not isinstance(raw, dict):
            raise _fail(path, lineno, "a case must be a JSON object")
        if unknown := set(raw) - CASE_KEYS:
            raise _fail(path, lineno, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(CASE_KEYS)}")
        cid = raw.get("id")
        if not isinstance(cid, str) or not cid:
            raise _fail(path, lineno, 'every case needs a string "id"')
        if cid in ids:
            raise _fail(path, lineno, f"duplicate id {cid!r}")
        ids.add(cid)
        if ("question" in raw) == ("turns" in raw):
            raise _fail(path, lineno, 'give exactly one of "question" or "turns"')
        turns = [raw["question"]] if "question" in raw else raw["turns"]
        if not isinstance(turns, list) or not turns or not all(isinstance(t, str) and t.strip() for t in turns):
            raise _fail(path, lineno, '"question" must be a non-empty string, "turns" a list of them')
        expect = raw.get("expect")
        if not isinstance(expect, dict) or not expect:
            raise _fail(path, lineno, '"expect" must be a non-empty object')
        if unknown := set(expect) - EXPECT_KEYS:
            raise _fail(path, lineno, f"unknown expect key(s) {sorted(unknown)}; allowed: {sorted(EXPECT_KEYS)}")
        for k in LIST_KEYS & set(expect):
            v = expect[k]
            if not isinstance(v, list) or not v or not all(isinstance(x, str) and x for x in v):
                raise _fail(path, lineno, f'expect "{k}" must be a non-empty list of strings')
        if "scale" in expect and expect["scale"] not in SCALES:
            raise _fail(path, lineno, f'expect "scale" must be one of {list(SCALES)}')
        if "cells" in expect and not (isinstance(expect["cells"], list) and expect["cells"] and all(
                _header_pair(x) for x in expect["cells"])):
            raise _fail(path, lineno, 'expect "cells" must be a list of {"row", "column"} objects (header texts)')
        if "derived" in expect and not _derived_spec(expect["derived"]):
            raise _fail(path, lineno, 'expect "derived" must be {"value": "627"} (a number as a string), '
                                      f'optionally with "op" (one of {list(OPERATIONS)})')
        if "speaker_kind" in expect and expect["speaker_kind"] not in SPEAKER_KINDS:
            raise _fail(path, lineno, f'expect "speaker_kind" must be one of {list(SPEAKER_KINDS)}')
        for k in ("unanswerable", "conflict"):
            if k in expect and not isinstance(expect[k], bool):
                raise _fail(path, lineno, f'expect "{k}" must be true or false')
        if "answers" in expect and not (
                isinstance(expect["answers"], list) and expect["answers"]
                and all(isinstance(g, list) and g and all(isinstance(a, str) and a.strip() for a in g)
                        for g in expect["answers"])):
            raise _fail(path, lineno, 'expect "answers" must be a non-empty list of non-empty lists of strings')
        corpus = raw.get("corpus", "")
        if not isinstance(corpus, str):
            raise _fail(path, lineno, '"corpus" must be a string (a folder)')
        if "spans" in expect and not (isinstance(expect["spans"], list) and expect["spans"] and all(
                isinstance(x, dict) and set(x) == {"source", "start", "end"} and isinstance(x["source"], str)
                and isinstance(x["start"], int) and isinstance(x["end"], int) for x in expect["spans"])):
            raise _fail(path, lineno, 'expect "spans" must be a list of {"source", "start", "end"} objects')
        if expect.get("unanswerable") and set(expect) & (ANSWER_KEYS | {"sources", "sources_all"}):
            raise _fail(path, lineno, "an unanswerable case cannot also expect figures or sources")
        note = raw.get("note", "")
        if not isinstance(note, str):
            raise _fail(path, lineno, '"note" must be a string')
        cases.append(Case(cid, tuple(turns), expect, note, path.stem, corpus))
    if not cases:
        raise EvalSuiteError(f"{path}: no cases")
    return cases


def first_name(text: str) -> str:
    """The first name ``text`` gives ("" if none).

    >>> first_name("Mr. Obama said on Sunday that Congress ...")
    'Obama'
    """
    found = names(text)
    return found[0].text if found else ""


def _matches(citation: Citation, source: str) -> bool:
    return citation.source == source or citation.source.startswith(source)


def check(case: Case, reply: Answer) -> Result:
    """Score one reply against one case's expectations."""
    ex, res = case.expect, Result(case, reply)
    text = claims_text(reply)  # the claims' own words: markers are never read as figures
    if ex.get("unanswerable"):
        if reply.found:
            res.reasons.append("answered a question the documents cannot answer")
        if stated := [f.text for f in quantities(text)]:
            res.reasons.append(f"stated figure(s) {stated} for an unanswerable question")
    elif not reply.found:
        res.reasons.append("refused (found=false) a question the documents answer")
    for fig in ex.get("figures", []):
        res.figures_expected += 1
        if contains_figure(text, fig):
            res.figures_found += 1
        else:
            res.reasons.append(f"missing figure {fig!r}")
    if any_figs := ex.get("figures_any"):
        res.figures_expected += 1
        if any(contains_figure(text, f) for f in any_figs):
            res.figures_found += 1
        else:
            res.reasons.append(f"none of the figures {any_figs}")
    if (srcs := ex.get("sources")) and not any(_matches(c, s) for c in reply.citations for s in srcs):
        res.reasons.append(f"no citation from {srcs} (cited {sorted({c.source for c in reply.citations})})")
    for s in ex.get("sources_all", []):
        if not any(_matches(c, s) for c in reply.citations):
            res.reasons.append(f"no citation from {s!r}")
    for group in ex.get("answers", []):
        if not any(mentions(text, a) for a in group):
            res.reasons.append(f"answer not stated (expected one of {group})")
    said = said_first(reply)
    if "exact" in ex:
        res.exact_ok = said is not None and same_spans(said.spans, ex["exact"])
        if not res.exact_ok:
            res.reasons.append(f"said first {list(said.spans) if said else 'nothing'}, expected exactly {ex['exact']}")
    if "scale" in ex and said is not None:  # "none" with an exact answer "41.5%": the answer's own words say
        want = ex["scale"] if ex["scale"] != "none" else scale_in(ex.get("exact", []))
        res.scale_ok = said.scale == want
        if not res.scale_ok:
            res.reasons.append(f"said at scale {said.scale!r}, expected {want!r}")
    if reply.derived is not None:  # every computed figure, expected or not, rechecked from the finished answer
        res.derived_ok = arithmetic_holds(reply.derived, {c.n: c.quote for c in reply.citations})
        if not res.derived_ok:
            res.reasons.append(f"derived figure {reply.derived.result} does not recompute from its cited operands")
    if (want_d := ex.get("derived")) is not None:  # a computed figure: its value (and operation) as expected
        d = reply.derived
        if d is None or Decimal(d.result) != Decimal(str(want_d["value"])) or d.op != want_d.get("op", d.op):
            got = f"{d.op} = {d.result}" if d else "none"
            res.reasons.append(f"derived figure {got}, expected {want_d.get('op', 'any')} = {want_d['value']}")
    for want in ex.get("cells", []):
        if not any(read_under(c, want["row"], want["column"]) for c in reply.citations):
            res.reasons.append(f"no cited cell read under {want['row']!r} and {want['column']!r}")
    if (said_by := ex.get("attribution")) and not any(n.lower() in text.lower() for n in said_by):
        res.reasons.append(f"speaker not named (expected one of {said_by})")
    if speakers := ex.get("speaker"):
        named = first_name(text) if reply.found else ""
        res.speaker_first = same_name(named, speakers)
        if not res.speaker_first:
            res.reasons.append(f"speaker: first name given is {named!r}, expected one of {speakers}")
    if (wrong := [a for a in ex.get("planted", []) if mentions(text, a)]) and not reply.conflict:
        res.reasons.append(f"stated the planted wrong answer {wrong} without flagging the conflict")
    if ex.get("conflict") is True and not reply.conflict:
        res.reasons.append("no conflict flagged, though the documents were planted with a contradiction")
    if ex.get("conflict") is False and reply.conflict:
        res.reasons.append("flagged a conflict where the documents agree")
    def right(claims: tuple[Claim, ...]) -> bool | None:
        cites = [c for c in (reply.citation(x.n) for x in claims) if c is not None]
        where: list[tuple[str, int, int] | None] = [(c.source, c.start, c.end) for c in cites] or [None]
        text = "\n".join(x.text for x in claims)
        verdicts = [states_answer(case, text, w) for w in where]
        return None if verdicts[0] is None else any(verdicts)

    if (ok := right(reply.claims)) is not None:
        res.answer_ok = reply.found and ok
        res.first_quote_ok = bool(reply.found and reply.claims and right(first_quote(reply.claims)))
        if reply.found and reply.claims[0].role == "answer" and VALUE_KEYS & set(ex):
            res.short_ok = bool(right(reply.claims[:1]))
        if "spans" in ex and not res.answer_ok and reply.found:
            res.reasons.append("no cited sentence lies in the gold evidence")
    for claim in reply.claims:
        cite = reply.citation(claim.n)
        for f in find_figures(claim.text):
            res.cited_figures += 1
            res.supported_figures += bool(cite and any(f.same(g) for g in find_figures(cite.quote)))
    return res


def first_quote(claims: tuple[Claim, ...]) -> tuple[Claim, ...]:
    """The first quote: the first claim, with the sentence it is cut from when it is the short
    answer said first (the short answer is marked inside that sentence and cites it)."""
    if len(claims) > 1 and claims[0].role == "answer" and claims[1].n == claims[0].n:
        return claims[:2]
    return claims[:1]


def expected_sources(case: Case) -> list[str]:
    return list(case.expect.get("sources_all", [])) + list(case.expect.get("sources", []))


def _rank(reply: Answer, sources: Sequence[str]) -> int | None:
    for i, src in enumerate(reply.retrieved, 1):
        if any(src == s or src.startswith(s) for s in sources):
            return i
    return None


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def metrics(results: list[Result]) -> dict[str, float | int | None]:
    """Aggregate scores over results (None where no case measures a metric)."""
    answerable = [r for r in results if r.case.answerable]
    unanswerable = [r for r in results if not r.case.answerable]
    attributed = [r for r in results if "attribution" in r.case.expect]
    with_sources = [r for r in results if expected_sources(r.case)]
    cites = [(c, expected_sources(r.case)) for r in with_sources for c in r.reply.citations]
    # recall items: each source of sources_all, and "one of sources" as one item
    wanted_all = [(r, [s]) for r in results for s in r.case.expect.get("sources_all", [])]
    wanted_all += [(r, r.case.expect["sources"]) for r in results if r.case.expect.get("sources")]
    ranks = [_rank(r.reply, expected_sources(r.case)) for r in with_sources]
    scored = [r for r in results if r.answer_ok is not None]
    shorts = [r for r in scored if r.short_ok is not None]
    valued = [r for r in scored if VALUE_KEYS & set(r.case.expect)]
    planted = [r for r in results if r.case.expect.get("conflict") is True]
    by_kind = {k: [r for r in results if r.case.expect.get("speaker_kind") == k] for k in SPEAKER_KINDS}
    unplanted = [r for r in results if r.case.expect.get("conflict") is False]
    return {
        "cases": len(results),
        "pass_rate": _ratio(sum(r.passed for r in results), len(results)),
        "figure_accuracy": _ratio(sum(r.figures_found for r in results), sum(r.figures_expected for r in results)),
        "attribution_accuracy": _ratio(
            sum(not any(x.startswith("speaker") for x in r.reasons) for r in attributed), len(attributed)),
        "citation_precision": _ratio(sum(any(_matches(c, s) for s in srcs) for c, srcs in cites), len(cites)),
        "citation_recall": _ratio(sum(any(_matches(c, s) for c in r.reply.citations for s in ss)
                                      for r, ss in wanted_all), len(wanted_all)),
        "span_support": _ratio(sum(r.supported_figures for r in results), sum(r.cited_figures for r in results)),
        f"hit@{HIT_K}": _ratio(sum(x is not None and x <= HIT_K for x in ranks), len(ranks)),
        "mrr": _ratio(sum(1 / x for x in ranks if x), len(ranks)),
        "answer_right": _ratio(sum(bool(r.answer_ok) for r in scored), len(scored)),
        "first_quote": _ratio(sum(bool(r.first_quote_ok) for r in scored), len(scored)),
        "short_answer": _ratio(sum(bool(r.short_ok) for r in shorts), len(shorts)),
        "short_given": _ratio(len(shorts), sum(r.reply.found for r in valued)),
        "exact": _ratio(sum(bool(r.exact_ok) for r in results if r.exact_ok is not None),
                        sum(r.exact_ok is not None for r in results)),
        "scale_right": _ratio(sum(bool(r.scale_ok) for r in results if r.scale_ok is not None),
                              sum(r.scale_ok is not None for r in results)),
        "derived_recomputed": _ratio(sum(bool(r.derived_ok) for r in results if r.derived_ok is not None),
                                     sum(r.derived_ok is not None for r in results)),
        "conflict_flagged": _ratio(sum(r.reply.conflict for r in planted), len(planted)),
        "false_conflict": _ratio(sum(r.reply.conflict for r in unplanted), len(unplanted)),
        "refusal_accuracy": _ratio(sum(not r.reply.found for r in unanswerable), len(unanswerable)),
        "false_refusal_rate": _ratio(sum(not r.reply.found for r in answerable), len(answerable)),
        **{f"speaker_first_{k}": _ratio(sum(bool(r.speaker_first) for r in rs), len(rs)) for k, rs in by_kind.items()},
        "seconds": round(sum(r.seconds for r in results), 3),
    }


def run_cases(ask: Callable[[str, list[Turn]], Turn], cases: list[Case],
              on_result: Callable[[Result], None] | None = None) -> list[Result]:
    """Run every case through ``ask`` (``Assistant.ask``; each case its own conversation)."""
    results = []
    for case in cases:
        t0 = time.perf_counter()
        history: list[Turn] = []
        for question in case.turns:
            history.append(ask(question, history))
        res = check(case, history[-1].reply)
        res.seconds = time.perf_counter() - t0
        results.append(res)
        if on_result:
            on_result(res)
    return results


def _reply(text: str, sources: list[str], found: bool = True) -> Answer:
    """A hand-made reply, for doctests and evaluator unit tests."""
    cites = tuple(Citation(i, s, 0, len(text), text, 1.0) for i, s in enumerate(sources, 1))
    claims = (Claim(text, 1),) if found and sources else ()
    return Answer("q", found, claims, cites, retrieved=tuple(sources))
