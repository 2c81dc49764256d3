"""A conversation, turn by turn: each question is analysed once, and one rule says what a
follow-up leans on, for both the retrieval query and the answer.

A follow-up ("What did *his* spokesman say?", "Why?", "And in 1980?") leans on the turn before
it, and on the one before that when that turn was a follow-up too (two back at most). Its
analysis in the conversation merges theirs: "And in 1980?" asks the earlier question again
about 1980, "Why?" asks for a reason about the earlier question's focus.

>>> first = begin("How many cars did Japan export in 1979?", [])
>>> then = begin("And in 1980?", [first])
>>> then.follows, then.resolved.expects, then.resolved.focus, then.resolved.years
(True, 'figure', ('1980', 'car', 'japan', 'export'), (1980,))
>>> then.query
'And in 1980? How many cars did Japan export in 1979?'
>>> begin("Why?", [begin("What did the ministry reject?", [])]).resolved.expects
'reason'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..language import lexical
from ..language.attribution import SUBJECT_PRONOUNS
from ..language.question import TYPE_WORDS, Question, analyze
from ..records import Answer, Citation
from .present import answer_json, answer_text

_FOLLOW_UP = re.compile(
    r"\b(he|him|his|she|her|hers|they|them|their|it|its|that|this|those|these|the same|also|else|too)\b|"
    r"^\W*(and|what about|how about|then|so)\b", re.IGNORECASE)
# Pronouns that refer to nothing earlier: "it" as the dummy subject of "it is unfair to ...", and
# "that" introducing what was said ("Who said that Japan should cut exports?").
_NOT_ANAPHORIC = re.compile(
    r"\bit(?:\s+(?:is|was|would be|will be|has been|had been|seems|seemed)|['\u2019]s)\s+(?:[\w'\u2019-]+\s+){1,3}?"
    r"(?:to|that)\b"
    r"|\b(?:said|say|says|saying|told\s+\w+|claimed|claims|argued|argues|warned|reported|announced|believed|"
    r"believes|thought|thinks|stated|insisted|added|noted|wrote|predicted|suggested|estimated|the fact)\s+that\b"
    r"(?=\s+\w+\s+\w+)", re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    """One question of a conversation and, once asked, its answer."""

    question: str
    analysis: Question  # the question's own analysis (``analyze``, once per turn)
    follows: bool  # it leans on the turn before
    resolved: Question  # its analysis in the conversation (merged with the turns it leans on)
    context: str = ""  # what it leans on, for retrieval: those turns' questions (and for "Why?", the last quote)
    previous: Answer | None = None  # the answer of the turn it leans on
    answer: Answer | None = None

    @property
    def reply(self) -> Answer:
        """The answer of an answered turn (``Assistant.ask`` returns those); ValueError before."""
        if self.answer is None:
            raise ValueError(f"the turn {self.question!r} has not been answered yet")
        return self.answer

    @property
    def text(self) -> str:
        """The answer as people read it, with ``[n]`` markers (what the CLI prints)."""
        return answer_text(self.reply)

    @property
    def citations(self) -> tuple[Citation, ...]:
        """The answer's citations (the ``[n]`` of ``text`` is the one whose ``n`` is n)."""
        return self.reply.citations

    @property
    def found(self) -> bool:
        """Whether the documents answer the question (False: a refusal, nearest passages in ``related``)."""
        return self.reply.found

    def to_dict(self) -> dict[str, Any]:
        """The answer's JSON: the same object as ``assistant ask --json`` and the ``/ask`` API
        (``Answer.from_dict`` reads it back)."""
        return answer_json(self.reply)

    def __str__(self) -> str:
        return self.text

    @property
    def query(self) -> str:
        """The retrieval query: the question and what it leans on."""
        return f"{self.question} {self.context}".strip()


def is_follow_up(question: str) -> bool:
    """Does the question lean on an earlier turn ("What did *his* spokesman say?", "Why?")?
    An "it" or "that" that points at nothing does not make one: "Who said it is simply unfair to
    blame Japan?" (``_NOT_ANAPHORIC``) stands on its own.

    >>> is_follow_up("Who said that?"), is_follow_up("Who said it is simply unfair to blame Japan?")
    (True, False)
    """
    if _FOLLOW_UP.search(_NOT_ANAPHORIC.sub(" ", question)):
        return True
    content = [t for t in lexical.terms(question) if t not in TYPE_WORDS]
    return len(content) == 0  # "Why?", "When?", "Who?"


def own_words(q: Question) -> list[str]:
    """The question's content words other than numbers: none in "Why?" or "And in 1980?"."""
    return [t for t in q.focus if not t.isdigit() and t not in TYPE_WORDS]


def leans_on(follows: bool, history: Sequence[Turn]) -> list[Turn]:
    """The turns a question leans on, newest first: the last one if it follows, and the one
    before that if the last one followed too."""
    if not follows or not history:
        return []
    return [history[-1], history[-2]] if history[-1].follows and len(history) >= 2 else [history[-1]]


def begin(question: str, history: Sequence[Turn]) -> Turn:
    """The Turn of ``question`` after ``history`` (oldest first), before it is answered."""
    analysis = analyze(question)
    follows = bool(history) and is_follow_up(question)
    chain = leans_on(follows, history)
    resolved = analysis
    if chain:
        leaned = chain[-1].analysis
        for t in reversed(chain[:-1]):
            leaned = merge(t.analysis, leaned)
        resolved = merge(analysis, leaned)
    parts = [t.question for t in chain]
    last = history[-1].answer if history else None
    if parts and last is not None and last.claims and not own_words(analysis):  # "Why?": about what was quoted
        parts.append(next((c.text for c in last.claims if c.role != "answer"), ""))
    if resolved.said_by.lower() in SUBJECT_PRONOUNS and follows and last is not None and last.claims \
            and last.claims[0].role == "answer":  # "Who said X?" ... "What else did he say?": the one named
        resolved = replace(resolved, said_by=last.claims[0].text)
    if analysis.said_by and not own_words(analysis) and resolved.said_by.lower() not in SUBJECT_PRONOUNS:
        # "What else did he say?" is about him, not about what the last question asked
        name = tuple(t for t in lexical.terms(resolved.said_by) if t not in analysis.terms)
        resolved = replace(resolved, focus=name, terms=analysis.terms + name)
    return Turn(question, analysis, follows, resolved, " ".join(parts), last if follows else None)


def answered(turn: Turn, answer: Answer) -> Turn:
    return replace(turn, answer=answer)


def merge(q: Question, prev: Question) -> Question:
    """``q`` in the context of ``prev``: ``prev``'s answer type when ``q`` is elliptical ("And in
    1980?") rather than a question of its own, and ``prev``'s focus when ``q`` has little."""
    own = own_words(q)
    elliptical = q.expects == "other" and not own and not q.said_by  # "What else did he say?" asks for statements
    expects, subtype = (prev.expects, prev.subtype) if elliptical else (q.expects, q.subtype)
    drop = {str(y) for y in prev.years} if q.years else set()  # "And in 1980?" replaces the year
    # A question with words of its own ("What wages did he say U.S. companies pay?") is about
    # them; the earlier words only fill in a short one ("What did his spokesman say?").
    extra = tuple(t for t in prev.focus if t not in q.focus and t not in drop) if len(own) <= 1 else ()
    return Question(q.text, expects, subtype, q.terms + tuple(t for t in prev.terms if t not in q.terms
                                                               and t not in drop),
                    q.focus + extra, q.negated or prev.negated, q.comparative or prev.comparative,
                    q.years or prev.years, q.numbers or prev.numbers, q.subject or prev.subject,
                    q.rel_years or (() if q.years else prev.rel_years),
                    (prev.said_by or q.said_by) if q.said_by.lower() in SUBJECT_PRONOUNS
                    else q.said_by or (prev.said_by if elliptical else ""))
