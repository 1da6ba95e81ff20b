"""Publish a policy in the parser's text form the way payers do: as a web page, a PDF or a Word file.

The tests convert these back with `kb add` and compare what the parser reads. The PDF has what
published PDFs have: a running header, a footer with "Page N of M", words hyphenated at line
ends, superscript citation markers, a table crossing a page break and a two-column page (the
references). The Word file has its header and footer in the page margins, as Word keeps them.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.convert.markup import Run  # the styled run the converters read, written here as a writer's input

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass
class Part:
    """A paragraph or list item inside a table cell."""

    kind: str  # "p" or "li"
    depth: int
    runs: list[Run]


@dataclass
class Block:
    kind: str  # "heading", "para", "item", "table"
    level: int = 0  # heading level, or an item's depth
    marker: str | None = None  # "•" or an enumerator as written ("IV.", "a)")
    runs: list[Run] = field(default_factory=list)
    rows: list[list[list[Part]]] = field(default_factory=list)


_TOKEN = re.compile(r"\*\*|\*|<sup>|</sup>|\^\{|<b>|</b>|<strong>|</strong>|<i>|</i>|<em>|</em>|"
                    r"\[([^\]]*)\]\([^)]*\)|<(https?://[^>\s]+)>|</?[A-Za-z][^<>]*>|\\([\\`*_{}\[\]()#+\-.!|])", re.I)


def inline(raw: str) -> list[Run]:
    """Runs of styled text from markdown emphasis and inline HTML."""
    runs: list[Run] = []
    bold = italic = sup = False
    brace_sup = False
    pos = 0

    def add(text: str) -> None:
        text = html.unescape(text)
        if text:
            runs.append(Run(text, bold, italic, sup))

    for match in _TOKEN.finditer(raw):
        chunk = raw[pos:match.start()]
        if brace_sup and "}" in chunk:
            head, tail = chunk.split("}", 1)
            add(head)
            sup = brace_sup = False
            add(tail)
        else:
            add(chunk)
        pos = match.end()
        token = match.group(0).lower()
        if token in ("**", "<b>", "</b>", "<strong>", "</strong>"):
            bold = not bold if token == "**" else not token.startswith("</")
        elif token in ("*", "<i>", "</i>", "<em>", "</em>"):
            italic = not italic if token == "*" else not token.startswith("</")
        elif token in ("<sup>", "</sup>"):
            sup = token == "<sup>"
        elif token == "^{":
            sup = brace_sup = True
        elif match.group(1) is not None:
            add(match.group(1))
        elif match.group(2):
            add(match.group(2))
        elif match.group(3):
            add(match.group(3))
    add(raw[pos:])
    merged: list[Run] = []
    for run in runs:
        if merged and (merged[-1].bold, merged[-1].italic, merged[-1].sup) == (run.bold, run.italic, run.sup):
            merged[-1].text += run.text
        else:
            merged.append(run)
    return merged


_CELL_TAG = re.compile(r"<(/?)(p|li|ul|ol|br)\b[^>]*>", re.I)


def cell_parts(raw: str) -> list[Part]:
    parts, depth, start, kind = [], 0, 0, "p"

    def flush(end: int) -> None:
        text = raw[start:end].strip()
        if re.sub(r"<[^>]+>", "", text).strip():
            parts.append(Part(kind, depth if kind == "li" else 0, inline(text)))

    for tag in _CELL_TAG.finditer(raw):
        flush(tag.start())
        closing, name = tag.group(1), tag.group(2).lower()
        if name in ("ul", "ol"):
            depth += -1 if closing else 1
            kind = "li" if depth and closing else "p"
        elif name == "li":
            kind = "p" if closing else "li"
        elif name == "p":
            kind = "p"
        start = tag.end()
    flush(len(raw))
    return parts


_ITEM = re.compile(r"^(?P<indent> *)(?:(?P<bullet>[-*+•▪◦])\s+)?(?P<enum>\(?(?:[IVXLC]{1,6}|[ivxlc]{1,6}|[A-Za-z]|"
                   r"\d{1,3})[.)])?(?(enum)\s+|)(?P<body>\S.*)$")


def read_seed(text: str) -> list[Block]:
    """The blocks a reader sees in a policy in the parser's text form."""
    blocks: list[Block] = []
    indents: list[int] = []
    for raw in text.split("\n"):
        line = raw.rstrip()
        if not line.strip():
            continue
        if re.match(r"^\s*\|(?:\s*:?-{3,}:?\s*\|)+\s*$", line):
            continue
        if "\t" in line.strip("\t ") or line.startswith("\t") or re.match(r"^\s*\|.*\|\s*$", line):
            cells = line.strip().strip("|").split("|") if "\t" not in line else line.split("\t")
            row = [cell_parts(cell) for cell in cells]
            if blocks and blocks[-1].kind == "table" and len(blocks[-1].rows[-1]) == len(row):
                blocks[-1].rows.append(row)
            else:
                blocks.append(Block("table", rows=[row]))
            continue
        heading = re.match(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if heading:
            blocks.append(Block("heading", len(heading.group(1)), runs=inline(heading.group(2))))
            indents = []
            continue
        item = _ITEM.match(line)
        if item and (item.group("bullet") or item.group("enum")):
            indent = len(item.group("indent"))
            if not blocks or blocks[-1].kind != "item":
                indents = []
            while indents and indents[-1] > indent:
                indents.pop()
            if not indents or indents[-1] < indent:
                indents.append(indent)
            body = line[item.start("body"):]
            if item.group("bullet") and item.group("enum"):
                body = f"{item.group('enum')} {body}"
            marker = "•" if item.group("bullet") else item.group("enum")
            blocks.append(Block("item", len(indents) - 1, marker, inline(body)))
            continue
        blocks.append(Block("para", runs=inline(line.strip())))
    return blocks


# HTML ---------------------------------------------------------------------------------------------

def _html_runs(runs: list[Run]) -> str:
    out = []
    for run in runs:
        text = html.escape(run.text, quote=False)
        if run.sup:
            text = f"<sup>{text}</sup>"
        if run.italic:
            text = f"<em>{text}</em>"
        if run.bold:
            text = f"<strong>{text}</strong>"
        out.append(text)
    return "".join(out)


def _ol_value(label: str) -> tuple[str, int] | None:
    core = label.strip("().")
    if core.isdigit():
        return "1", int(core)
    roman = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    if len(core) > 1 or core in "IVXivx":
        if all(c.upper() in roman for c in core):
            total = 0
            for i, c in enumerate(core.upper()):
                v = roman[c]
                total += -v if i + 1 < len(core) and roman[core[i + 1].upper()] > v else v
            if len(core) > 1 or core in "Ii":
                return ("I" if core.isupper() else "i"), total
    return ("A" if core.isupper() else "a"), ord(core.upper()) - 64


def _html_list(items: list[Block]) -> str:
    """Nested <ul> and <ol> (type and value as written), one list per depth and style."""
    out, open_tags = [], []  # (tag, type) per depth
    for item in items:
        enum = item.marker != "•" and item.marker.endswith(".")
        style, value = _ol_value(item.marker) if enum else ("", 0)
        kind = ("ol", style) if enum else ("ul", "")
        while len(open_tags) > item.level + 1:
            out.append(f"</li></{open_tags.pop()[0]}>")
        if len(open_tags) == item.level + 1 and open_tags[-1] != kind:
            out.append(f"</li></{open_tags.pop()[0]}>")
        if len(open_tags) == item.level + 1:
            out.append("</li>")
        while len(open_tags) < item.level + 1:
            out.append(f'<ol type="{style}">' if enum else "<ul>")
            open_tags.append(kind)
        text = _html_runs(item.runs)
        if enum:
            out.append(f'<li value="{value}">{text}')
        elif item.marker == "•":
            out.append(f"<li>{text}")
        else:
            out.append(f"<li>{html.escape(item.marker)} {text}")
    while open_tags:
        out.append(f"</li></{open_tags.pop()[0]}>")
    return "\n".join(out)


def _html_cell(parts: list[Part]) -> str:
    out, depth = [], 0
    for part in parts:
        target = part.depth if part.kind == "li" else 0
        while depth > target:
            out.append("</ul>")
            depth -= 1
        while depth < target:
            out.append('<ul style="list-style-type: none">')
            depth += 1
        tag = "li" if part.kind == "li" else "p"
        out.append(f"<{tag}>{_html_runs(part.runs)}</{tag}>")
    out += ["</ul>"] * depth
    return " ".join(out)


def to_html(blocks: list[Block], title: str) -> str:
    body, i = [], 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "heading":
            body.append(f"<h{block.level}>{_html_runs(block.runs)}</h{block.level}>")
        elif block.kind == "para":
            body.append(f"<p>{_html_runs(block.runs)}</p>")
        elif block.kind == "item":
            j = i
            while j < len(blocks) and blocks[j].kind == "item":
                j += 1
            body.append(_html_list(blocks[i:j]))
            i = j
            continue
        else:
            rows = "\n".join("<tr>" + "".join(f"<td>{_html_cell(cell)}</td>" for cell in row) + "</tr>"
                             for row in block.rows)
            body.append(f'<table border="1">\n<tbody>\n{rows}\n</tbody>\n</table>')
        i += 1
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
            f"{html.escape(title)}</title><style>body {{ font-family: sans-serif }}</style>"
            "<script>window.analytics = [];</script></head>\n<body>\n"
            "<header><a href=\"/\">Provider home</a> | <a href=\"/search\">Search policies</a></header>\n"
            "<nav><ul><li><a href=\"/a\">Medical policies A-Z</a></li><li><a href=\"/b\">Contact us</a></li></ul></nav>\n"
            "<main><article>\n" + "\n".join(body) + "\n</article></main>\n"
            "<footer><p>Site map | Accessibility | Privacy</p></footer>\n</body></html>\n")


# PDF ----------------------------------------------------------------------------------------------

_LONG_WORD = re.compile(r"\b([A-Za-z]{5})([a-z]{5,})\b")
_REFERENCES = re.compile(r"references|sources of information|bibliography", re.I)


def _soft_hyphens(text: str) -> str:
    """Long words may break at a line end with a hyphen, as typeset text does."""
    return _LONG_WORD.sub(lambda m: f"{m.group(1)}\u00ad{m.group(2)}", text)


def _plain(runs: list[Run]) -> str:
    return "".join(r.text for r in runs)


def to_pdf(blocks: list[Block], title: str, path: Path) -> None:
    from fpdf import FPDF, FontFace

    class Published(FPDF):
        def header(self):
            self.set_font("Sans", "", 8)
            self.set_xy(self.l_margin, 24)
            self.cell(0, 10, f"Medical Policy: {title}", align="L")
            self.set_xy(self.l_margin, 24)
            self.cell(0, 10, "Effective 01/01/2025", align="R")
            self.set_y(self.t_margin)

        def footer(self):
            self.set_font("Sans", "", 8)
            self.set_y(-36)
            self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Published(format="letter", unit="pt")
    pdf.set_margins(54, 54, 54)
    pdf.set_auto_page_break(True, margin=54)
    for style, name in (("", "DejaVuSans"), ("B", "DejaVuSans-Bold"), ("I", "DejaVuSans-Oblique"),
                        ("BI", "DejaVuSans-BoldOblique")):
        pdf.add_font("Sans", style, str(FONT_DIR / f"{name}.ttf"))
    pdf.add_page()
    size, leading = 10, 13

    def write_runs(runs: list[Run], bold: bool = False, target=None) -> None:
        for run in runs:
            pdf.set_font("Sans", ("B" if run.bold or bold else "") + ("I" if run.italic else ""), size)
            if run.sup and target is None:
                pdf.char_vpos = "SUP"
            text = run.text if run.sup else _soft_hyphens(run.text)
            if target:
                target.write(text=text)
            else:
                pdf.write(leading, text)
            pdf.char_vpos = "LINE"

    def item_block(block: Block) -> None:
        x = pdf.l_margin + 18 * block.level
        left = pdf.l_margin
        pdf.set_x(x)
        pdf.set_font("Sans", "", size)
        pdf.cell(18 if block.marker == "•" else 24, leading, block.marker)
        pdf.set_left_margin(pdf.get_x())
        write_runs(block.runs)
        pdf.set_left_margin(left)
        pdf.ln(leading + 3)

    def table(block: Block) -> None:
        width = max(len(row) for row in block.rows)
        pdf.set_font("Sans", "", 9)
        with pdf.table(col_widths=(1, 3) if width == 2 else None, text_align="LEFT", line_height=11,
                       first_row_as_headings=True, headings_style=FontFace(emphasis="BOLD")) as out:
            for row in block.rows:
                cells = out.row()
                for cell in row + [[]] * (width - len(row)):
                    lines = []
                    for part in cell:
                        text = _plain(part.runs).strip()
                        if part.kind == "li":
                            if not re.match(r"[•▪◦]\s", text):
                                text = "• " + text
                            text = "\u00a0" * (4 * (part.depth - 1)) + text
                        lines.append(text)
                    cells.cell("\n".join(lines))
        pdf.ln(6)

    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "heading":
            pdf.ln(4)
            pdf.set_font("Sans", "B", {1: 16, 2: 14, 3: 12.5, 4: 11.5, 5: 11, 6: 10.5}[block.level])
            pdf.multi_cell(0, 18, _plain(block.runs).strip().strip("*"))
            pdf.ln(4)
            if _REFERENCES.search(_plain(block.runs)):
                j = i + 1
                while j < len(blocks) and blocks[j].kind in ("item", "para"):
                    j += 1
                if j - i > 6:  # the references as a two-column page
                    with pdf.text_columns(ncols=2, gutter=18, text_align="LEFT") as columns:
                        for entry in blocks[i + 1:j]:
                            with columns.paragraph(bottom_margin=4) as paragraph:
                                if entry.kind == "item":
                                    pdf.set_font("Sans", "", size)
                                    paragraph.write(text=f"{entry.marker} ")
                                write_runs(entry.runs, target=paragraph)
                    i = j
                    continue
        elif block.kind == "para":
            pdf.set_x(pdf.l_margin)
            write_runs(block.runs)
            pdf.ln(leading + 6)
        elif block.kind == "item":
            item_block(block)
            if i + 1 < len(blocks) and blocks[i + 1].kind != "item":
                pdf.ln(3)
        else:
            table(block)
        i += 1
    pdf.output(str(path))


# Word ---------------------------------------------------------------------------------------------

def _field(paragraph, instruction: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    paragraph._p.append(field)


def _restarted_numbering(doc, start: int) -> int:
    """A new numbering instance of the "List Number" style's list, starting at `start`: Word's own
    numbering, restarted for each list as a document's lists are."""
    numbering = doc.part.numbering_part.numbering_definitions._numbering
    style_num = doc.styles["List Number"].element.pPr.numPr.numId.val
    abstract = next(n for n in numbering.findall(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}num") if n.numId == style_num).abstractNumId.val
    num = numbering.add_num(abstract)
    num.add_lvlOverride(ilvl=0).add_startOverride(start)
    return num.numId


def _docx_runs(paragraph, runs: list[Run]) -> None:
    for run in runs:
        out = paragraph.add_run(run.text)
        out.bold, out.italic = run.bold or None, run.italic or None
        out.font.superscript = run.sup or None


def to_docx(blocks: list[Block], title: str, path: Path) -> None:
    import docx
    from docx.shared import Inches

    doc = docx.Document()
    section = doc.sections[0]
    section.header.paragraphs[0].text = f"Medical Policy: {title}"
    footer = section.footer.paragraphs[0]
    footer.add_run("Page ")
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")
    list_num = None
    for i, block in enumerate(blocks):
        if block.kind == "heading":
            doc.add_heading(_plain(block.runs).strip().strip("*"), min(block.level, 9))
        elif block.kind == "para":
            _docx_runs(doc.add_paragraph(), block.runs)
        elif block.kind == "item":
            arabic = block.marker.rstrip(".").isdigit() and block.marker.endswith(".") and block.level == 0
            if arabic:  # Word numbers the item itself
                previous = blocks[i - 1] if i else None
                if list_num is None or previous is None or previous.kind != "item" or not (
                        previous.marker.rstrip(".").isdigit() and previous.level == 0):
                    list_num = _restarted_numbering(doc, int(block.marker.rstrip(".")))
                paragraph = doc.add_paragraph(style="List Number")
                num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
                num_pr.get_or_add_numId().val = list_num
                num_pr.get_or_add_ilvl().val = 0
                _docx_runs(paragraph, block.runs)
            elif block.marker == "•":
                paragraph = doc.add_paragraph(style="List Bullet" + (f" {min(block.level, 2) + 1}" if block.level else ""))
                _docx_runs(paragraph, block.runs)
            else:  # an enumerator typed as text, indented by hand
                paragraph = doc.add_paragraph()
                paragraph.paragraph_format.left_indent = Inches(0.5 * (block.level + 1))
                paragraph.paragraph_format.first_line_indent = Inches(-0.25)
                _docx_runs(paragraph, [Run(block.marker + " ")] + block.runs)
        else:
            width = max(len(row) for row in block.rows)
            table = doc.add_table(rows=0, cols=width)
            table.style = "Table Grid"
            for row in block.rows:
                cells = table.add_row().cells
                for cell, parts in zip(cells, row):
                    for n, part in enumerate(parts):
                        paragraph = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
                        runs = part.runs
                        if part.kind == "li":
                            text = _plain(runs).lstrip()
                            if not re.match(r"[•▪◦]\s", text):
                                runs = [Run("• ")] + runs
                            paragraph.paragraph_format.left_indent = Inches(0.25 * part.depth)
                        _docx_runs(paragraph, runs)
    doc.save(str(path))
