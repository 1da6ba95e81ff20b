"""Who issues a policy, as the document itself says it: a phrase and the line it stands on.

Only statements that name an issuer count: a copyright line ("© 2025 Premera") or a licensee
statement ("X is an Independent Licensee of the Blue Cross and Blue Shield Association"). A
document that makes neither is "not named": the issuer is never guessed from a web address,
a file name or outside knowledge.
"""
from __future__ import annotations

import re

from ..curation import Issuer

_NAME = r"(?P<name>[A-Z][\w&.'’-]*(?: (?:of|and|the|&|[A-Z][\w&.'’-]*))*)"
_PATTERNS = [
    re.compile(_NAME + r",? (?i:is )?(?i:an? independent licensees? of the Blue Cross)"),
    re.compile(r"(?i:©|\(c\)|copyright)\s*(?:©\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?,?\s*)?(?i:by\s+)?" + _NAME),
]
_NOT_NAMED = ("not named: the document has no copyright line and no licensee statement naming its issuer")


def find_issuer(lines: list[str], given: str | None = None) -> tuple[Issuer, list[str]]:
    """The issuer the document names (or `given`, where the document names it), and any doubts."""
    if given:
        for number, line in enumerate(lines, start=1):
            if given.lower() in line.lower():
                start = line.lower().index(given.lower())
                name = line[start:start + len(given)]
                return Issuer(name, _evidence(line, start, start + len(given)), number), []
        return (Issuer(None, note=f"{_NOT_NAMED}; --issuer {given!r} was given, but the document never names it"),
                [f"--issuer {given!r} does not appear in the document, so it is not recorded as the issuer"])
    for number, line in enumerate(lines, start=1):
        for pattern in _PATTERNS:
            match = pattern.search(line)
            if match and match.group("name").lower() not in ("all", "the", "this"):
                name = match.group("name").rstrip(".,")
                name = re.sub(r"\s+(?:All Rights Reserved|Inc|LLC)\.?$", "", name, flags=re.I).strip()
                return Issuer(name, _evidence(line, match.start(), match.end()), number), []
    return Issuer(None, note=_NOT_NAMED), ["the document does not name its issuer (give --issuer NAME if it does)"]


def _evidence(line: str, start: int, end: int) -> str:
    """The phrase that names the issuer, as it stands on its line (a reviewer finds it there)."""
    begin = max(line.rfind(". ", 0, start) + 2 if line.rfind(". ", 0, start) >= 0 else 0, start - 80)
    stop = line.find(". ", end)
    stop = len(line) if stop < 0 or stop > end + 80 else stop + 1
    return line[begin:stop].strip()
