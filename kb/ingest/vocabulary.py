"""The genre's words, compiled into the matchers the parser reads documents by.

The words are reviewed data (data/curation/*.yml, typed by kb.curation): the kinds of section,
the coverage positions, organ sites, kinds of guideline and the phrases that give a passage a
role. This module holds only grammar, which is the same for every issuer.
"""
from __future__ import annotations

import re
from functools import cache

from ..curation import CurationError, Genre, load_genre

# A coverage statement says that something is (or may be) considered <status>.
COVERAGE_VERB = re.compile(r"\b(?:is|are|be|considers?|deemed|remains?)\b", re.I)

# How the items of a list under a statement combine.
ANY_OF = re.compile(r"\b(?:either|any|at least one|one or more|one of the following)\b", re.I)
ALL_OF = re.compile(r"\b(?:all|each|both|every)\b", re.I)

_LETTERS = re.compile(r"[a-z]+")  # the words sites_of reads, in text lower-cased

_NEEDED_TERMS = ("line-of-business", "codes-covered", "criteria-lead", "service", "generic-service",
                 "codes-disclaimer", "not-an-indication", "people", "document-banner",
                 "background-section", "background-intro")
# The number of a numbered heading: "8. References", "1.4 Policy", "I. Medical Necessity:", "B) Codes".
HEADING_NUMBER = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})+\.?|\d{1,2}[.)]?|[IVXLCivxlc]{1,6}[.)]|[A-Za-z][.)])\s+")


def _any(patterns: list[str]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I)


class _Unknown(Exception):
    """A construct whose first character _first_chars does not work out."""


def _first_chars(items) -> tuple[set[str], bool]:
    """(characters a match of the parsed items can start with, whether they can match the empty string)."""
    chars: set[str] = set()
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            chars.add(chr(av))
            return chars, False
        if name == "IN" and all(str(o) == "LITERAL" for o, _ in av):
            chars.update(chr(c) for _, c in av)
            return chars, False
        if name in ("AT", "ASSERT", "ASSERT_NOT"):  # zero-width: the next item starts the match
            continue
        if name == "SUBPATTERN" and not av[1] and not av[2]:  # a group that changes no flag
            first, empty = _first_chars(av[3])
        elif name == "BRANCH":
            found = [_first_chars(branch) for branch in av[1]]
            first, empty = set().union(*(f for f, _ in found)), any(e for _, e in found)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            first, empty = _first_chars(av[2])
            empty = empty or av[0] == 0
        else:
            raise _Unknown(name)
        chars |= first
        if not empty:
            return chars, False
    return chars, True


def _guarded(pattern: re.Pattern) -> re.Pattern:
    """The same matches, found faster: a lookahead for the characters a match can start with lets the regex
    engine pass over every other position at once instead of trying each alternative there. The pattern as it
    is where that cannot be told."""
    try:
        chars, empty = _first_chars(re._parser.parse(pattern.pattern, pattern.flags))
    except _Unknown:
        return pattern
    if empty or not chars:
        return pattern
    start = "".join(re.escape(c) for c in sorted(chars))
    return re.compile(f"(?=[{start}])(?:{pattern.pattern})", pattern.flags)


def _required(items) -> list[set[str]]:
    """Sets of words such that every match of the parsed items holds a word of each (none: nothing is told)."""
    required, run = [], ""
    for op, av in [*items, (None, None)]:
        name = str(op)
        if name == "LITERAL":
            run += chr(av)
            continue
        if run:
            required.append({run})
            run = ""
        if name == "SUBPATTERN":  # whatever its flags: an ASCII word is held lower-cased alike (lowered())
            required += _required(av[3])
        elif name == "BRANCH":  # a word of the most telling set of each alternative
            found = [_most_telling(_required(branch)) for branch in av[1]]
            if None not in found:
                required.append(set().union(*found))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and av[0] >= 1:
            required += _required(av[2])
    return required


def _most_telling(sets: list[set[str]]) -> set[str] | None:
    """The set whose shortest word is longest: the one text holds least often."""
    return max(sets, key=lambda words: min(map(len, words))) if sets else None


def _required_words(pattern: re.Pattern) -> tuple[tuple[str, ...], ...]:
    """Lower-case ASCII word sets, the most telling first, such that the text of every match, lower-cased as
    lowered() does, holds a word of each (case-blind or not). None tell nothing."""
    sets = [words for words in _required(re._parser.parse(pattern.pattern, pattern.flags))
            if all(word.isascii() for word in words)]
    sets.sort(key=lambda words: -min(map(len, words)))
    return tuple(tuple(sorted(word.lower() for word in words)) for words in sets)


# The only characters outside ASCII that case-blind matching takes for ASCII ones (İ ı ſ and the Kelvin sign, found
# by matching every ASCII character case-blind against every code point): in text without them, an ASCII word
# matches, case-blind or not, only where the text lower-cased holds it lower-cased.
_ASCII_TWINS = "\u0130\u0131\u017f\u212a"


def lowered(text: str) -> str | None:
    """The text as Quick.may_match reads it: lower-cased, where that keeps every ASCII word a match can hold."""
    if text.isascii() or not any(twin in text for twin in _ASCII_TWINS):
        return text.lower()
    return None


def _holds(folded: str, words: tuple[str, ...]) -> bool:
    """Whether the text holds one of the words: a substring test a word, in a plain loop, costs less than an
    alternation of them in a regex (whose first letters are common ones) over a long sentence."""
    for word in words:
        if word in folded:
            return True
    return False


class Quick:
    """A pattern, and words its matches hold: most text the parser reads holds none of them, and a look for a
    substring in text lower-cased once costs far less than the regex's alternatives (or a case-blind regex, or one
    that starts with a word boundary, tried at every position)."""

    def __init__(self, pattern: re.Pattern):
        self.pattern = _guarded(pattern)
        self.words = _required_words(pattern)

    def may_match(self, folded: str | None) -> bool:
        """False only where the text (as lowered() gives it) lacks a word every match holds."""
        if folded is None:
            return True
        for words in self.words:
            if not _holds(folded, words):
                return False
        return True

    def search(self, text: str) -> re.Match | None:
        return self.search_in(text, lowered(text))

    def search_in(self, text: str, folded: str | None) -> re.Match | None:
        """search, for a caller that lower-cases one text for many patterns: folded is lowered(text)."""
        return self.pattern.search(text) if self.may_match(folded) else None

    def sub(self, replacement: str, text: str) -> str:
        return self.pattern.sub(replacement, text) if self.may_match(lowered(text)) else text


class _Keyed:
    """Patterns, each with a key, in their order; a text is lower-cased once for all of them, and most
    text, which holds none of the words of any of them, is passed over at one look."""

    def __init__(self, items):
        self._items = [(key, Quick(pattern)) for key, pattern in items]
        told = [quick.words[0] for _, quick in self._items if quick.words]
        self._any = tuple(sorted({w for words in told for w in words})) if len(told) == len(self._items) else None
        self._words = tuple(sorted({w for _, quick in self._items for words in quick.words for w in words}))

    def candidates(self, text: str) -> list[tuple[object, re.Pattern]]:
        """(key, pattern) of each pattern that may match text, in order: the others cannot."""
        folded = lowered(text)
        if folded is None:
            return [(key, quick.pattern) for key, quick in self._items]
        if self._any is not None and not _holds(folded, self._any):
            return []
        held = {word for word in self._words if word in folded}  # each word looked for once, for all patterns
        return [(key, quick.pattern) for key, quick in self._items if not any(map(held.isdisjoint, quick.words))]

    def may_match(self, text: str) -> bool:
        """False only where no pattern matches text, nor any part of it (a sentence of a paragraph)."""
        return bool(self.candidates(text))

    def first(self, text: str):
        """The key of the first pattern that matches text, or None."""
        return next((key for key, pattern in self.candidates(text) if pattern.search(text)), None)


class Vocabulary:
    """Matchers built from the genre's reviewed words."""

    def __init__(self, genre: Genre):
        missing = [t for t in _NEEDED_TERMS if t not in {term.id for term in genre.terms}]
        if missing:
            raise CurationError(f"terms.yml: no entry for {', '.join(missing)}, which the parser needs")
        self._kinds = _Keyed((s.id, _any(s.patterns)) for s in genre.sections if s.role != "notice")
        self.closing_kinds = tuple(s.id for s in genre.sections if s.role == "closing")
        self.end_matter_kinds = self.closing_kinds + tuple(s.id for s in genre.sections if s.role == "end-matter")
        self._notices = [_any(s.patterns) for s in genre.sections if s.role == "notice"]
        self._positions = _Keyed(((order, p.status), re.compile(x, re.I))
                                 for order, p in enumerate(genre.positions) for x in p.patterns)
        self._polarity = {p.status: p.polarity for p in genre.positions}
        self._sites = [(s.id, tuple(s.stems)) for s in genre.sites]
        self._stems = tuple(stem for _, stems in self._sites for stem in stems)
        # a pair of words can start with a stem of two ("soft tissue") only where its first word is the stem's first
        self._pair_heads = {stem.split(" ")[0] for stem in self._stems if " " in stem}
        self.guideline_kinds = _Keyed((k.id, _any(k.patterns)) for k in genre.guideline_kinds if k.in_references)
        self.text_kinds = _Keyed((k.id, _any(k.patterns)) for k in genre.guideline_kinds)
        self._series = [re.compile(r"(?i:\b" + re.escape(s.name) + r")\W{0,3}\s*(?P<t>[A-Z][^.:]+?)\s*(?:\.|$)")
                        for s in genre.guideline_series]
        self._terms = {t.id: _any(t.patterns) for t in genre.terms}

    def term(self, name: str) -> re.Pattern:
        return self._terms[name]

    def section_kind(self, heading: str) -> str | None:
        """The kind a heading gives its section; numbering ("8.", "1.4", "I.") does not count."""
        heading = HEADING_NUMBER.sub("", HEADING_NUMBER.sub("", heading, count=1), count=1)  # "2. 1 Recommendations"
        return self._kinds.first(heading)

    def is_notice(self, heading: str) -> bool:
        return any(pattern.search(heading) for pattern in self._notices)

    def status_of(self, text: str) -> tuple[str, str] | None:
        """(status as worded, normalised status) of the first coverage position named in text."""
        found = self.status_match(text)
        return (found[0].group(0), found[1]) if found else None

    def status_match(self, text: str) -> tuple[re.Match, str] | None:
        """Where text names a coverage position, and its status: the first entry in the file's order that matches."""
        for (_, status), pattern in self._positions.candidates(text):
            match = pattern.search(text)
            if match:
                return match, status
        return None

    def may_name_position(self, text: str) -> bool:
        """False only where text names no coverage position, nor any part of it: a paragraph that holds none of
        the words positions need is not split into sentences to look at each."""
        return self._positions.may_match(text)

    def statuses_in(self, text: str) -> list[tuple[re.Match, str]]:
        """Every coverage position named in text, in order, none overlapping another: where two start together,
        the entry first in the file's order (the more specific wording) wins."""
        hits = sorted((m.start(), order, m, status)
                      for (order, status), pattern in self._positions.candidates(text) for m in pattern.finditer(text))
        found: list[tuple[re.Match, str]] = []
        for start, _, match, status in hits:
            if not found or start >= found[-1][0].end():
                found.append((match, status))
        return found

    def polarity(self, status: str) -> str | None:
        return self._polarity.get(status)

    def sites_of(self, text: str) -> set[str]:
        words = _LETTERS.findall(text.lower())
        words += [f"{a} {b}" for a, b in zip(words, words[1:]) if a in self._pair_heads]  # else a names what it does
        words = [word for word in words if word.startswith(self._stems)]  # few words name any site
        return {site for site, stems in self._sites for word in words if word.startswith(stems)}

    def series_topic(self, text: str) -> str | None:
        """The topic written after a guideline series' name: "... in Oncology: Kidney Cancer." -> "Kidney Cancer"."""
        for pattern in self._series:
            match = pattern.search(text)
            if match:
                return match.group("t")
        return None


@cache
def default_vocabulary() -> Vocabulary:
    """The repository's own vocabulary (data/curation/), for callers that do not pass one."""
    return Vocabulary(load_genre())
