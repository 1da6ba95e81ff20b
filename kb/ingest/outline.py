"""Nest paragraphs and list items into an outline, the way a reader of a policy does.

Nesting follows the enumerators first (I. > A. > 1. > bullets), then indentation: converted
documents often lose indentation ("- E." at the margin after "  - D."), but an enumerator of a
style already open is a sibling of the item of that style, unless it opens a list of its own
(a "1." indented under "4."). Roman numerals and letters are told apart by sequence: "C"
after "B" is a letter, "V" after "IV" a numeral.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..text import roman_value
from .document import Document, Span
from .blocks import Block
from .markup import clean, html_fragments



@dataclass
class Unit:
    """A paragraph or list item from a line or from an HTML table cell."""

    kind: str  # "para" or "item"
    label: str | None
    indent: int
    raw: str
    span: Span

    @property
    def text(self) -> str:
        return clean(self.raw)

    @property
    def is_connective(self) -> bool:
        return self.kind == "para" and self.text.strip().lower() in ("or", "and", "and/or")


@dataclass(eq=False)
class Node:
    unit: Unit
    style: str  # "para", "bullet", "arabic", "alpha-upper", "alpha-lower", "roman-upper", "roman-lower"
    parent: "Node | None" = None
    children: list["Node"] = field(default_factory=list)
    connective: str | None = None  # "or" / "and" written between this node and its next sibling

    @property
    def text(self) -> str:
        return self.unit.text

    @property
    def label(self) -> str | None:
        return self.unit.label


def units_from_blocks(doc: Document, blocks: list[Block]) -> list[Unit]:
    """Paragraph and item units of blocks; table rows contribute one unit per cell paragraph or item."""
    units = []
    for block in blocks:
        if block.kind == "row":
            for cell in block.cells:
                for frag in html_fragments(cell.raw, cell.start):
                    kind = "item" if frag.kind == "li" else "para"
                    units.append(Unit(kind, None, frag.depth * 2, frag.raw, doc.span(block.line, frag.start, frag.end)))
        elif block.kind in ("item", "para"):
            kind = "item" if block.kind == "item" else "para"
            end = len(block.raw.rstrip())
            units.append(Unit(kind, block.label, block.indent, block.body, doc.span(block.line, block.start, end)))
    return units


def _style(unit: Unit, stack: list[Node]) -> str:
    label = unit.label
    if unit.kind == "para" and label is None:
        return "para"
    if label is None:
        return "bullet"
    if label.isdigit():
        return "arabic"
    case = "upper" if label.isupper() else "lower"
    roman = roman_value(label)
    if len(label) > 1:
        return f"roman-{case}"
    if roman is None:
        return f"alpha-{case}"
    for node in reversed(stack):  # the open sibling of either style decides
        if node.style == f"roman-{case}" and roman_value(node.label or "") == roman - 1:
            return f"roman-{case}"
        if node.style == f"alpha-{case}" and ord(node.label) + 1 == ord(label):
            return f"alpha-{case}"
    return f"roman-{case}" if label in "Ii" else f"alpha-{case}"


_FIRST_LABELS = ("1", "a", "A", "i", "I")


def build_outline(units: list[Unit]) -> list[Node]:
    """Root nodes in document order. Connective paragraphs (OR / AND) mark the sibling before them."""
    roots: list[Node] = []
    stack: list[Node] = []
    last: Node | None = None
    for unit in units:
        if unit.is_connective:
            if last is not None:
                last.connective = unit.text.strip().lower()
            continue
        node = Node(unit, _style(unit, stack))
        if node.style == "para":
            stack = []
        while stack:
            top = stack[-1]
            if top.style == "para":
                if unit.indent < top.unit.indent:  # an item left of the paragraph is not in its list
                    stack.pop()
                    continue
                break
            if top.style == node.style and node.style != "bullet":
                if unit.indent > top.unit.indent and node.label in _FIRST_LABELS:
                    break  # "1." indented under "4.": a list of the same style inside the item
                if unit.indent < top.unit.indent and any(n.style == node.style and n.unit.indent <= unit.indent
                                                         for n in stack[:-1]):
                    stack.pop()  # back out of the inner list to the outer one
                    continue
                stack.pop()
                break
            if top.style == node.style and top.unit.indent == unit.indent:
                stack.pop()
                break
            if node.style != "bullet" and any(n.style == node.style for n in stack):
                stack.pop()
                continue
            if unit.indent < top.unit.indent or (node.style == "bullet" and top.style == "bullet"
                                                  and unit.indent <= top.unit.indent):
                stack.pop()
                continue
            break
        if stack:
            node.parent = stack[-1]
            stack[-1].children.append(node)
        else:
            roots.append(node)
        stack.append(node)
        last = node
    return roots

