"""What every extractor reads: the document, its blocks and sections, and where problems go."""
from __future__ import annotations

from dataclasses import dataclass, field

from .blocks import Block
from .document import Document
from .records import Problem
from .sections import Section
from .vocabulary import Vocabulary


@dataclass
class Context:
    doc: Document
    blocks: list[Block]
    sections: list[Section]
    section_of: dict[int, Section]  # keyed by the block's line number
    vocab: Vocabulary
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._position = {block.line: index for index, block in enumerate(self.blocks)}

    def section(self, block: Block) -> Section:
        return self.section_of[block.line]

    def position(self, block: Block) -> int:
        """Index of the block in `blocks`, in constant time (list.index would make callers quadratic)."""
        return self._position[block.line]

    def runs(self, kind: str) -> list[list[Block]]:
        """Consecutive runs of non-heading blocks standing in sections of one kind."""
        runs: list[list[Block]] = []
        current: list[Block] = []
        for block in self.blocks:
            if self.section(block).kind == kind:
                if block.kind != "heading":
                    current.append(block)
                continue
            if current:
                runs.append(current)
                current = []
        if current:
            runs.append(current)
        return runs

    def report(self, severity: str, code: str, line: int, message: str) -> None:
        self.problems.append(Problem(severity, code, self.doc.source, line, message))
