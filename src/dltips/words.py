"""Numbers and counts in the sentences dltips writes: the one place they are formatted.

Every sentence about a verdict (its `why`, `detail`, the looks, captions, the report's tables
and figures, progress lines) takes its numbers and counts from here, so that they read alike
everywhere and a test can check them all (tests/test_words.py):
  number       a number as a reader writes it: a true minus sign, never '−0.00'
  interval     'mean [low, high]' with enough digits that no end is printed on the other side
               of a mark it is compared with (its threshold, the margins ±m, 0), nor equal to
               it where the numbers differ: −0.0015 never prints '0.00', 0.01497 never '0.015'
               against a threshold 0.015
  needs        what a claim needs of its statistic: '> 0', '< −0.3', '≤ 1e−06', and an
               equivalence (direction EQUIVALENT, threshold m) 'within ±0.015', never one side
  count        '1 job', '2 jobs', '0 pairs'
  sentence     a phrase as one sentence, ending in exactly one full stop
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from .io import missing

MINUS = "\u2212"
EQUIVALENT = "|·| <"  # the direction of an equivalence: the claim needs |value| < threshold (a margin m)
SIGNS = {"<=": "\u2264"}  # a direction as it reads before its threshold
MAX_DECIMALS = 4  # beyond this an interval reads in significant digits
MAX_DIGITS = 17  # a float64 is exact at 17 significant digits


def _sign(x: float) -> int:
    return int(x > 0) - int(x < 0)


def _plain(text: str) -> str:
    """A number's text with no '-0', a true minus sign."""
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", MINUS)


def number(x: float, decimals: int | None = None, digits: int = 3) -> str:
    """A number as a reader writes it: a true minus sign, no '−0.000'; `decimals` fixed, else
    `digits` significant digits; 'n/a' for a missing one."""
    if missing(x):
        return "n/a"
    return _plain(f"{x:.{decimals}f}" if decimals is not None else f"{x:.{digits}g}")


def _formats(low: float, high: float):
    """The interval's formats, coarsest first: (decimals, None) where the width shows two
    significant digits at MAX_DECIMALS decimals or fewer, then more decimals; otherwise
    (None, significant digits)."""
    width = high - low
    if math.isfinite(width) and width > 0:
        decimals = max(0, 1 - math.floor(math.log10(width)))
        if decimals <= MAX_DECIMALS:
            return [(d, None) for d in range(decimals, decimals + MAX_DIGITS)]
    return [(None, s) for s in range(3, MAX_DIGITS + 1)]


def _text(x: float, fmt) -> str:
    decimals, digits = fmt
    return f"{x:.{decimals}f}" if decimals is not None else f"{x:.{digits}g}"


def _keeps_sides(ends: Sequence[float], marks: Sequence[float], fmt, mark_digits: int) -> bool:
    """Whether every printed end lies on the side of every printed mark that the end lies of
    the mark (equal only where they are equal)."""
    for m in marks:
        shown_mark = float(f"{m:.{mark_digits}g}")
        if any(_sign(float(_text(e, fmt)) - shown_mark) != _sign(e - m) for e in ends):
            return False
    return True


def precision(value: float, low: float, high: float, marks: Iterable[float] = ()) -> tuple[tuple, int]:
    """(the interval's format, the marks' significant digits): the coarsest that keep every
    end on its own side of every mark and of 0 (module docstring)."""
    ends = [x for x in (low, high) if not missing(x)]
    marks = [0.0, *(m for m in marks if not missing(m))]
    formats = _formats(low, high)
    for mark_digits in range(3, MAX_DIGITS + 1):
        for fmt in formats:
            if _keeps_sides(ends, marks, fmt, mark_digits):
                return fmt, mark_digits
    return formats[-1], MAX_DIGITS


def interval(value: float, low: float, high: float, marks: Iterable[float] = ()) -> str:
    """'−0.039 [−0.047, −0.032]', or the value alone where the interval is a point or missing;
    'n/a' where there is no value. `marks`: the numbers the interval is compared with."""
    if missing(value):
        return "n/a"
    fmt, _ = precision(value, low, high, marks)
    shown = [_plain(_text(x, fmt)) for x in (value, low, high)]
    if missing(low) or missing(high) or shown[0] == shown[1] == shown[2]:  # a point, or one to the digits shown
        return shown[0]
    return f"{shown[0]} [{shown[1]}, {shown[2]}]"


def point(x: float, marks: Iterable[float] = ()) -> str:
    """One number compared with `marks` (a threshold, a tolerance), with the digits that keep
    it on its own side of each (interval)."""
    return interval(x, x, x, marks)


def marks_of(direction: str, threshold: float) -> tuple[float, ...]:
    """The numbers a statistic is compared with: its threshold, or an equivalence's ±m."""
    if missing(threshold):
        return ()
    return (-abs(threshold), abs(threshold)) if direction == EQUIVALENT else (threshold,)


def threshold_text(direction: str, threshold: float, value: float = math.nan, low: float = math.nan,
                   high: float = math.nan) -> str:
    """The threshold (an equivalence's margin m) with enough digits that the interval's
    printed ends keep their sides of it (`interval`): '0.015', '1e−06'."""
    if missing(threshold):
        return "n/a"
    _, digits = precision(value, low, high, marks_of(direction, threshold))
    return number(abs(threshold) if direction == EQUIVALENT else threshold, digits=digits)


def needs(direction: str, threshold: float, value: float = math.nan, low: float = math.nan,
          high: float = math.nan) -> str:
    """What the claim needs: '> 0', '≤ 1e−06', 'within ±0.015' (threshold_text)."""
    if missing(threshold):
        return "no threshold (no data)"
    text = threshold_text(direction, threshold, value, low, high)
    return f"within \u00b1{text}" if direction == EQUIVALENT else f"{SIGNS.get(direction, direction)} {text}"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 job', '2 jobs', '0 jobs' (`plural` where adding 's' is wrong)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def verb(n: int, singular: str, plural: str) -> str:
    """The verb that agrees with a count: verb(1, 'is', 'are') -> 'is'."""
    return singular if n == 1 else plural


def listing(items: Sequence[str], conjunction: str = "and") -> str:
    """'a', 'a and b', 'a, b and c' ('or': each one alone)."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {conjunction} {items[-1]}" if items else ""


def sentence(text: str) -> str:
    """`text` as one sentence: trimmed, ending in exactly one full stop ('' stays '')."""
    text = " ".join(str(text).split()).rstrip(" .;,")
    return f"{text}." if text else ""
