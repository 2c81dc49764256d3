"""Typed spans in a sentence: names, dates, figures, reasons, speakers. Rule-based, no model.

``answer_spans`` returns the spans of the type a question expects that lie *outside* the words
the sentence shares with the question: "Simona Halep won Wimbledon in 2019" answers "Who won
Wimbledon in 2019?" with "Simona Halep", not with "Wimbledon". Each span has a ``key`` that
compares values across documents (a conflict is two documents giving different keys).

>>> [(s.kind, s.text, s.key) for s in names("The game was played in Tampa, Florida, said Roger Goodell.")]
[('name', 'Tampa', 'tampa'), ('name', 'Florida', 'florida'), ('name', 'Roger Goodell', 'goodell roger')]
>>> [s.text for s in names("Apple CEO Tim Cook met Foreign Minister Masayoshi Ito.")]
['Apple CEO', 'Tim Cook', 'Foreign Minister', 'Masayoshi Ito']
>>> [(s.text, s.key) for s in dates("It opened on July 21, 2017 and closed next Saturday.")]
[('July 21, 2017', '2017-07-21'), ('next Saturday', 'next saturday')]
>>> [s.key for s in dates("Winner of the 2019, not the 2,019,000 or 1990s race, in 2017.")]
['2019', '1990', '2017']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import lexical
from .figures import quantities
from .question import Question

MONTHS = {m: i for i, ms in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
     ("november", "nov"), ("december", "dec")], 1) for m in ms}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|" \
         r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_DATE = re.compile(
    rf"\b(?P<md>{_MONTH})\.?\s+(?P<d1>{_DAY})(?:,?\s+(?P<y1>{_YEAR}))?\b(?!\s*(?:%|percent|million|billion))"
    rf"|\b(?P<d2>{_DAY})\s+(?P<dm>{_MONTH})\.?,?(?:\s+(?P<y2>{_YEAR}))?\b"
    rf"|\b(?P<my>{_MONTH})\.?,?\s+(?P<y3>{_YEAR})\b"
    rf"|\b(?P<iso>{_YEAR}-[01]\d-[0-3]\d)\b"
    rf"|\b(?P<rel>(?:(?:last|next|this|early|late|mid|the following|the previous)[\s-]+)?"
    rf"(?:{'|'.join(w.capitalize() for w in WEEKDAYS)}|weekend|yesterday|today|tomorrow|tonight)|"
    rf"(?:last|next|this) (?:week|month|year|spring|summer|fall|autumn|winter|quarter))\b"
    rf"|(?<![\d,.$])\b(?:(?:mid|early|late)-)?(?P<y4>{_YEAR})s?\b(?!,\d|\.\d|\s*(?:%|percent|million|billion))",
)
_FUNCTION_CAPS = frozenset("""
a an the in on at for of and but or if when while as it its he she they we i you this that these those there
here his her their our my your what which who whom why how where to from by with after before during since
until also however meanwhile yet still so then thus although though because despite according under over
many some most all both each every no not one two three four five six seven eight nine ten mr mrs ms dr
said says is was are were be been has have had do does did will would can could should may might must
""".split())  # noqa: SIM905
_CONNECT = frozenset({"of", "de", "del", "la", "le", "van", "von", "der", "du", "da", "bin", "al", "&", "and", "the",
                      "y", "e"})
_TOKEN = re.compile(r"[^\W_][\w'’.&-]*|&")
_REASON = re.compile(r"\b(because|due to|owing to|thanks to|as a result of|as a result|in order to|so that|"
                     r"caused by|resulted from|results from|result of|led to|leads to|reason|reasons|since|"
                     r"in response to|aimed at|intended to|to avoid|to prevent|to help|to ensure|to allow|"
                     r"to permit|driven by|attributable to|primarily from|mainly from|largely from)\b", re.I)
# Words that make a capitalised phrase an organisation, event or place rather than a person.
_NOT_PERSON = frozenset("""
award awards show stadium arena cup open championship championships tournament university college school
company inc corp corporation co ltd llc plc group league association council committee party ministry
department bank network series festival games olympics trophy prize day club team foundation institute
center centre hospital museum agency commission court house senate congress parliament airlines airways motors
records studios pictures entertainment news times post journal magazine review report act bill treaty war
street avenue road river lake mountain island county state city republic kingdom union nations states
hotel theatre theater hall church order season episode edition chapter volume version league
affairs relations trade industry commerce defense defence finance treasury economy economic foreign
secretary minister president ambassador director chairman chairwoman spokesman spokeswoman official
assistant deputy general governor senator representative representatives judge chief officer manager
winner winners champion champions role roles actor actress singles doubles final finals semifinal semifinalist
player players
""".split())  # noqa: SIM905
# Titles before a person's name: "Apple CEO | Tim Cook", "Foreign Minister | Masayoshi Ito".
_TITLES = frozenset("""
ceo cfo coo cto chairman chairwoman president director minister secretary spokesman spokeswoman commissioner
coach captain senator governor ambassador judge chief founder actress actor star
""".split())  # noqa: SIM905
_LABEL_NAME = re.compile(r"[A-Z][\w'’]*(?: [A-Z][\w'’]*)? [A-Z]")  # "PhD B", "Project Manager C"
# Words that say what a person is rather than who: not enough to tell two people apart.
NAME_TITLES = _TITLES | frozenset("""
sen rep gov gen lt col mr mrs ms dr rev house speaker republican republicans democrat democrats democratic
nominee former vice presidential candidate leader
""".split())  # noqa: SIM905
_MONEY_CONTEXT = re.compile(r"\$|€|£|¥|\b(dollars?|yen|euros?|pounds?|usd|eur|cents?)\b", re.I)


@dataclass(frozen=True)
class Span:
    kind: str  # "name", "date", "figure", "reason", "speaker"
    start: int
    end: int
    text: str
    key: str  # comparable value: "tampa", "2017-07-21", "1600000|count"


def same_value(a: Span, b: Span) -> bool:
    """Do two answer spans give the same value? A key means: for a date "YYYY-MM-DD" with "????"
    where a part is unknown, so "April 29" matches "April 29, 2015"; for a name its words, so
    names match when they share one ("Halep", "Simona Halep"); otherwise the key itself.

    >>> same_value(Span("date", 0, 8, "April 29", "????-04-29"), Span("date", 0, 14, "April 29, 2015", "2015-04-29"))
    True
    """
    if a.kind == "date" and b.kind == "date":
        pa, pb = a.key.split("-"), b.key.split("-")
        return all(x == y or "????" in (x, y) for x, y in zip(pa, pb, strict=False))
    if a.kind in ("name", "speaker") and b.kind in ("name", "speaker"):
        return bool(set(a.key.split()) & set(b.key.split()))
    return a.key == b.key


def lacks(these: tuple[Span, ...], others: tuple[Span, ...]) -> bool:
    """Does one of ``these`` spans give a value none of ``others`` gives?"""
    return any(not any(same_value(s, o) for o in others) for s in these)


def names(text: str) -> list[Span]:
    """Runs of capitalised words (with "of", "de", "&" ... inside), minus months, weekdays and
    sentence-initial function words. "May" is a month only beside a day or year (see dates)."""
    toks = list(_TOKEN.finditer(text))
    out: list[Span] = []
    run: list[re.Match[str]] = []

    def close() -> None:
        while run and run[-1].group().lower() in _CONNECT:
            run.pop()
        if run:
            a, b = run[0].start(), run[-1].end()
            last = run[-1].group()
            if last.endswith(".") and len(last) > 2 and "." not in last[:-1]:
                b -= 1  # a full stop, not an initial ("B.") or "U.S."
            words = [t.group().rstrip(".") for t in run if t.group().lower() not in _CONNECT]
            out.append(Span("name", a, b, text[a:b], " ".join(sorted(w.lower() for w in words))))
        run.clear()

    for i, t in enumerate(toks):
        w = t.group()
        low = w.lower().rstrip(".")
        gap = text[toks[i - 1].end() : t.start()] if i else ""
        if run and (gap.strip() not in ("", "'s", "’s") or "\n" in gap):
            close()  # a comma, a quote or a line break ends a name
        is_cap = w[0].isupper() and low not in _FUNCTION_CAPS and low not in WEEKDAYS and not (
            low in MONTHS and len(low) > 2) and (len(w) > 1 or text[t.end():t.end() + 1] == ".")
        if is_cap and re.search(r"['’]s$", w):  # "Romania's Simona Halep": the owner is a name of its own
            close()
            out.append(Span("name", t.start(), t.end() - 2, w[:-2], w[:-2].lower()))
        elif is_cap and low in _TITLES and i + 1 < len(toks) and toks[i + 1].group()[:1].isupper():
            run.append(t)  # "Apple CEO Tim Cook": the title ends one name, the person's starts
            close()
        elif is_cap or run and low in _CONNECT and i + 1 < len(toks) and toks[i + 1].group()[0].isupper() and (
                low != "of" or run[-1].group().lower().rstrip(".,") in _NOT_PERSON):  # "Ministry of", not "Thiem of"
            run.append(t)
        else:
            close()
    close()
    return out


def person_like(span: Span) -> bool:
    """Shaped like a person's name: two to four capitalised words, no "of", no all-capitals
    acronym, no word that names an organisation or event ("Joe Burrow", not "Maxwell Award").

    >>> [person_like(s) for s in names("Joe Burrow won the Maxwell Award at the Home Depot Show, NFL said.")]
    [True, False, False, False]
    """
    words = span.text.split()
    return (2 <= len(words) <= 4 and all(w[0].isupper() and not (w.isupper() and len(w) > 1 and "." not in w)
                                         and w.lower() not in _CONNECT for w in words)
            and not any(w.lower().rstrip(".,") in _NOT_PERSON for w in words))


def _date_key(m: re.Match[str]) -> str:
    g = m.groupdict()
    month = g["md"] or g["dm"] or g["my"]
    year = g["y1"] or g["y2"] or g["y3"] or g["y4"] or ""
    day = re.sub(r"\D", "", g["d1"] or g["d2"] or "")
    if g["iso"]:
        return g["iso"]
    if g["rel"]:
        return " ".join(g["rel"].lower().split())
    parts = [year or "????"]
    if month:
        parts.append(f"{MONTHS[month.lower().rstrip('.')[:3] if month.lower()[:3] != 'sep' else 'sep']:02d}")
        if day:
            parts.append(f"{int(day):02d}")
    return "-".join(parts)


def dates(text: str) -> list[Span]:
    out = []
    for m in _DATE.finditer(text):
        day = m.group("d1") or m.group("d2")
        if day and not 1 <= int(re.sub(r"\D", "", day)) <= 31:
            continue
        if (m.group("md") == "May" or m.group("dm") == "May") and not (m.group("y1") or m.group("y2") or day):
            continue
        out.append(Span("date", m.start(), m.end(), m.group(), _date_key(m)))
    return out


def figure_spans(text: str, kind: str = "any") -> list[Span]:
    """Quantities (no years) of ``kind``: "percent", "money" (a currency beside it), "count" (not a
    percentage) or "any"."""
    out = []
    for f in quantities(text):
        near = text[max(0, f.start - 3) : f.end + 12]
        money = bool(_MONEY_CONTEXT.search(near))
        fkind = "percent" if f.percent else ("money" if money else "count")
        if kind == "any" or kind == fkind or (kind == "count" and fkind == "money"):
            out.append(Span("figure", f.start, f.end, f.text, f"{f.value:g}|{'percent' if f.percent else 'n'}"))
    return out


_CHANGE_BEFORE = re.compile(r"(?:\b(?:by|up|down)|\b(?:decreas|increas|ris|rose|fell|fall|declin|grew|grow|dropp?|"
                            r"gain|jump|climb|slipp?|reduc|cut|lower|rais)\w*|\b(?:decrease|increase|reduction|cut|"
                            r"rise|drop|decline|gain|growth|change) of)\s+(?:(?:about|around|some|nearly|almost|"
                            r"approximately|roughly|more than|less than|over|under)\s+)?$", re.I)
_CHANGE_AFTER = re.compile(r"^\s*(?:[\w-]+\s+)?(cut|cuts|cutback|reduction|decrease|increase|rise|drop|decline|fall|"
                           r"gain|growth|jump|slump|lower|higher|more|less|fewer|smaller|larger)\b", re.I)


def as_change(text: str, span: Span) -> bool:
    """Is the figure at ``span`` said as the size of a change, not a level?

    >>> t = "a request for a 20 percent cut, to 1.6 million, down from 1.9 million; sales fell by 5%"
    >>> [s.text for s in figure_spans(t) if as_change(t, s)]
    ['20 percent', '5%']
    >>> t = "Income decreased $352 million, to $1.2 billion, an increase of about 3%"
    >>> [s.text for s in figure_spans(t) if as_change(t, s)]
    ['$352 million', '3%']
    """
    return bool(_CHANGE_BEFORE.search(text[max(0, span.start - 40):span.start])
                or _CHANGE_AFTER.match(text[span.end:span.end + 30]))


def reasons(text: str) -> list[Span]:
    return [Span("reason", m.start(), len(text), text[m.start():], m.group().lower()) for m in _REASON.finditer(text)]


def _outside(span: Span, q: Question) -> bool:
    """Does the span say something the question does not already say? ("U.S." has no terms:
    it is inside a question that says "U.S.")"""
    t = set(lexical.terms(span.text))
    return bool(t - set(q.terms)) if t else span.text.lower() not in q.text.lower()


def answer_spans(text: str, q: Question) -> list[Span]:
    """Spans of ``text`` of the type ``q`` expects, outside the words it shares with ``q``."""
    spans: list[Span]
    if q.expects == "name":
        spans = names(text)
        date_starts = {d.start for d in dates(text)}
        spans = [s for s in spans if s.start not in date_starts]
    elif q.expects == "date":
        spans = dates(text)
    elif q.expects == "figure":
        spans = [s for s in figure_spans(text, q.subtype or "any")
                 if not any(abs(float(s.key.split("|")[0]) - n) < 1e-9 for n in q.numbers)
                 and (not q.asks_change or as_change(text, s))]
    elif q.expects == "reason":
        return reasons(text)
    elif q.expects == "definition" and q.subject:
        subj = set(lexical.terms(q.subject))
        return [Span("definition", 0, len(text), text, "")] if subj and subj <= set(lexical.terms(text)) else []
    else:
        return []
    return [s for s in spans if _outside(s, q)]


_QUARTER = re.compile(r"\bQ([1-4])\b|\b(first|second|third|fourth)[\s-]quarter\b", re.I)
_ORDINAL = {"first": "1", "second": "2", "third": "3", "fourth": "4"}


def _quarters(text: str) -> set[str]:
    return {m.group(1) or _ORDINAL[m.group(2).lower()] for m in _QUARTER.finditer(text)}


def year_clash(text: str, q: Question, passage: str = "", answer: Span | None = None) -> bool:
    """The question pins a period that the sentence lacks while it names another one: a year
    ("in 2019", "last year"; a sentence naming no year is judged by its passage), a quarter
    ("Q3" vs "first quarter"), or, for a date question, the answering date's own year.

    >>> from .question import analyze
    >>> year_clash("Exports will be held to 1.6 million this year.", analyze("What were exports last year?"))
    True
    >>> q = analyze("What was Tesla's revenue in Q3 2019?")
    >>> year_clash("Revenue for the first quarter of 2019 was $4.5 billion.", q)
    True
    >>> year_clash("Egan Bernal won the 106th edition.", analyze("Who won the 2021 Tour?"), "Tour de France 2019")
    True
    >>> q = analyze("What is the date of the 2021 NBA Draft?")
    >>> year_clash("2021 NBA Draft ; Date: November 18, 2020", q, answer=dates("November 18, 2020")[0])
    True
    """
    keys = [s.key for s in dates(text)]
    if q.years and not any(k[:4].isdigit() for k in keys):
        keys += [s.key for s in dates(passage)]
    ys = {int(k[:4]) for k in keys if k[:4].isdigit()}
    rel = {k for k in keys if k.endswith(" year") and k.split()[0] in ("last", "this", "next")}
    asked, named = _quarters(q.text), _quarters(text)
    own = answer.key[:4] if answer is not None and answer.kind == "date" and q.years else ""
    return (bool(q.years and ys and not ys & set(q.years)) or bool(q.rel_years and rel and not rel & set(q.rel_years))
            or bool(asked and named and not asked & named) or (own.isdigit() and int(own) not in q.years))


def same_name(name: str, accepted: Sequence[str]) -> bool:
    """Does ``name`` share a name word with one of ``accepted`` ("Ryan" ~ "House Speaker Paul D. Ryan")?

    >>> same_name("Ryan", ["House Speaker Paul D. Ryan (R-Wis.)"]), same_name("Pence", ["Donald Trump"])
    (True, False)
    >>> same_name("The International Monetary Fund", ["the IMF"]), same_name("PhD A", ["PhD B"])
    (True, False)
    """
    def words(t: str) -> set[str]:  # name words, not titles ("Democrats" alone is a name too)
        found = [w for s in names(t) for w in s.key.split() if len(w) > 2]
        return {w for w in found if w not in NAME_TITLES} or set(found)

    def initials(t: str) -> set[str]:  # "International Monetary Fund" ~ "IMF" (two letters or more)
        found = {"".join(w[0] for w in s.text.split() if w[0].isupper()).lower() for s in names(t)} | {
            s.text.replace(".", "").lower() for s in names(t) if s.text.replace(".", "").isupper()}
        return {i for i in found if len(i) > 1}

    def label(t: str) -> str | None:  # "PhD B", "Grad F": a transcript's role + letter
        return t.strip().lower() if _LABEL_NAME.fullmatch(t.strip()) else None

    have = words(name)
    if label(name) or any(label(a) for a in accepted):
        return any(label(name) == label(a) for a in accepted)
    return bool(have) and any(have & words(a) or initials(name) & initials(a) for a in accepted)
