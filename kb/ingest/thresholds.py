"""Numeric limits in a criterion: "≤ 5 cm", "less than 60 mL/min per m²", "3 cm or less".

A limit said under a negation keeps its meaning: "No tumor has a maximum diameter of greater than
3.0 cm" is a limit of ≤ 3.0 cm, and its comparator text says the negation ("no … greater than").
"""
from __future__ import annotations

import re

from .records import Threshold

_COMPARATORS = [
    (r"less than or equal to|< or equal to|no (?:more|greater) than|not (?:more|greater) than|up to|at most|≤|=<|<=",
     "≤"),
    (r"greater than or equal to|> or equal to|no less than|not less than|at least|≥|>=|=>", "≥"),
    (r"less than|fewer than|smaller than|below|under|<", "<"),
    (r"greater than|more than|larger than|exceeding|above|over|>", ">"),
]
_UNIT = (r"cm|mm|ng/ml|mL/min(?:/1\.73\s*m(?:²|2)|(?:/| per )m(?:²|2))?|%|lesions?|tumou?rs?|nodules?|metastases|"
         r"years?|months?")
_THRESHOLD = re.compile(
    r"(?P<cmp>" + "|".join(p for p, _ in _COMPARATORS) + r")\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>" + _UNIT + r")?",
    re.I,
)
_POSTFIX = re.compile(r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>" + _UNIT + r")?\s+(?P<cmp>or (?:less|fewer|smaller|below|"
                      r"under|more|greater|larger|above|over))\b", re.I)
_SUBJECT_STOP = {"of", "is", "a", "an", "the", "are", "be", "with", "by", "defined", "or", "and", "each"}
_NEGATION = re.compile(r"\b(?:no|not|none|never|without)\b(?!\s+(?:more|greater|less|fewer)\s+than)", re.I)
_CLAUSE = re.compile(r"[,;:()]|\b(?:and|or|but|if|when|unless)\b", re.I)
_INVERSE = {"<": "≥", "≤": ">", ">": "≤", "≥": "<"}


def _normalise_unit(unit: str | None) -> str | None:
    if not unit:
        return None
    unit = re.sub(r"mL/min/1\.73\s*m(?:²|2)", "mL/min/1.73 m²", unit, flags=re.I)
    return re.sub(r"mL/min(?:/| per )m(?:²|2)", "mL/min/m²", unit, flags=re.I).replace("ng/ml", "ng/mL")


def _negation(before: str) -> re.Match | None:
    """The negation word of the clause the limit stands in ("No tumor has ... greater than"), if any."""
    clause = _CLAUSE.split(before)[-1]
    return _NEGATION.search(clause)


def thresholds_in(text: str) -> list[Threshold]:
    """Every numeric limit in the text, in order."""
    matches = [(m, next(sym for pattern, sym in _COMPARATORS if re.fullmatch(pattern, m.group("cmp"), re.I)))
               for m in _THRESHOLD.finditer(text)]
    matches += [(m, "≤" if re.search(r"less|fewer|smaller|below|under", m.group("cmp"), re.I) else "≥")
                for m in _POSTFIX.finditer(text)]
    found = []
    for match, comparator in sorted(matches, key=lambda mc: mc[0].start()):
        cmp_text = match.group("cmp")
        negation = _negation(text[: match.start()]) if match.re is _THRESHOLD else None
        if negation:
            comparator, cmp_text = _INVERSE[comparator], f"{negation.group(0)} … {cmp_text}"
        words = [w.strip("()[]") for w in text[: match.start()].split()[-6:]]
        words = [w for w in words if w]
        while words and words[-1].lower() in _SUBJECT_STOP:
            words.pop()
        while words and words[0].lower() in _SUBJECT_STOP | {"no", "not", "none"}:
            words.pop(0)
        unit = _normalise_unit(match.group("unit"))
        found.append(Threshold(" ".join(words) or None, cmp_text, comparator, float(match.group("value")), unit))
    return found
