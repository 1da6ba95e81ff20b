"""What every converter returns: lines of the parser's text form, each with its place in the original."""
from __future__ import annotations

from dataclasses import dataclass, field


class ConvertError(Exception):
    """The original cannot be used; the message is one line naming the file and the reason."""


@dataclass(frozen=True)
class Line:
    """One line the parser reads (a heading, paragraph, list item or table row) and where it came from."""

    text: str
    origin: str  # "page 3", "/html/body/div[2]/p[4] (line 120)", "paragraph 37", "line 12"
    kind: str = "para"  # "heading", "para", "item", "row", or "raw" (text kept as written, blank lines too)


@dataclass
class Converted:
    kind: str  # "pdf", "html", "docx" or "text"
    lines: list[Line]
    notes: list[str] = field(default_factory=list)  # what was removed or is doubtful, one line each

    def text_and_origins(self) -> tuple[str, list[str | None]]:
        """The text (blank lines between blocks, none inside a list or table) and each line's origin."""
        out: list[str] = []
        origins: list[str | None] = []
        previous = None
        for line in self.lines:
            if previous is not None and not (line.kind == previous.kind and line.kind in ("item", "row", "raw")):
                out.append("")
                origins.append(None)
            out.append(line.text)
            origins.append(line.origin if line.text.strip() else None)
            previous = line
        raw = self.lines and self.lines[-1].kind == "raw"  # text kept as written ends as it ended
        return "\n".join(out) + ("" if raw else "\n"), origins
