r"""How an Answer is shown: the one place that lays out claims and places citation markers.

``pieces`` turns an Answer into a flat sequence of typed pieces; the plain-text renderer here
and the HTML renderer of the UI only format each piece. A marker is emitted only for a claim's
own citation number, so a marker can never point at a citation that does not exist, and a
document sentence that itself contains "[2]" or "(1)" stays inert text inside its claim.

>>> from ..records import Claim
>>> a = Answer("q", True, (Claim("He said so.", 1), Claim("Taizo Watanabe", 2, "speaker", "he")))
>>> answer_text(a)
'He said so. [1] ("he" is Taizo Watanabe [2].)'
>>> answer_text(Answer("q", True, (Claim("Simona Halep", 1, "answer"), Claim("Simona Halep won.", 1))))
'Simona Halep: Simona Halep won. [1]'

A document's own "[2]" cannot pass for a marker: in plain text it is written "\[2]".

>>> answer_text(Answer("q", True, (Claim("Costs fell[2].", 1),)))
'Costs fell\\[2]. [1]'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ..records import UNNAMED, Answer
from .arithmetic import compute, parts, said

NOT_FOUND = (
    "Not found in the documents: no passage answers this question, so no answer is given. "
    "The nearest passages are listed as related."
)
# The label of an answer on weak evidence (``Answer.evidence``), in the chat and the CLI.
WEAK_EVIDENCE = ("Weak evidence: in our tests fewer than half of the answers this sure were right. "
                 "Check the quote before relying on it.")
NOT_FOUND_BECAUSE = "Not found in the documents: {reasons} The nearest passages are listed as related."


def refusal_text(answer: Answer) -> str:
    """What a refusal says: why, when the answer names the conditions the documents do not meet."""
    if answer.refused_for:
        return NOT_FOUND_BECAUSE.format(reasons=" ".join(r.text for r in answer.refused_for))
    return NOT_FOUND

# kind of piece -> what it carries: "lead" (str: the conflict lead), "break" (str: separator
# before a claim group), "claim" (str: verbatim document text), "short" (str: verbatim document
# text, the short answer said first; or a derived figure we computed), "word" (str: connective
# words we add), "cite" (int: citation number), "open" / "close" (str: a part of the layout, such
# as "working", that the chat sets apart; plain text ignores them)
Piece = tuple[str, "str | int"]


UNNAMED_LEAD = "Not named in the text: "


def conflict_lead(on: str) -> str:
    """The line above the sides of a conflict.

    >>> conflict_lead("date")
    'The sources differ on this date:'
    """
    return f"The sources differ on this {on}:" if on else "The sources differ:"


def pieces(answer: Answer) -> Iterator[Piece]:
    """The answer's layout: claims in order, each followed by its marker; a speaker claim is a
    parenthesised note on the claim before it; conflict sides are list items under a lead."""
    if not answer.found:
        yield "word", refusal_text(answer)
        return
    if answer.conflict:
        yield "lead", conflict_lead(answer.conflict_on)
    first = True
    claims = answer.claims
    if answer.derived is not None:
        yield from _derived(answer)
        first = False
    for i, claim in enumerate(claims):
        if claim.role == "operand":
            continue  # shown in the working
        if claim.role == "answer":  # the value first; its sentence follows (and cites it, if the same)
            if not first and claims[i - 1].role != "answer":
                yield "break", " "
            first = False
            if claim.label == UNNAMED:
                yield "word", UNNAMED_LEAD
            yield "short", claim.text
            if claim.label and claim.label != UNNAMED:  # a table cell's scale and unit: "$55 million"
                yield "word", claim.label
            if i + 1 >= len(claims) or claims[i + 1].n != claim.n:
                yield "cite", claim.n
            yield "word", ", " if i + 1 < len(claims) and claims[i + 1].role == "answer" else ": "
            continue
        if claim.role == "speaker":
            yield "word", f' ("{claim.label}" is '
            yield "claim", claim.text
            yield "cite", claim.n
            yield "word", ".)"
            continue
        if answer.conflict:
            yield "break", "\n- "
        elif not first and claims[i - 1].role not in ("answer", "operand"):
            yield "break", " "
        first = False
        yield "claim", claim.text
        yield "cite", claim.n


def _derived(answer: Answer) -> Iterator[Piece]:
    """A derived figure said first: its value and unit, the direction of a change in words, then
    its working with each operand cited ("627 million ($) (an increase) = 16,682 [1] − 16,055 [2]: "),
    "≈" where the result is rounded."""
    d = answer.derived
    assert d is not None
    value = Decimal(d.result)
    yield "short", said(value)
    if d.unit:
        yield "word", d.unit
    if d.op in ("change", "percent_change", "decrease") and value:  # a decrease is the earlier value less the later
        yield "word", " (an increase)" if (value > 0) == (d.op != "decrease") else " (a decrease)"
    exact = compute(d.op, [Decimal(o.value) for o in d.operands], -1)
    yield "open", "working"  # the chat shows the working as a line of its own
    yield "word", " = " if exact == value else " ≈ "
    texts = {c.n: c.text for c in answer.claims if c.role == "operand"}
    for p in parts(d.op, len(d.operands)):
        if isinstance(p, int):
            yield "claim", texts.get(d.operands[p].n, d.operands[p].value)
            yield "cite", d.operands[p].n
        else:
            yield "word", p
    yield "word", ": "
    yield "close", "working"


_MARKER_LIKE = re.compile(r"\[(\d+)\]")
# C0 and C1 controls (a terminal obeys ESC sequences) and the bidi controls that reorder text on
# screen (a right-to-left override makes "txt.exe" read "exe.txt"); line breaks and tabs stay.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    r"""Document text as it may be shown: every control or bidi character as a visible escape.

    >>> printable("red\x1b[31m alert \u202etxt.exe")
    'red\\u001b[31m alert \\u202etxt.exe'
    """
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def answer_text(answer: Answer) -> str:
    r"""Plain text with ``[n]`` markers (the CLI, JSON ``answer`` field and reports show this).
    Claims keep their words; a marker-like "[2]" inside one is written "\[2]"."""
    out = []
    for kind, value in pieces(answer):
        if kind == "cite":
            out.append(f" [{value}]")
        elif kind in ("claim", "short"):
            out.append(_MARKER_LIKE.sub(r"\\[\1]", str(value)))
        elif kind in ("open", "close"):
            continue  # a part of the layout (the working line), not text
        else:
            out.append(str(value))
    return "".join(out)


def answer_json(answer: Answer) -> dict[str, Any]:
    """The JSON the CLI, the API and reports give: ``Answer.to_dict`` with the answer's text
    (``answer``) after the question."""
    d = answer.to_dict()
    return {"question": d.pop("question"), "answer": answer_text(answer), **d}


def claims_text(answer: Answer) -> str:
    """The claims' own words, without markers or connectives (what evals search for figures)."""
    return "\n".join(c.text for c in answer.claims)
