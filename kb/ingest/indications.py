"""What a coverage statement is about, from the phrase that introduces it.

Policies name the indication in a few shapes, whatever the issuer:

- a label before the statement: "Hepatocellular carcinoma (HCC): The Company considers ...";
- after the position: "... medically necessary to treat X", "... investigational as a treatment
  for X", "... medically necessary for members with X when ...", "eligible under the Plan for X";
- after the service, before the position: "Cryoablation of X is considered ...", "Aetna considers
  cryoablation of X medically necessary", "Evidence on ... cryotherapy for X is adequate".

Where the position is followed by its object ("cryoablation of the prostate medically necessary
for prostate cancer"), the object after it is the indication; otherwise the earliest phrase wins.
"""
from __future__ import annotations

import re
from functools import cache

from .vocabulary import Vocabulary, default_vocabulary

_STOP = (r"(?=\s+(?:that|which)\s+(?:is|are)\b|\s+when\b|\s+if\b|\s+providing\b|\s+provided\b|\s*\(CPT\b|"
         r"\s+(?:in|for)\s+(?:{people})\s+who\s+(?:meets?|have|has)\b|\s+(?:due to|because)\b|:|\.\s|\.$|$)")
_LABEL = re.compile(r"^(?P<x>[A-Z][^:]{2,80}?):\s+\S")
_PATTERNS = [
    r"\bto treat (?:individuals |patients )?(?:with )?(?P<x>.+?)" + _STOP,
    r"\b(?:as an?|for the|in the) (?:treatment|management) (?:for|of) (?P<x>.+?)" + _STOP,
    r"\bconsiders? \S+(?: \S+)? for (?P<x>.+?)(?=\s*\(|\s+(?:to be\s+)?(?:medically|investigational|"
    r"experimental|not medically))",
    r"^(?:\S+\s+){0,3}?(?:ablation|cryoablation|cryosurgery|cryotherapy|procedure|treatment|therapy)"
    r"\s+(?:of|for)\s+(?P<x>.+?)\s+(?:is|are|may be)\b",
]
_AFTER_POSITION = (
    r"^\s*(?:(?:when used|when performed)\s+)?(?:(?:for|in)\s+(?:the\s+(?:treatment|management)\s+of\s+|treating\s+|"
    r"treatment of\s+)?|to treat\s+|as (?:a|an|the) (?:treatment|therapy) (?:for|of)\s+)(?:(?:{people})"
    r"\s+(?:with|who have)\s+)?(?P<x>.+?)" + _STOP)
_OBJECT = r"(?:\s*\([^)]*\))?\s+(?:of|for)\s+(?P<x>.+?)"
_BEFORE_VERB = _OBJECT + r"\s+(?:is|are|appears?|(?:may|will|should|can) be)\b"  # "cryotherapy for X is adequate"
_BEFORE_POSITION = _OBJECT + r"(?:\s+(?:to be|be|is|are|considered|will|may|should|can|shall))*\s*$"  # "of X [status]"
_LIST_LEAD = re.compile(r"\b(?:any|all|either|each|one) of the following\b|^the following\b|^following\b", re.I)


@cache
def _compiled(people: str) -> tuple[list[re.Pattern], re.Pattern]:
    """The shapes with the genre's words for the people a position is about (terms.yml "people") filled in."""
    return ([re.compile(p.replace("{people}", people)) for p in _PATTERNS],
            re.compile(_AFTER_POSITION.replace("{people}", people), re.I))


def indication_of(text: str, vocab: Vocabulary | None = None) -> str | None:
    """What a statement is about, or None when it names nothing the parser recognises."""
    vocab = vocab or default_vocabulary()
    patterns, after_position = _compiled(vocab.term("people").pattern)
    label = _LABEL.search(text)
    if label and _usable(label.group("x"), vocab):
        return tidy(label.group("x"), vocab)
    position = vocab.status_match(text)
    if position:
        after = after_position.match(text[position[0].end():])
        if after and _usable(after.group("x"), vocab):
            return tidy(after.group("x"), vocab)
    matches = [m for m in (p.search(text) for p in patterns) if m and _usable(m.group("x"), vocab)]
    if position:
        service = vocab.term("service").pattern
        head = text[: position[0].start()]
        for shape, where in ((_BEFORE_VERB, text), (_BEFORE_POSITION, head)):
            before = re.search(f"(?:{service}){shape}", where, re.I)
            if before and _usable(before.group("x"), vocab):
                matches.append(before)
    if not matches:
        return None
    return tidy(min(matches, key=lambda m: (m.start("x"), len(m.group("x")))).group("x"), vocab)


def _usable(phrase: str, vocab: Vocabulary) -> bool:
    return not (vocab.status_of(phrase) or _LIST_LEAD.search(phrase) or vocab.term("not-an-indication").search(phrase))


def tidy(phrase: str, vocab: Vocabulary) -> str:
    """The phrase without a leading service ("percutaneous cryoablation of a renal tumor" -> "a renal tumor") or a
    condition after it ("small renal masses when criteria are not met")."""
    service = re.match(rf"^(?:\w+\s+){{0,2}}?(?:{vocab.term('service').pattern})\s+(?:of|for)\s+(?=\S)", phrase, re.I)
    phrase = phrase[service.end():] if service else phrase
    return re.split(r"\s+(?:when|if|unless|provided|providing)\b", phrase, maxsplit=1)[0].strip(" ,;.")
