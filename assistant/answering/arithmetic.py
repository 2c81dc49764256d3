"""The arithmetic of derived figures, in ``decimal.Decimal`` (never floats), in one place: what
each operation computes from its operands (in order), how its result is rounded, and how its
working is written. The answerer computes with it and the verifier recomputes with it.

>>> compute("change", [Decimal("16682"), Decimal("16055")])
Decimal('627')
>>> compute("percent_change", [Decimal("16682"), Decimal("16055")])
Decimal('3.91')
>>> working("percent_change", ["16,682", "16,055"])
'(16,682 − 16,055) / 16,055 × 100'
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ROUNDING = {"change": -1, "decrease": -1, "difference": -1, "sum": -1, "count": -1, "percent_change": 2,
            "average": 2, "share": 2, "ratio": 2}  # decimals; -1: exact
# The working of each operation over its operands' places ({0}, {1}; "{all+}" is every operand joined by " + ").
SHAPES = {"change": "{0} − {1}", "decrease": "{0} − {1}", "difference": "{0} − {1}", "sum": "{all+}",
          "count": "count of {all,}", "share": "{0} / {1} × 100", "ratio": "{0} / {1}",
          "percent_change": "({0} − {1}) / {1} × 100", "average": "({all+}) / {n}"}
ARITY = {"change": 2, "decrease": 2, "difference": 2, "percent_change": 2, "sum": 0, "average": 0,
         "count": -1, "share": 2, "ratio": 2}  # 0: two or more; -1: one or more


def rounded(value: Decimal, decimals: int) -> Decimal:
    """``value`` rounded half up to ``decimals`` places (-1: as it is)."""
    return value if decimals < 0 else value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def compute(op: str, values: Sequence[Decimal], decimals: int | None = None) -> Decimal | None:
    """``op`` of ``values`` (in order), rounded to ``decimals`` (default: as ``ROUNDING`` says;
    -1: exact); None when it cannot be computed (a wrong number of operands, a division by zero,
    an unknown operation)."""
    want = ARITY.get(op)
    if want is None or (want > 0 and len(values) != want) or len(values) < (2 if want == 0 else 1):
        return None
    try:
        if op in ("change", "decrease", "difference"):
            out = values[0] - values[1]
        elif op == "percent_change":
            out = (values[0] - values[1]) / values[1] * 100
        elif op == "share":  # the first as a percentage of the second
            out = values[0] / values[1] * 100
        elif op == "ratio":
            out = values[0] / values[1]
        elif op == "count":  # the operands are the values that meet the question's condition
            out = Decimal(len(values))
        elif op == "sum":
            out = sum(values, Decimal(0))
        else:
            out = sum(values, Decimal(0)) / len(values)
    except (InvalidOperation, ZeroDivisionError, ArithmeticError):
        return None
    return rounded(out, ROUNDING[op] if decimals is None else decimals)


def working(op: str, operands: Sequence[str]) -> str:
    """The working written out, each operand as given ("16,682 − 16,055")."""
    return SHAPES[op].format(*operands, **{"all+": " + ".join(operands), "all,": ", ".join(operands),
                                           "n": len(operands)})


def parts(op: str, count: int) -> list[str | int]:
    """The working as pieces: text between operands, and each operand's place (an int), in the
    order written ("(", 0, " − ", 1, ") / ", 1, " × 100").

    >>> parts("average", 3)
    ['(', 0, ' + ', 1, ' + ', 2, ') / 3']
    """
    marks = [f"\x00{i}\x00" for i in range(count)]
    out: list[str | int] = []
    for piece in working(op, marks).split("\x00"):
        if piece.isdigit() and f"\x00{piece}\x00" in marks:
            out.append(int(piece))
        elif piece:
            out.append(piece)
    return out


def said(value: Decimal) -> str:
    """A result as the answer says it: thousands grouped, its decimals as computed ("-627",
    "3.91", "16,368.50").

    >>> said(Decimal("-16368.5")), said(Decimal("3.91"))
    ('-16,368.5', '3.91')
    """
    sign = "-" if value < 0 else ""
    whole, _, frac = f"{abs(value):f}".partition(".")
    return f"{sign}{int(whole):,}" + (f".{frac}" if frac else "")
