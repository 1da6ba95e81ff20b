"""Headings known by their form, where no markup marks them.

Text converted from a PDF or a word processor marks no heading; a reader still sees them: a short
line standing apart, with no closing punctuation, numbered ("8. References", "1.4 Policy",
"I. Medical Necessity:"), in capitals, or in title case. Which of these forms count depends on how
the document marks its own headings:

- in a document that marks them (markdown `#`), a plain line standing alone between blank lines
  is a heading only when it names a kind of section of the genre ("REFERENCES", "8. References"):
  its other capitals and title-case lines are the text's. Such a heading sits below every marked
  level, as bold-only lines do;
- in a document that does not, every form counts. Without markup there are no levels either, so
  a heading that names a kind of section opens a major section, and any other heading a section
  inside it ("Commercial Members: ..." inside "Policy"); a number gives its own depth, and a label
  ending in a colon sits below every level. A title-case line is a heading only between blank lines
  (the terms of an index are not).
"""
from __future__ import annotations

import re

from .markup import clean
from .vocabulary import Vocabulary

MAJOR, MINOR = 2, 3
BELOW_MARKUP = 7  # as bold-only and "Label:" lines
_NUMBER = re.compile(r"^\s*(?P<n>[1-9]\d?(?:\.[1-9]\d?){1,2}\.?|[1-9]\d?\.?|[IVX]{1,5}\.|[A-H]\.)\s+(?=[A-Z])")
_LABEL = re.compile(r"^[A-Z][^:]{0,60}:$")
_FIELD = re.compile(r"^[^:]{1,40}:\s*(?P<value>\S.*)$")  # "Effective Date: Oct. 1, 2025" is a field
_NOT_A_HEADING = re.compile(r"[.,;]$|https?://|\bPMID\b|\bdoi\b|^\d{4}[0-9FTU]\b|^[A-Z]\d{2}(?:\.\w+)?\b|\t|\|")
_LINK = re.compile(r"^\s*\[[^\]]*\]\([^)]*\)\s*$")  # a link on its own line is navigation
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
CONNECTIVE = re.compile(r"^\W*(?:or|and|and/or)\W*$", re.I)
_MAX_WORDS = 20
_MAX_LABEL_WORDS = 8  # "The above policy is based on the following references:" announces, it heads nothing


def _title_case(text: str) -> bool:
    words = [w for w in _WORD.findall(text) if len(w) >= 4]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.75 * len(words)


def _capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _field(text: str) -> bool:
    match = _FIELD.match(text)
    return bool(match) and (len(match.group("value").split()) <= 4 or match.group("value")[0].isdigit())


def form_level(raw: str, apart: int, marked: bool, vocab: Vocabulary) -> int | None:
    """The level of the heading this plain line is by its form, or None for a line of text.

    apart: on how many sides (0, 1, 2) a blank line or the document's edge sets the line apart."""
    if apart < (2 if marked else 1):  # before cleaning: most lines of text are not set apart
        return None
    text = clean(raw)
    if (not text or len(text.split()) > _MAX_WORDS or _NOT_A_HEADING.search(text) or _LINK.match(raw)
            or CONNECTIVE.match(text)):
        return None
    number = _NUMBER.match(text)
    words = text[number.end():] if number else text
    known = vocab.section_kind(words) is not None
    if number:
        if not (known or _title_case(words)) or _field(words):
            return None
        digits = number.group("n").rstrip(".")
        if marked:
            return BELOW_MARKUP if known else None
        if digits[0].isdigit() and (known or "." in number.group("n")[:-1] or not number.group("n").endswith(".")):
            return 1 + len(digits.split("."))  # "8. References", "1.4 Policy", "2 The condition" (no list item)
        if set(digits) <= set("IVX") and not words.endswith(":"):
            return MAJOR  # "IV. Rationale": a roman number heads a major section; "I. Medical Necessity:" a label
        return BELOW_MARKUP if known or _LABEL.match(words) else None
    if _field(text) or not (known or _capitals(text) or _title_case(text) or _LABEL.match(text)):
        return None
    if marked:
        return BELOW_MARKUP if known and (_capitals(text) or len(text.split()) <= 6) else None
    if text.endswith(":"):  # a label ("When services are Not Medically Necessary:") heads what follows it
        return BELOW_MARKUP if len(text.split()) <= _MAX_LABEL_WORDS else None
    if known or _capitals(text):
        return MAJOR if known else MINOR
    return MINOR if apart == 2 else None  # a title-case line stands between blank lines
