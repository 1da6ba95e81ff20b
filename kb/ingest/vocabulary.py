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


def _required(items) -> set[str] | None:
    """Words one of which every match of the parsed items holds, or None when no such set is worked out."""
    candidates, run = [], ""
    for op, av in [*items, (None, None)]:
        name = str(op)
        if name == "LITERAL":
            run += chr(av)
            continue
        if run:
            candidates.append({run})
            run = ""
        if name == "SUBPATTERN" and not av[1] and not av[2]:
            candidates.append(_required(av[3]))
        elif name == "BRANCH":
            found = [_required(branch) for branch in av[1]]
            candidates.append(None if None in found else set().union(*found))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and av[0] >= 1:
            candidates.append(_required(av[2]))
    candidates = [c for c in candidates if c]
    return max(candidates, key=lambda words: min(map(len, words))) if candidates else None


def _required_words(pattern: re.Pattern) -> tuple[str, ...] | None:
    """Lower-case words one of which every match of a case-blind pattern holds, for a quick look at ASCII text
    (where case-blind matching is plain lower-casing); None when they cannot be told."""
    words = _required(re._parser.parse(pattern.pattern, pattern.flags))
    if not (pattern.flags & re.I) or not words or not all(word.isascii() for word in words):
        return None
    return tuple(sorted(word.lower() for word in words))


class _Quick:
    """A case-blind pattern that first looks for a word each of its matches holds, in ASCII text (where that is
    exactly the regex's case-blind matching): most text the parser reads names none, and a substring test costs
    far less than the regex's alternatives."""

    def __init__(self, pattern: re.Pattern):
        self._pattern = _guarded(pattern)
        words = _required_words(pattern)
        # the words as one case-sensitive alternation of literals, which the regex engine scans for at C speed
        self._words = re.compile("|".join(map(re.escape, words))) if words else None

    def search(self, text: str) -> re.Match | None:
        if self._words and text.isascii() and not self._words.search(text.lower()):
            return None
        return self._pattern.search(text)


class Vocabulary:
    """Matchers built from the genre's reviewed words."""

    def __init__(self, genre: Genre):
        missing = [t for t in _NEEDED_TERMS if t not in {term.id for term in genre.terms}]
        if missing:
            raise CurationError(f"terms.yml: no entry for {', '.join(missing)}, which the parser needs")
        self._kinds = [(s.id, _Quick(_any(s.patterns))) for s in genre.sections if s.role != "notice"]
        self.closing_kinds = tuple(s.id for s in genre.sections if s.role == "closing")
        self.end_matter_kinds = self.closing_kinds + tuple(s.id for s in genre.sections if s.role == "end-matter")
        self._notices = [_any(s.patterns) for s in genre.sections if s.role == "notice"]
        self._positions = [(p, [_guarded(re.compile(x, re.I)) for x in p.patterns]) for p in genre.positions]
        self._any_position = _Quick(_any([x for p in genre.positions for x in p.patterns]))  # most text names none
        self._polarity = {p.status: p.polarity for p in genre.positions}
        self._sites = [(s.id, tuple(s.stems)) for s in genre.sites]
        self._stems = tuple(stem for _, stems in self._sites for stem in stems)
        self.guideline_kinds = [(k.id, _Quick(_any(k.patterns))) for k in genre.guideline_kinds if k.in_references]
        self.text_kinds = [(k.id, _Quick(_any(k.patterns))) for k in genre.guideline_kinds]
        self._series = [re.compile(r"(?i:\b" + re.escape(s.name) + r")\W{0,3}\s*(?P<t>[A-Z][^.:]+?)\s*(?:\.|$)")
                        for s in genre.guideline_series]
        self._terms = {t.id: _any(t.patterns) for t in genre.terms}

    def term(self, name: str) -> re.Pattern:
        return self._terms[name]

    def section_kind(self, heading: str) -> str | None:
        """The kind a heading gives its section; numbering ("8.", "1.4", "I.") does not count."""
        heading = HEADING_NUMBER.sub("", HEADING_NUMBER.sub("", heading, count=1), count=1)  # "2. 1 Recommendations"
        return next((kind for kind, pattern in self._kinds if pattern.search(heading)), None)

    def is_notice(self, heading: str) -> bool:
        return any(pattern.search(heading) for pattern in self._notices)

    def status_of(self, text: str) -> tuple[str, str] | None:
        """(status as worded, normalised status) of the first coverage position named in text."""
        found = self.status_match(text)
        return (found[0].group(0), found[1]) if found else None

    def status_match(self, text: str) -> tuple[re.Match, str] | None:
        """Where text names a coverage position, and its status: the first entry in the file's order that matches."""
        for position, patterns in self._positions:
            for pattern in patterns:
                match = pattern.search(text)
                if match:
                    return match, position.status
        return None

    def statuses_in(self, text: str) -> list[tuple[re.Match, str]]:
        """Every coverage position named in text, in order, none overlapping another: where two start together,
        the entry first in the file's order (the more specific wording) wins."""
        if not self._any_position.search(text):
            return []
        hits = sorted((m.start(), order, m, position.status)
                      for order, (position, patterns) in enumerate(self._positions)
                      for pattern in patterns for m in pattern.finditer(text))
        found: list[tuple[re.Match, str]] = []
        for start, _, match, status in hits:
            if not found or start >= found[-1][0].end():
                found.append((match, status))
        return found

    def polarity(self, status: str) -> str | None:
        return self._polarity.get(status)

    def sites_of(self, text: str) -> set[str]:
        words = re.findall(r"[a-z]+", text.lower())
        words += [f"{a} {b}" for a, b in zip(words, words[1:])]
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
