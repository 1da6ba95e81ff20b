"""A policy document as text with line numbers, and the provenance every record carries."""
from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from ..text import line_offsets, plain_typography

_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


MAX_DOCUMENT_BYTES = 5_000_000  # 5 MB: a policy is tens of kB; parsing takes about 3 s per MB


class DocumentError(Exception):
    """A document that cannot be read as a policy at all, with the file and line to look at."""

    def __init__(self, source: str, line: int, message: str):
        super().__init__(f"{source}:{line}: {message}")
        self.source, self.line, self.message = source, line, message


@dataclass(frozen=True)
class Span:
    """Where a fact came from: 1-based line range and 0-based character offsets into the text."""

    line_start: int
    line_end: int
    char_start: int
    char_end: int

    def union(self, other: "Span") -> "Span":
        return Span(
            min(self.line_start, other.line_start),
            max(self.line_end, other.line_end),
            min(self.char_start, other.char_start),
            max(self.char_end, other.char_end),
        )


class Document:
    """Decoded text of one file, with the offset where each line starts.

    The text is read with plain typography (kb.text.plain_typography): a curly quote or a no-break
    space means what its plain form means, and offsets are unchanged. `typography` counts the
    characters read so, for the report.
    """

    def __init__(self, source: str, text: str, sha256: str):
        self.source = source
        self.text = plain_typography(text)
        # plain_typography changes only characters outside ASCII: only those are compared, where it changed any
        self.typography = 0 if self.text == text else sum(text[m.start()] != self.text[m.start()]
                                                          for m in _NOT_ASCII.finditer(text))
        self.sha256 = sha256
        self.lines = self.text.split("\n")
        self._offsets = line_offsets(self.lines)

    @classmethod
    def load(cls, path: Path, source: str | None = None) -> "Document":
        source = source or str(path)
        with path.open("rb") as file:
            data = file.read(MAX_DOCUMENT_BYTES + 1)  # never more: a huge file is refused unread
        if len(data) > MAX_DOCUMENT_BYTES:
            size = max(path.stat().st_size, len(data))
            raise DocumentError(source, 1, f"too large: {size / 1e6:.1f} MB ({size:,} bytes); the limit is "
                                f"{MAX_DOCUMENT_BYTES / 1e6:g} MB")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise DocumentError(source, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
                                ) from None
        text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            raise DocumentError(source, 1, f"empty document ({len(data)} bytes, no text)")
        nul = text.find("\0")
        if nul >= 0:
            line_start = text.rfind("\n", 0, nul) + 1
            raise DocumentError(source, text.count("\n", 0, nul) + 1, f"NUL byte at column {nul - line_start + 1}: "
                                f"a text document has none (the file is binary, UTF-16 or damaged)")
        return cls(source, text, hashlib.sha256(data).hexdigest())

    def line(self, number: int) -> str:
        return self.lines[number - 1]

    def offset(self, line: int, column: int = 0) -> int:
        return self._offsets[line - 1] + column

    def line_at(self, offset: int) -> int:
        """The line holding the character at offset (a line's break counts as its own)."""
        return bisect_right(self._offsets, offset)

    def span(self, line: int, col_start: int, col_end: int, end_line: int | None = None) -> Span:
        """Columns count on from the line's start, past its end into the lines after it: a block read over
        several lines (a wrapped paragraph) gives columns into its text, and the lines follow from them."""
        start, end = self.offset(line, col_start), self.offset(end_line or line, col_end)
        first = self.line_at(start)
        last = max(end_line or first, self.line_at(max(start, end - 1)))
        return Span(first, last, start, end)

    def line_span(self, first: int, last: int) -> Span:
        return self.span(first, 0, len(self.line(last)), end_line=last)

    def slice(self, span: Span) -> str:
        return self.text[span.char_start : span.char_end]
