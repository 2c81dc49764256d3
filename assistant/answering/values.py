"""The short answer said first, read from the parse of the sentence it is cut from: a figure
with what qualifies it and what it counts, a date as the text says it, whether a name is a
person's. Each reads ``attribution.parsed`` (one parse a sentence, cached)."""

from __future__ import annotations

from ..language.attribution import parsed


def quantity(sentence: str, start: int, end: int) -> tuple[int, int]:
    """A figure at ``sentence[start:end]`` with what the parse attaches to it: the qualifier
    before it ("approximately 7%", "more than 2 million") and the noun it counts after it
    ("150,000 square feet", "1.82 million cars"); the span unchanged when the parse attaches
    neither."""
    doc = parsed(sentence)
    inside = [t for t in doc if start <= t.idx < end]
    if not inside:
        return start, end
    ids = {t.i for t in inside}
    first = inside[0].i
    while first > 0 and doc[first - 1].dep_ in ("quantmod", "advmod", "amod") and (
            doc[first - 1].head.i in ids or doc[first - 1].head.i == first):
        first -= 1
        ids.add(first)
    a = min(start, doc[first].idx)
    heads = [t.head for t in inside if t.dep_ in ("nummod", "quantmod", "compound") and t.head.idx >= end]
    noun = heads[0] if heads and heads[0].pos_ == "NOUN" else None
    if noun is None or any(t.head.i != noun.i and t.i != noun.i for t in doc[inside[-1].i + 1 : noun.i + 1]):
        return a, end
    return a, noun.idx + len(noun)


def is_person(sentence: str, start: int, end: int) -> bool:
    """Does the parse tag ``sentence[start:end]`` as a person? (A capitalised pair is not
    always one: "Outstanding Performance", "Willy Wonka" in a film's title.)"""
    doc = parsed(sentence)
    return any(e.label_ == "PERSON" and e.start_char < end and start < e.end_char for e in doc.ents)


# A preposition that makes a date a bound of something else, not when it happened: "its first
# championship since 1951" does not say when the Rams won.
DATE_BOUNDS = frozenset({"since", "until", "till", "before", "after"})


def date_phrase(sentence: str, start: int, end: int) -> tuple[int, int] | None:
    """The date at ``sentence[start:end]`` as the text says it (the whole date entity: "the fourth
    quarter of 2015", "December 12"), or None when a preposition makes it a bound ("since 1951")."""
    doc = parsed(sentence)
    inside = [t for t in doc if start <= t.idx < end]
    if not inside:
        return start, end
    ent = next((e for e in doc.ents if e.label_ == "DATE" and e.start <= inside[0].i < e.end), None)
    first = min(inside[0].i, ent.start if ent is not None else inside[0].i)
    if first > 0 and doc[first - 1].lower_ in DATE_BOUNDS:
        return None
    return (min(start, ent.start_char), max(end, ent.end_char)) if ent is not None else (start, end)
