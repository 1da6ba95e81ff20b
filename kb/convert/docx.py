"""A policy published as a Word file (.docx), read with python-docx in document order.

Heading styles become `#` lines. A numbered or bulleted paragraph gets its marker from Word's
numbering definitions (format, level text, start and restarts), counted as Word counts; a
paragraph that types its own enumerator is nested by its indentation. Tables become tab rows,
their cells' paragraphs and bullets kept as <p> and <li>. Runs keep bold, italic and
superscript. Headers and footers live apart from the body in a Word file, so they never enter.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from ..text import to_roman
from .markup import Run, cell_text, markup
from .model import Converted, ConvertError, Line

_TYPED_BULLET = re.compile(r"^\s*[•▪◦‣●○■□–]\s")
_TYPED_MARKER = re.compile(r"^\s*(?:[•▪◦‣●○■□–]\s+|\(?(?:[IVXLC]{1,6}|[ivxlc]{1,6}|[A-Za-z]|\d{1,3})[.)]\s)")
_EMU_PER_LEVEL = 457200  # half an inch: the indentation step of Word's list levels


def _format(number: int, fmt: str) -> str:
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("upperRoman", "lowerRoman"):
        roman = to_roman(number)
        return roman.upper() if fmt == "upperRoman" else roman
    return str(number)


class _Numbering:
    """Word's list numbering: which marker each numbered paragraph shows, counted in document order."""

    def __init__(self, document):
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}  # (numId, ilvl) -> (format, text, start)
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        abstract = {a.get(qn("w:abstractNumId")): a for a in root.findall(qn("w:abstractNum"))}
        for num in root.findall(qn("w:num")):
            num_id = num.get(qn("w:numId"))
            ref = num.find(qn("w:abstractNumId"))
            definition = abstract.get(ref.get(qn("w:val"))) if ref is not None else None
            overrides = {o.get(qn("w:ilvl")): o for o in num.findall(qn("w:lvlOverride"))}
            for lvl in definition.findall(qn("w:lvl")) if definition is not None else []:
                ilvl = lvl.get(qn("w:ilvl"))
                fmt = lvl.find(qn("w:numFmt"))
                text = lvl.find(qn("w:lvlText"))
                start = lvl.find(qn("w:start"))
                start_value = int(start.get(qn("w:val"))) if start is not None else 1
                override = overrides.get(ilvl)
                restart = override.find(qn("w:startOverride")) if override is not None else None
                if restart is not None:
                    start_value = int(restart.get(qn("w:val")))
                self.levels[(num_id, int(ilvl))] = (fmt.get(qn("w:val")) if fmt is not None else "decimal",
                                                    text.get(qn("w:val")) if text is not None else "%1.",
                                                    start_value)

    def marker(self, paragraph: Paragraph) -> tuple[str, int] | None:
        """The marker Word shows before a numbered paragraph ("- " for a bullet), and its level."""
        num_pr = _num_pr(paragraph)
        if num_pr is None:
            return None
        num_id, ilvl = num_pr
        if num_id == "0" or (num_id, ilvl) not in self.levels:
            return None
        fmt, text, _ = self.levels[(num_id, ilvl)]
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, self.levels[(num_id, ilvl)][2] - 1) + 1
        for deeper in [level for level in counters if level > ilvl]:
            del counters[deeper]
        if fmt == "bullet" or fmt == "none":
            return "- ", ilvl
        label = re.sub(r"%(\d)", lambda m: _format(counters.get(int(m.group(1)) - 1, self.levels.get(
            (num_id, int(m.group(1)) - 1), ("decimal", "", 1))[2]), self.levels.get(
            (num_id, int(m.group(1)) - 1), (fmt,))[0]), text)
        return label.strip() + " ", ilvl


def _num_pr(paragraph: Paragraph) -> tuple[str, int] | None:
    """The paragraph's numbering (numId, level), its own or its style's."""
    for holder in (paragraph._p.pPr, getattr(paragraph.style, "element", None)):
        if holder is None:
            continue
        pPr = holder if holder.tag == qn("w:pPr") else holder.find(qn("w:pPr"))
        num_pr = pPr.find(qn("w:numPr")) if pPr is not None else None
        if num_pr is not None and num_pr.find(qn("w:numId")) is not None:
            ilvl = num_pr.find(qn("w:ilvl"))
            return num_pr.find(qn("w:numId")).get(qn("w:val")), int(ilvl.get(qn("w:val"))) if ilvl is not None else 0
    return None


def _runs(paragraph: Paragraph) -> list[Run]:
    return [Run(run.text, bool(run.bold), bool(run.italic), bool(run.font.superscript)) for run in paragraph.runs
            if run.text]


def _depth(paragraph: Paragraph) -> int:
    indent = paragraph.paragraph_format.left_indent
    return max(0, round((indent or 0) / _EMU_PER_LEVEL) - 1)


def _heading_level(paragraph: Paragraph) -> int | None:
    name = paragraph.style.name if paragraph.style is not None else ""
    if name == "Title":
        return 1
    match = re.fullmatch(r"Heading (\d)", name)
    return int(match.group(1)) if match else None


class _Reader:
    def __init__(self, document):
        self.numbering = _Numbering(document)
        self.lines: list[Line] = []

    def paragraph(self, paragraph: Paragraph, origin: str) -> None:
        text = markup(_runs(paragraph))
        level = _heading_level(paragraph)
        marker = self.numbering.marker(paragraph)
        if not text.strip("* "):
            return
        if level:
            self.lines.append(Line(f"{'#' * level} {text.strip('*').strip()}", origin, "heading"))
        elif marker:
            self.lines.append(Line("  " * marker[1] + marker[0] + text, origin, "item"))
        elif _TYPED_MARKER.match(text):
            self.lines.append(Line("  " * _depth(paragraph) + text.lstrip(), origin, "item"))
        else:
            self.lines.append(Line(text, origin, "para"))

    def table(self, table: Table, origin: str) -> None:
        for number, row in enumerate(table.rows, start=1):
            seen, cells = set(), []
            for cell in row.cells:
                if id(cell._tc) in seen:  # a merged cell is returned once per grid column it spans
                    continue
                seen.add(id(cell._tc))
                parts = []
                for paragraph in cell.paragraphs:
                    text = markup(_runs(paragraph))
                    if not text.strip():
                        continue
                    marker = self.numbering.marker(paragraph)
                    if marker or _TYPED_BULLET.match(text):  # a cell's list items are its bullets
                        indent = paragraph.paragraph_format.left_indent or 0
                        depth = marker[1] + 1 if marker else max(1, round(indent / (_EMU_PER_LEVEL // 2)))
                        parts.append(("li", depth, text))
                    else:
                        parts.append(("p", 0, text))
                cells.append(cell_text(parts))
            if any(c.strip() for c in cells):
                self.lines.append(Line("\t".join(cells), f"{origin}, row {number}", "row"))


def convert_docx(path: Path) -> Converted:
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ConvertError(f"{path}: not a readable Word (.docx) file ({exc})") from None
    reader = _Reader(document)
    paragraphs = tables = 0
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            paragraphs += 1
            reader.paragraph(Paragraph(child, document), f"paragraph {paragraphs}")
        elif child.tag == qn("w:tbl"):
            tables += 1
            reader.table(Table(child, document), f"table {tables}")
    if not reader.lines:
        raise ConvertError(f"{path}: the Word file holds no text in its body")
    return Converted("docx", reader.lines)
