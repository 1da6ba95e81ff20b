"""The heading tree of a document: each block learns the section it stands in."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .blocks import Block
from .vocabulary import Vocabulary


@dataclass
class Section:
    number: int  # 1-based order of the heading in the document; 0 is the untitled front matter
    heading: str
    level: int
    line: int
    end_line: int
    parent: "Section | None"
    own_kind: str | None

    @cached_property  # every extractor asks it of every block's section; the tree is built once
    def kind(self) -> str:
        """The section's own kind, else its nearest titled ancestor's, else "narrative"."""
        section: Section | None = self
        while section is not None:
            if section.own_kind:
                return section.own_kind
            section = section.parent
        return "front" if self.number == 0 else "narrative"

    @property
    def path(self) -> str:
        parts, section = [], self
        while section is not None and section.number:
            parts.append(section.heading)
            section = section.parent
        return " > ".join(reversed(parts))


def build_sections(blocks: list[Block], n_lines: int, vocab: Vocabulary) -> tuple[list[Section], dict[int, Section]]:
    """Sections in document order, and the section of every block (keyed by line number)."""
    front = Section(0, "", 0, 1, n_lines, None, None)
    sections = [front]
    stack = [front]
    where: dict[int, Section] = {}
    for block in blocks:
        if block.kind == "heading":
            while len(stack) > 1 and stack[-1].level >= block.level:
                stack.pop().end_line = block.line - 1
            kind = vocab.section_kind(block.text)
            if kind == "policy" and stack[-1].kind == "codes":
                kind = None  # "When services are Not Medically Necessary:" over codes says the codes' status
            section = Section(len(sections), block.text, block.level, block.line, n_lines, stack[-1], kind)
            sections.append(section)
            stack.append(section)
        where[block.line] = stack[-1]
    for section in stack[1:]:
        section.end_line = n_lines
    return sections, where
