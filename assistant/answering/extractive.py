"""The extractive answerer: a quote-first answer made of sentences copied from the passages,
deterministically, without a language model.

Around the quoted sentences only fact-free connective words are added, plus spans copied from
the cited sentences themselves: the name that answers a "who" question, and the name of a
speaker a sentence calls "he". Steps: candidates with features (``candidates``) -> ranked and
found or not (``policy``) -> quote the best (and others close to it) -> when the best sentences
of different sources give different values of the type asked for, quote one per source under
"The sources differ" -> resolve speakers -> Draft for the verifier.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..language import lexical
from ..language.attribution import SUBJECT_PRONOUNS, Attribution, Speaker, speaker_before, subject
from ..language.entities import person_like
from ..language.figures import respective
from ..language.question import Question
from ..records import DEFAULT_STRICTNESS, UNNAMED, Answer, Draft, Evidence, Hit, Refusal, Segment, Strictness
from . import cells, derive
from .candidates import Candidate, Candidates, speaker_of
from .conditions import unmentioned_name, unmentioned_year
from .conversation import Turn
from .policy import Policy, first_by, one_per_source, reading, wording
from .reader import Reader
from .values import date_phrase, is_person, quantity

CONFLICT_ON = {"figure": "figure", "date": "date", "name": "name"}


class ExtractiveAnswerer:
    """Answers with verbatim sentences (see the module doc)."""

    def __init__(self, candidates: Candidates, policy: Policy, max_sentences: int = 3,
                 reader: Reader | None = None) -> None:
        self.candidates = candidates
        self.policy = policy
        self.max_sentences = max_sentences
        self.reader = reader  # read the best sentences (when the policy's models use it)

    def answer(self, turn: Turn, hits: list[Hit], qvec: np.ndarray,
               strictness: Strictness = DEFAULT_STRICTNESS) -> Draft:
        q, previous = turn.resolved, turn.previous
        if previous is not None and q.subtype == "speaker" and previous.found and (
                draft := self._who_said_that(previous)):
            return self._labelled(draft, strictness)
        read = reading(self.reader, turn.query) if self.reader is not None else None  # with what it leans on
        cands = self.policy.rank(self.candidates.of(q, hits, qvec), read)
        if previous is not None:  # a follow-up asks for something new: not the sentence just quoted
            said = {(c.source, c.start) for c in previous.citations}
            cands = [c for c in cands if (c.doc.id, c.start) not in said] or cands
        return self.choose(q, cands, strictness=strictness)

    def choose(self, q: Question, ranked: list[Candidate], keep_ratio: float | None = None,
               strictness: Strictness = DEFAULT_STRICTNESS) -> Draft:
        """The draft for ranked candidates at a strictness level (``keep_ratio`` overrides the
        calibrated one)."""
        return self._labelled(self._choose(q, ranked, keep_ratio, strictness), strictness)

    def _labelled(self, draft: Draft, strictness: Strictness) -> Draft:
        """The draft with its level and, when found, how sure its evidence is: the found model's
        band for an answer it decided; a rule's answer (a table cell, a computed figure, who said
        a quote) is not weighed by it."""
        evidence: Evidence = ("" if not draft.found else "strong" if draft.found_p is None
                              else self.policy.evidence(draft.found_p))
        return replace(draft, evidence=evidence, strictness=strictness)

    def _choose(self, q: Question, ranked: list[Candidate], keep_ratio: float | None,
                strictness: Strictness) -> Draft:
        if not ranked:
            return Draft(found=False)
        policy = self.policy
        found_p = policy.found_p(ranked)
        # A table row the question names word for word, and the one column its period or words
        # name: that cell answers. The found model reads sentences; it cannot see a row's headers.
        named = cells.named_row(q, ranked)  # the table row the question names, if any: found once
        # A condition of the question the documents cannot meet is a refusal that names it: the
        # row asked for lacks the year asked, or no document found mentions that year at all.
        # Decided by a rule, not the found model: no found_p (at every strictness level).
        if (why := derive.missing_period(q, ranked, named) or unmentioned_year(q, ranked)
                or unmentioned_name(q, ranked)) is not None:
            return _not_found(ranked, None, why)
        if (calc := derive.find(q, ranked, named)) is not None:  # a figure computed from the row's cells
            segs, derived = derive.segments(calc)
            return Draft(True, segs, [], False, "", derived=derived)
        if (cell := cells.find(q, ranked, named)) is not None:
            return Draft(True, cells.segments(cell, ranked))
        if not policy.found(found_p, strictness):
            return _not_found(ranked, found_p)
        typed = q.expects in ("name", "figure", "date")
        # A second quote must hold an answer of the asked type itself: without a figure it cannot
        # help answer "how many".
        extra = [c for c in policy.confident(ranked, keep_ratio)[1:] if c.spans or not typed]
        chosen = first_by([ranked[0], *extra], wording)[: self.max_sentences]
        conflict_on, conflict_p = "", None
        if q.expects in CONFLICT_ON:
            sides, conflict_p = policy.conflict_sides(ranked)
            if sides:
                conflict_on, chosen = CONFLICT_ON[q.expects], sides[: max(self.max_sentences, 3)]
        segments: list[Segment] = []
        for c in chosen:
            if not conflict_on and c is chosen[0] and q.wants_value and (
                    q.expects == "name" or len(c.spans) == 1):
                segments.extend(self._answer_first(c, q))
            elif not conflict_on and c is chosen[0] and q.expects in ("figure", "other") and len(q.years) == 1 and (
                    f := respective(c.text, q.years[0])) is not None:  # "$36.5 million, $2.1 million ... in
                segments.append(Segment(f.text, c.doc, c.start, c.end, c.prob, role="answer"))  # 2019, 2018 ..."
            segments.append(_segment(c))
            if c.said is not None and c.said.how in ("pronoun", "nominal") and c.said.speaker is not None \
                    and not (segments[0].role == "answer" and c is chosen[0]):
                segments.append(_speaker_note(c, c.said, len(segments) - 1))
        return Draft(True, segments, [], bool(conflict_on), conflict_on, found_p, conflict_p)

    def _answer_first(self, c: Candidate, q: Question) -> list[Segment]:
        """The short answer first, unless the sentence already starts with it: for "who" the
        person (the speaker, or who "he" is, for "who said"; else the name nearest the
        question's words); for "how many" / "when" the figure (with its qualifier and the noun it
        counts: "approximately 150,000 square feet") or the date, only when the sentence
        holds exactly one of that type (the caller checks): of several, the nearest to the
        question's words is often not the one asked for (TAT-QA dev: 86% -> 72% when it was
        taken anyway), while the quote that follows always holds the right one."""
        if q.expects in ("figure", "date"):  # a figure with its qualifier and what it counts
            value = c.spans[0]
            at = quantity(c.text, value.start, value.end) if q.expects == "figure" else \
                date_phrase(c.text, value.start, value.end)
            if at is None:
                return []
            a, b = at
            if b > value.end and set(lexical.terms(c.text[value.end:b])) <= set(q.terms):
                b = value.end  # the noun the question names already: "$872 million", not "$872 million charge"
            return [] if a == 0 else [Segment(c.text[a:b], c.doc, c.start, c.end, c.prob, role="answer")]
        if q.subtype == "speaker" and c.said is not None:
            return [_speaker_first(c, c.said)]
        # A person, or nothing: "Luzhniki Stadium" does not answer "who won".
        if q.subtype == "speaker":  # no reporting verb: the named subject of the sentence's main verb
            if (subj := subject(c.text)) is None:
                return []
            a, b = c.start + subj[0], c.start + subj[1]
            if (word := c.doc.text[a:b].lower()) in SUBJECT_PRONOUNS:
                sp = speaker_before(self.candidates.index.attributions.get(c.doc.id, []), a, word)
                if sp is None:
                    return []
                a, b = sp.start, sp.end
            return [Segment(c.doc.text[a:b], c.doc, a, b, c.prob, role="answer")]
        else:
            name = next((s for s in c.spans if person_like(s) and is_person(c.text, s.start, s.end)), None) \
                if q.subtype == "person" else c.primary
        if name is None or name.start == 0:
            return []
        return [Segment(name.text, c.doc, c.start, c.end, c.prob, role="answer")]

    def _who_said_that(self, previous: Answer) -> Draft | None:
        """"Who said that?": the speaker of the sentence the previous answer quoted first."""
        claim = next((c for c in previous.claims if c.role in ("quote", "conflict")), None)
        cite = previous.citation(claim.n) if claim else None
        doc = self.candidates.documents.get(cite.source) if cite else None
        if cite is None or doc is None:
            return None
        for x in self.candidates.sentences(doc):
            if x.start <= cite.start < x.end and (said := speaker_of(x)) is not None:
                c = Candidate(doc, x.start, x.end, {}, 1.0, (), said)
                return Draft(True, [_speaker_first(c, said), _segment(c)])
        return None


def _speaker_first(c: Candidate, said: Attribution) -> Segment:
    """The speaker named first: the person (with the role the text gives, where it follows the
    name: "Taizo Watanabe, a spokesman for the Ministry"), or, when the text names nobody, the
    source as written, marked unnamed ("an official of the Ministry")."""
    sp = said.speaker
    if sp is None:
        inside = c.start <= said.source[0] and said.source[1] <= c.end
        a, b = (c.start, c.end) if inside else said.source
        return Segment(said.source_text(c.doc.text), c.doc, a, b, c.prob, role="answer", label=UNNAMED)
    end = _with_role(c.doc.text, sp)
    if c.start <= sp.start and end <= c.end:  # named in the quoted sentence: cite that sentence
        return Segment(c.doc.text[sp.start : end], c.doc, c.start, c.end, c.prob, role="answer")
    return Segment(c.doc.text[sp.start : end], c.doc, sp.start, end, c.prob, role="answer")


def _with_role(text: str, sp: Speaker) -> int:
    """Where the speaker's mention ends, with the role when it follows the name as an apposition."""
    if sp.role and (at := text.find(sp.role, sp.end, sp.end + len(sp.role) + 4)) >= 0:
        return at + len(sp.role)
    return sp.end


def _speaker_note(c: Candidate, said: Attribution, supports: int) -> Segment:
    """Who "he" (or "the spokesman") in the quoted sentence is, cited where the text names him."""
    assert said.speaker is not None
    sp = said.speaker
    end = _with_role(c.doc.text, sp)
    return Segment(c.doc.text[sp.start : end], c.doc, sp.start, end, c.prob, supports=supports,
                   label=said.source_text(c.doc.text))


def _not_found(ranked: list[Candidate], found_p: float | None, why: Refusal | None = None) -> Draft:
    """A refusal, with the best passage of each of the first three sources as related, and the
    condition the documents do not meet when one is known."""
    return Draft(found=False, related=[_segment(c) for c in one_per_source(ranked)[:3]], found_p=found_p,
                 refused_for=(why,) if why is not None else ())


def _segment(c: Candidate) -> Segment:
    speaker = c.said.who(c.doc.text) if c.said is not None else ""
    return Segment(claim=c.text, doc=c.doc, start=c.start, end=c.end, score=c.prob, speaker=speaker)
