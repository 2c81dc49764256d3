"""What a question asks for, worked out once per question.

``analyze`` gives the expected answer type (a name of a person, organisation or place; a figure
of a kind; a date; a reason; yes / no; a definition), the focus terms the answer must be about
(question words minus the words that only name the type, like "date" or "who"), negation,
comparatives and the years / numbers the question pins down.

>>> q = analyze("Who won the women's singles Wimbledon in 2019?")
>>> q.expects, q.subtype, q.focus, q.years
('name', 'person', ('won', 'women', 'singl', 'wimbledon', '2019'), (2019,))
>>> analyze("What is the premiere date of The Walking Dead Season 11?").expects
'date'
>>> analyze("How much did Tesla earn in Q3 2019?").figure_kind
'money'

How a question reads inside a conversation (follow-ups) is ``conversation``'s business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import lexical
from .figures import find_figures

ANSWER_TYPES = ("name", "figure", "date", "reason", "yesno", "definition", "other")

_I = re.IGNORECASE
_AUX = r"(?:is|are|was|were|do|does|did|can|could|will|would|should|has|have|had|may|might|must)"
_LEAD = r"^\s*(?:(?:and|so|but|then|ok|okay|also)[,\s]+)*"
_REASON = re.compile(_LEAD + r"why\b|\b(what|which) (caused|causes|led to|leads to|drove|drives|prompted|explains?)\b|"
                     r"\b(reason|reasons|cause|motive|rationale|purpose) (for|of|behind|why)\b", _I)
_DATE = re.compile(r"\bwhen\b|\b(what|which|in what|in which) (year|years|date|day|month|decade|century|time)\b|"
                   r"\b(release|premiere|launch|birth|opening|start|end|expiry|due|air|publication) ?date\b|"
                   r"\bwhat date\b|\bdate of\b|\bdates?\b(?=[?\s]*$)|\bhow long ago\b", _I)
_COUNT = re.compile(r"\bhow many\b|\bnumber of\b|\bhow (long|old|far|tall|often)\b", _I)
_MAGNITUDE = re.compile(r"\bhow (high|big|large|deep|low|small|great|much (higher|lower|more|less|bigger|larger|"
                        r"smaller|greater))\b|\bby how (much|many)\b", _I)  # a size of any kind: a count, a sum
# or a percentage ("By how much was it cut?" is answered by "a 20 percent cut" as well as by "$3 million")
_PERCENT = re.compile(r"\b(percent|percentage|(?<!per )share(?![\s-]+based)|proportion|portion|margin|ratio)\b|%|"
                      r"\b(interest|tax|growth|unemployment|inflation|return|mortality|birth|tariff) rate\b", _I)
_MONEY = re.compile(r"\$|\b(how much|cost|costs|price|prices|paid|pay|revenue|revenues|sales|profit|profits|loss|"
                    r"income|earn|earned|earnings|spend|spent|worth|value|valued|budget|fund|funding|dollars?|"
                    r"yen|euros?|pounds?|salary|wage|wages|capex|capital expenditure|cash|dividend|debt|ebitda)\b", _I)
_FIGURE = re.compile(r"\bhow (many|much)\b|\b(what|which) (figure|number|level|amount|size|total|quota|limit|cap|"
                     r"ceiling|percentage|percent|share|rate|portion|proportion|price|cost|value|sum)\b|"
                     r"\b(number|amount|total|figure|quota|limit|ceiling|percentage|ratio|margin)\b", _I)
_PLACE = re.compile(r"\bwhere\b|\b(what|which|in what|in which) (country|countries|city|cities|state|states|"
                    r"place|venue|stadium|location|region|province|county|town|continent|island|arena)\b|"
                    r"\b(location|venue|host city|held)\b(?=[?\s]*$)|\blocation of\b", _I)
_ORG = re.compile(r"\b(what|which) (company|companies|firm|team|club|organi[sz]ation|party|band|network|"
                  r"university|school|agency|brand|group|bank|airline|studio|publisher|manufacturer)\b|"
                  r"^\W*who (acquired|bought|purchased|owns|owned|manufactures|published)\b", _I)
# "What was the first-quarter export rate ...", "What is the population of Tokyo?"
_WHAT_QUANTITY = re.compile(r"^\W*(?:and\s+)?(what|which)\s+(?:is|was|are|were|will be|would be|has been)?\s*"
                            r"(?:[\w'’.-]+\s+){0,5}?(rate|level|levels|number|amount|total|price|cost|revenue|"
                            r"revenues|sales|profit|profits|loss|losses|income|population|exports|imports|"
                            r"shipments|production|output|share|percentage|cut|cutback|reduction|increase|"
                            r"decrease|decline|drop|rise|growth|change|value|budget|salary|wage|wages|premium|"
                            r"ceiling|limit|quota|figure|size|margin|ratio|count|capacity|debt|spending)\b", _I)
# "What was the hosting related costs in 2018?": an amount of a report's, in a year (without one, "What is
# Trade receivables?" asks what they are)
_WHAT_AMOUNT_IN = re.compile(r"^\W*(what|which)\s+(?:is|was|are|were)\s+(?:[\w'’.-]+\s+){0,6}?(costs|expenses?|"
                             r"charges?|carryforwards?|dividends?|earnings|payments|proceeds|assets|liabilities|"
                             r"receivables)\b.*\b(?:19|20)\d\d\b", _I)
_PERSON_NOUN = re.compile(r"\b(ceo|president|chairman|chairwoman|founder|director|winner|champion|author|"
                          r"actor|actress|singer|player|coach|captain|prime minister|minister|governor|mayor|"
                          r"king|queen|host|spokesman|spokeswoman|head|leader|chief|star|starring|"
                          r"mvp|pitcher|quarterback|manager|owner|inventor|creator|designer|composer|writer)\b", _I)
_WHO_SAID = re.compile(r"\bwho (said|says|told|stated|claimed|argued|warned|reported|announced|insisted|asserted|"
                       r"added|noted|explained|denied|predicted|estimated|described|wrote|tweeted|argues|claims|believes)\b"
                       r"|\bwho (was|is) quoted\b|\baccording to (whom|who)\b|\bwho is the source of\b", _I)
# "What did Mansfield say about the quota?", "How did PhD B respond ...", "What else did he say?"
_SAID_BY = re.compile(r"\b(?:did|does|do|has|have|had|would|will)\s+(?P<who>(?:the\s+)?(?:[A-Z][\w.'’-]*"
                      r"(?:\s+[\w.'’-]+){0,5}?|he|she|they|it))\s+(?:also\s+)?(?:say|think|mention|"
                      r"suggest|propose|argue|tell|claim|believe|feel|respond|explain|recommend|talk|describe|state|"
                      r"add|predict|warn|report|write|approach|want|agree|disagree|express|raise)\b"
                      r"|\b[Aa]ccording to (?P<whom>(?!whom?\b)[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4})")
_WHO_IS = re.compile(_LEAD + r"(who|what) (is|was|are|were) (?P<rest>.+?)\??\s*$", _I)
_WHO = re.compile(_LEAD + r"(?:[\w'’-]+\s+){0,3}?(who|whom|whose)\b|\b(of|to|by|with|for|from) (whom|who)\b", _I)
_YESNO = re.compile(_LEAD + _AUX + r"\b", _I)
_DEFINE = re.compile(r"\bwhat (does|do|did) .{1,60} (mean|stand for)\b|\b(define|definition of|meaning of)\b", _I)
_SUMMARY = re.compile(_LEAD + r"(summari[sz]e|describe|explain|discuss|outline)\b", _I)
# "By how much was it cut?", "How much did sales rise?": the size of a change, not a level
_ASKS_CHANGE = re.compile(r"\bby how (much|many)\b|\bhow (much|many)\b.*\b(reduc\w*|cut|cuts|increas\w*|decreas\w*|"
                          r"rise|rose|risen|fall|fell|fallen|grow|grew|grown|declin\w*|drop\w*|chang\w*|gain\w*|"
                          r"shr[aiu]nk\w*|expand\w*)\b", _I)
_COARSE_ASK = re.compile(r"\b(year|years|month|decade|century|era|season)\b", _I)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_REL_YEAR = re.compile(r"\b(last|this|next) year\b", _I)
NEGATION = re.compile(r"\b(not|no|never|none|without|neither|nor|cannot)\b|n't\b", _I)  # questions and sentences
_COMPARATIVE = re.compile(r"\b(before|after|earlier|later|prior to|more|less|fewer|greater|higher|lower|larger|"
                          r"smaller|bigger|most|least|highest|lowest|largest|smallest|biggest|best|worst|than|"
                          r"maximum|minimum)\b", _I)

# Words that only say which type is wanted; an answer sentence need not repeat them. Words like
# "year" or "place" say so only inside the question phrase ("in what year"): "last year" is focus.
TYPE_WORDS = frozenset(lexical.terms(
    "who whom whose when where why what which how date dates location venue name named reason else"))
_WH_PHRASE = re.compile(r"^\W*(?:(?:and|so|but|then)\s+)?(?:in |on |at |for |by |from |to )?(?:what|which|how)\s+"
                        r"(year|years|day|month|time|place|country|countries|city|cities|state|number|amount|"
                        r"figure|total|percentage|percent|many|much|long|old|far|big|large)\b", _I)


@dataclass(frozen=True)
class Question:
    """The analysis of one question (see the module doctest)."""

    text: str
    expects: str  # one of ANSWER_TYPES
    subtype: str = ""  # name: person / org / place / speaker; figure: count / money / percent / any
    terms: tuple[str, ...] = ()  # all lexical terms, in order
    focus: tuple[str, ...] = ()  # terms the answer must be about (type words removed)
    negated: bool = False
    comparative: bool = False
    years: tuple[int, ...] = ()  # years the question pins down ("in 2019")
    numbers: tuple[float, ...] = ()  # other figures it names
    subject: str = ""  # for "who is X" / "what is X": X
    rel_years: tuple[str, ...] = ()  # "last year", "this year", "next year"
    said_by: str = ""  # for "What did X say about Y?": X as written ("Mansfield", "the Prime Minister", "he")

    @property
    def wants_day(self) -> bool:
        """"When was it released?" wants a day: "released in 2020" is too coarse to answer it."""
        return self.expects == "date" and not _COARSE_ASK.search(self.text)

    @property
    def wants_value(self) -> bool:
        """Does it ask for one value (a name, figure or date) that can be said first? Not "What did
        Morneau say about the debt?" nor "Summarize ...": those ask what was said."""
        return self.expects in ("name", "figure", "date") and not self.said_by and not _SUMMARY.match(self.text)

    @property
    def relation(self) -> set[str]:
        """Focus terms from its lower-case words ("won", "directed", "premiere"), apart from its names."""
        return {t for m in _WORD.finditer(self.text) if not m.group()[0].isupper()
                for t in lexical.terms(m.group())} & set(self.focus)

    @property
    def asks_change(self) -> bool:
        """Does it ask how much something changed ("By how much did they want exports reduced?")?
        Then a figure answers only where it is said as a change ("a 20 percent cut", "fell by $3
        million", "down 5%"), not a level ("to 1.6 million").

        >>> analyze("By how much did exports fall?").asks_change, analyze("How much did it cost?").asks_change
        (True, False)
        """
        return self.expects == "figure" and bool(_ASKS_CHANGE.search(self.text))

    @property
    def figure_kind(self) -> str:
        return self.subtype if self.expects == "figure" else ""

    @property
    def wants_figure(self) -> bool:
        return self.expects == "figure"


def _name_like(text: str) -> bool:
    """Is ``text`` a proper name ("Takashi Ishihara", "the Yomiuri", "3M") rather than a description?"""
    words = [w for w in re.findall(r"[\w'’.&-]+", text) if w.lower() not in ("the", "of", "and", "&", "de", "mr.")]
    return bool(words) and len(words) <= 5 and all(w[0].isupper() or w[0].isdigit() for w in words)


def _expects(q: str) -> tuple[str, str, str]:
    """(type, subtype, subject) of question text ``q``."""
    if _WHO_SAID.search(q):
        return "name", "speaker", ""
    if m := _WHO_IS.match(q):
        rest = m.group("rest").strip()
        if _name_like(rest):
            return "definition", "", rest
    if _REASON.search(q):
        return "reason", "", ""
    if _DATE.search(q) and not re.search(r"\bhow many (years|days|months)\b", q, _I):
        return "date", "", ""
    if _ORG.search(q):
        return "name", "org", ""
    if _PLACE.search(q):
        return "name", "place", ""
    if _FIGURE.search(q) or _COUNT.search(q) or _WHAT_QUANTITY.search(q) or _MAGNITUDE.search(q) or \
            _WHAT_AMOUNT_IN.search(q):
        if re.search(r"\bhow many\b|\bnumber of\b|\bpopulation\b", q, _I):
            return "figure", "count", ""
        if _MAGNITUDE.search(q):
            return "figure", "any", ""
        if _PERCENT.search(q):
            return "figure", "percent", ""
        if _COUNT.search(q):
            return "figure", "count", ""
        if _MONEY.search(q):
            return "figure", "money", ""
        return "figure", "any", ""
    if _WHO.search(q) or re.search(r"\b(which|what) (person|people|man|woman|actor|actress|player|director|"
                                   r"singer|author|artist|athlete|candidate|official)\b", q, _I):
        return "name", "person", ""
    if _DEFINE.search(q):
        return "definition", "", ""
    if _YESNO.match(q):
        return "yesno", "", ""
    if _PERSON_NOUN.search(q) and not re.search(r"\b(what|how|why)\b", q, _I):
        return "name", "person", ""  # keyword queries: "Super Bowl 2021 MVP", "Lego CEO 2021"
    if m := _WHO_IS.match(q):
        rest = m.group("rest").strip()
        if len(rest.split()) <= 4:
            return "definition", "", rest
    return "other", "", ""


def analyze(question: str) -> Question:
    """The analysis of ``question``: answer type, focus terms, negation, comparatives, years."""
    q = " ".join(question.split())
    expects, subtype, subject = _expects(q)
    terms = tuple(lexical.terms(q))
    wh = set(lexical.terms(m.group(1))) if (m := _WH_PHRASE.match(q)) else set()
    focus = tuple(t for t in terms if t not in TYPE_WORDS and t not in wh) or terms
    figs = find_figures(q)
    years = tuple(int(f.value) for f in figs if f.is_year)
    numbers = tuple(f.value for f in figs if not f.is_year)
    rel = tuple(sorted({m.group(1).lower() + " year" for m in _REL_YEAR.finditer(q)}))
    said_by = next((m.group("who") or m.group("whom") for m in _SAID_BY.finditer(q)), "") or ""
    return Question(q, expects, subtype, terms, focus, bool(NEGATION.search(q)), bool(_COMPARATIVE.search(q)),
                    years, numbers, subject, rel, said_by.removeprefix("the ").strip())
