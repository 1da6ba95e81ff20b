"""A policy published as PDF, read from its text layer with pdfplumber, page by page.

Characters are grouped into visual lines, and a line into segments where a gap wider than two
ems splits it (columns, borderless table cells). Then, by layout alone:
- the running header and footer and the page numbers go (furniture.py);
- a page whose lines fall on either side of one gutter is read column by column;
- ruled tables become tab-separated rows, their cells' paragraphs and bullets kept as <p> and
  <li>; a table continued on the next page under a repeated header row loses the repeat;
- a line larger than the body text is a heading, its level the rank of its size;
- a line opening with a bullet or an enumerator starts a list item, nested by its indentation;
- a paragraph's lines are joined, and so are words hyphenated at a line's end;
- a character smaller than its line and raised above its baseline is a superscript, <sup>.
An encrypted file, or one without a text layer (a scan), is refused: nothing is guessed by OCR.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber

from .furniture import join_lines, strip_furniture, vocabulary
from .markup import Run, cell_text, markup
from .model import Converted, ConvertError, Line

_MARKER = re.compile(r"^(?:[•▪◦‣●○■□–]|[-*](?=\s))\s*|^\(?(?:[IVXLC]{1,6}|[ivxlc]{1,6}|[A-Za-z]|\d{1,3})[.)]\s")
_BULLET = re.compile(r"^(?:[•▪◦‣●○■□–]|[-*](?=\s))\s*")


@dataclass
class Seg:
    """Text on one visual line, within one column or cell: its runs and its box."""

    runs: list[Run]
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int
    first_word: float = 0.0  # width of its first word: would it have fitted on the line above?
    column: int = 0  # 0: full width; 1 and 2: left and right of a gutter

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Table:
    rows: list[str]
    top: float
    page: int


@dataclass
class Block:
    kind: str  # "heading", "para", "item"
    segs: list[Seg] = field(default_factory=list)
    level: int = 0
    depth: int = 0


def _style(char: dict) -> tuple[bool, bool]:
    font = char.get("fontname", "").lower()
    return (any(w in font for w in ("bold", "black", "heavy", "semibold", "demi")),
            any(w in font for w in ("italic", "oblique")))


def _visual_lines(chars: list[dict]) -> list[list[dict]]:
    """Characters grouped into lines: a character joins the line its box overlaps by half its height."""
    lines: list[list[dict]] = []
    boxes: list[list[float]] = []
    for char in sorted(chars, key=lambda c: (c["bottom"], c["x0"])):
        height = max(char["bottom"] - char["top"], 0.1)
        home = None
        for line, box in zip(reversed(lines), reversed(boxes)):
            if min(box[1], char["bottom"]) - max(box[0], char["top"]) >= 0.5 * height:
                home = (line, box)
                break
            if box[1] < char["top"] - 2 * height:  # lines further up cannot reach down here
                break
        if home is None:
            lines.append([char])
            boxes.append([char["top"], char["bottom"], char["size"]])
            continue
        line, box = home
        line.append(char)
        if char["size"] >= box[2] * 0.95:
            box[0], box[1], box[2] = min(box[0], char["top"]), max(box[1], char["bottom"]), char["size"]
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def _segments(line: list[dict], page: int) -> list[Seg]:
    """A visual line cut where a gap wider than two ems stands (a gutter or a cell boundary)."""
    sizes = Counter(round(c["size"], 1) for c in line if c["text"].strip())
    main = sizes.most_common(1)[0][0] if sizes else round(line[0]["size"], 1)
    body = [c["bottom"] for c in line if abs(c["size"] - main) < 0.6 and c["text"].strip()]
    baseline = max(body) if body else max(c["bottom"] for c in line)
    groups: list[list[dict]] = [[]]
    last = None
    for char in line:
        if not char["text"].strip():
            groups[-1].append(char)
            continue
        if last is not None and char["x0"] - last["x1"] > max(2 * main, 15):
            groups.append([])
        groups[-1].append(char)
        last = char
    segs = []
    for group in groups:
        runs: list[Run] = []
        previous = None
        for char in group:
            text = char["text"]
            if not text.strip():
                text = " "
            elif previous is not None and char["x0"] - previous["x1"] > 0.2 * main and previous["text"].strip():
                text = " " + text
            sup = char["size"] < 0.85 * main and char["bottom"] < baseline - 0.15 * main
            bold, italic = _style(char)
            if runs and (runs[-1].bold, runs[-1].italic, runs[-1].sup) == (bold, italic, sup) or (
                    runs and not text.strip()):
                runs[-1].text += text
            else:
                runs.append(Run(text, bold, italic, sup))
            previous = char
        visible = [c for c in group if c["text"].strip()]
        if not visible:
            continue
        cut = next((i for i in range(1, len(visible)) if visible[i]["x0"] - visible[i - 1]["x1"] > 0.2 * main),
                   len(visible))
        words = visible[:cut]
        segs.append(Seg(_tidy(runs), visible[0]["x0"], visible[-1]["x1"], min(c["top"] for c in visible),
                        max(c["bottom"] for c in visible), main, page, words[-1]["x1"] - words[0]["x0"]))
    # a lone bullet or enumerator before its text's cell belongs to that text
    merged: list[Seg] = []
    for seg in segs:
        if merged and _MARKER.match(merged[-1].text.strip() + " ") and len(merged[-1].text.strip()) <= 4 \
                and not merged[-1].text.strip()[:-1].isdigit() or (merged and merged[-1].text.strip() in "•▪◦‣●○■□–"
                                                                      and merged[-1].text.strip()):
            merged[-1].runs = merged[-1].runs + [Run(" ", False, False, False)] + seg.runs
            merged[-1].x1 = seg.x1
        else:
            merged.append(seg)
    return merged


def _tidy(runs: list[Run]) -> list[Run]:
    out = [r for r in runs if r.text]
    for run in out:
        run.text = re.sub(r"\s+", " ", run.text)
    return out


def _open(path: Path):
    try:
        return pdfplumber.open(path)
    except Exception as exc:  # pdfminer wraps what it meets in several exception types
        cause = exc.__cause__ or (exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc)
        name = type(cause).__name__ + " " + type(exc).__name__
        if "Password" in name or "Encrypt" in name or "password" in str(exc).lower():
            raise ConvertError(f"{path}: encrypted: the PDF needs a password to be read; save an unprotected "
                               f"copy") from None
        raise ConvertError(f"{path}: not a readable PDF ({str(cause) or type(cause).__name__})") from None


def _cell_text(chars: list[dict], right: float, page: int, words: Counter) -> str:
    """A table cell's lines as the parser's cell text: one paragraph plain, several as <p> and <li>."""
    segs = [s for line in _visual_lines(chars) for s in _segments(line, page)]
    if not segs:
        return ""
    left = min(s.x0 for s in segs)
    parts: list[list] = []  # [kind, depth, text, last seg]
    for seg in segs:
        text = markup(seg.runs)
        bullet = _BULLET.match(seg.text.strip())
        if bullet:
            depth = 1 + round((seg.x0 - left) / (seg.size * 1.2))
            parts.append(["li", depth, text, seg])
        elif parts and seg.first_word > right - parts[-1][3].x1 - seg.size:
            parts[-1][2] = join_lines(parts[-1][2], text, words)
            parts[-1][3] = seg
        else:
            parts.append(["p", 0, text, seg])
    return cell_text([(kind, depth, text) for kind, depth, text, _ in parts])


def _tables(page, detected: list, words: Counter, number: int) -> list[Table]:
    """The rows of the tables pdfplumber detected on the page (`detected`: page.find_tables())."""
    found = []
    for table in detected:
        cells_rows = []
        for row in table.rows:
            cells = []
            for box in row.cells:
                if box is None:
                    continue
                x0, top, x1, bottom = box
                inside = [c for c in page.chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1
                          and top <= (c["top"] + c["bottom"]) / 2 <= bottom]
                cells.append(_cell_text(inside, x1, number, words))
            if len(cells) >= 2 and any(cells):
                cells_rows.append("\t".join(cells))
        if cells_rows:
            found.append(Table(cells_rows, table.bbox[1], number))
    return found


def _columns(rows: list[list[Seg]]) -> list[list[Seg]]:
    """Rows of a page in reading order: where rows fall on either side of one gutter, the left
    column's lines come before the right column's; a row split elsewhere keeps its segments."""
    segs = [s for row in rows for s in row]
    if not segs:
        return rows
    left, right = min(s.x0 for s in segs), max(s.x1 for s in segs)
    gaps = Counter()
    for row in rows:
        for a, b in zip(row, row[1:]):
            for x in range(int(a.x1) + 1, int(b.x0)):
                if left + 0.3 * (right - left) <= x <= left + 0.7 * (right - left):
                    gaps[x] += 1
    if not gaps:
        return rows
    gutter = max(gaps, key=lambda x: (gaps[x], -abs(x - (left + right) / 2)))
    side = ["cross" if any(s.x0 < gutter < s.x1 for s in row) else "cols" for row in rows]
    out: list[list[Seg]] = []
    i = 0
    while i < len(rows):
        if side[i] == "cross":
            out.append(rows[i])
            i += 1
            continue
        j = i
        while j < len(rows) and side[j] == "cols":
            j += 1
        run = rows[i:j]
        lefts = [s for row in run for s in row if s.x1 <= gutter]
        rights = [s for row in run for s in row if s.x0 >= gutter]
        wide_left = sorted(s.x1 - s.x0 for s in lefts)
        wide_right = sorted(s.x1 - s.x0 for s in rights)
        columns = (lefts and rights and len(run) >= 2  # text columns are full: cells of a table are not
                   and wide_left[len(wide_left) * 3 // 4] >= 0.7 * (gutter - left)
                   and wide_right[len(wide_right) * 3 // 4] >= 0.7 * (right - gutter))
        if columns:
            for seg in lefts:
                seg.column = 1
            for seg in rights:
                seg.column = 2
            out += [[s] for s in lefts] + [[s] for s in rights]
        else:
            out += run
        i = j
    return out


def _pages(pdf, path: Path, words: Counter) -> tuple[list[list], list[str]]:
    pages, images = [], 0
    for number, page in enumerate(pdf.pages, start=1):
        detected = page.find_tables()  # pdfplumber's slowest step: once a page
        tables = _tables(page, detected, words, number)
        boxes = [t.bbox for t in detected] if tables else []
        chars = [c for c in page.chars if c.get("upright", True) and not any(
            x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
            for x0, top, x1, bottom in boxes)]
        rows = [_segments(line, number) for line in _visual_lines(chars)]
        items: list = sorted([r for r in rows if r] + tables, key=lambda r: r.top if isinstance(r, Table) else r[0].top)
        pages.append(items)
        images += bool(page.images) and not page.chars
    if not any(page for page in pages):
        if images:
            raise ConvertError(f"{path}: no text layer: its {len(pdf.pages)} page(s) are images (a scan?); "
                               f"OCR is not attempted, so nothing can be read")
        raise ConvertError(f"{path}: no text: its {len(pdf.pages)} page(s) hold no characters")
    return pages, ([f"pages {', '.join(map(str, range(1, len(pdf.pages) + 1)))} hold images only"]
                   if images else [])


def _row_text(item) -> str:
    return "" if isinstance(item, Table) else " ".join(s.text for s in item)


def convert_pdf(path: Path) -> Converted:
    with _open(path) as pdf:
        try:
            words = vocabulary([page.extract_text() or "" for page in pdf.pages])
            pages, notes = _pages(pdf, path, words)
        except ConvertError:
            raise
        except Exception as exc:  # a damaged page: say which file, never a traceback
            raise ConvertError(f"{path}: cannot read the PDF's text: {exc}") from None
    pages, removed = strip_furniture(pages, _row_text)
    return Converted("pdf", _Writer(words).lines(pages), removed + notes)


class _Writer:
    """The page items in reading order, as the parser's lines."""

    def __init__(self, words: Counter):
        self.words = words
        self.out: list[Line] = []

    def lines(self, pages: list[list]) -> list[Line]:
        stream = []
        for page in pages:
            rows = [item for item in page if not isinstance(item, Table)]
            tables = [t for t in page if isinstance(t, Table)]
            for row in _columns(rows):  # a table keeps its place among the full-width rows by its top
                while tables and tables[0].top < row[0].top:
                    stream.append(tables.pop(0))
                stream.append(row)
            stream += tables
        segs = [s for item in stream if not isinstance(item, Table) for s in item]
        sizes = Counter()
        for seg in segs:
            sizes[round(seg.size, 1)] += len(seg.text)
        body = sizes.most_common(1)[0][0] if sizes else 10
        heading_sizes = sorted({round(s.size, 1) for s in segs if s.size > body * 1.1}, reverse=True)[:6]
        self.level = {size: n for n, size in enumerate(heading_sizes, start=1)}
        self.body = body
        self.stops = self._indent_stops(segs)
        self.right = {}
        for seg in segs:
            key = (seg.page, seg.column)
            self.right[key] = max(self.right.get(key, 0), seg.x1)
        self._write(stream)
        return self.out

    def _indent_stops(self, segs: list[Seg]) -> list[float]:
        """Left edges where list markers stand, over the whole document, nearest first."""
        lefts = {}
        for seg in segs:
            lefts[(seg.page, seg.column)] = min(lefts.get((seg.page, seg.column), seg.x0), seg.x0)
        self.lefts = lefts
        offsets = sorted(seg.x0 - lefts[(seg.page, seg.column)] for seg in segs if _MARKER.match(seg.text))
        stops: list[float] = []
        for offset in offsets:
            if not stops or offset - stops[-1] > 4:
                stops.append(offset)
        return stops

    def _depth(self, seg: Seg) -> int:
        offset = seg.x0 - self.lefts[(seg.page, seg.column)]
        return min(range(len(self.stops)), key=lambda i: abs(self.stops[i] - offset)) if self.stops else 0

    def _write(self, stream: list) -> None:
        block: Block | None = None
        last_table: Table | None = None
        for item in stream:
            if isinstance(item, Table):
                self._flush(block)
                block = None
                rows = item.rows
                if last_table is not None and self.out and self.out[-1].kind == "row" and rows[0] == last_table.rows[0]:
                    rows = rows[1:]  # the header row repeated at the top of the next page
                for row in rows:
                    self.out.append(Line(row, f"page {item.page}", "row"))
                last_table = item if last_table is None or rows == item.rows else last_table
                continue
            if len(item) > 1:  # a borderless row: cells apart on one line
                self._flush(block)
                block = None
                self.out.append(Line("\t".join(markup(s.runs) for s in item), f"page {item[0].page}", "row"))
                continue
            seg = item[0]
            last_table = None if self.out and self.out[-1].kind != "row" else last_table
            if block and block.segs[-1].runs[-1].sup and seg.size < 0.85 * block.segs[-1].size \
                    and self._follows(block, seg, 1.0):  # a superscript wrapped onto a line of its own
                for run in seg.runs:
                    run.sup = True
                block.segs.append(seg)
                continue
            level = self.level.get(round(seg.size, 1))
            if level:
                if block and block.kind == "heading" and block.level == level and self._follows(block, seg, 1.0):
                    block.segs.append(seg)
                    continue
                self._flush(block)
                block = Block("heading", [seg], level=level)
                continue
            if _MARKER.match(seg.text):
                self._flush(block)
                block = Block("item", [seg], depth=self._depth(seg))
                continue
            if block and block.kind != "heading" and self._continues(block, seg):
                block.segs.append(seg)
                continue
            self._flush(block)
            block = Block("para", [seg])
        self._flush(block)

    def _follows(self, block: Block, seg: Seg, gap: float) -> bool:
        prev = block.segs[-1]
        return prev.page == seg.page and prev.column == seg.column and seg.top - prev.bottom < gap * seg.size

    def _continues(self, block: Block, seg: Seg) -> bool:
        """Whether seg is the next line of block's paragraph: close below it, or at the top of the
        next column or page, where the line before was full (its first word would not have fitted)."""
        prev = block.segs[-1]
        right = self.right[(prev.page, prev.column)]
        full = seg.first_word > right - prev.x1 - seg.size
        first = block.segs[0]
        indent = seg.x0 - self.lefts[(seg.page, seg.column)]
        if abs(seg.size - prev.size) > 0.5 or indent < first.x0 - self.lefts[(first.page, first.column)] - 2:
            return False
        if prev.page == seg.page and prev.column == seg.column:
            return 0 <= seg.top - prev.bottom < 0.45 * seg.size and (full or not prev.text.rstrip().endswith(
                (".", ":")))
        return full

    def _join(self, runs: list[Run], more: list[Run]) -> list[Run]:
        """Runs of two lines of a paragraph as one: a space between, or a hyphenated word made whole."""
        if not runs:
            return [Run(r.text, r.bold, r.italic, r.sup) for r in more]
        first, second = "".join(r.text for r in runs).rstrip(), "".join(r.text for r in more).lstrip()
        joined = join_lines(first, second, self.words)
        runs = [Run(r.text, r.bold, r.italic, r.sup) for r in runs]
        runs[-1].text = runs[-1].text.rstrip()
        if joined == first[:-1] + second:
            runs[-1].text = runs[-1].text[:-1]
        elif joined != first + second and not (runs[-1].sup and more[0].sup):  # a superscript goes on
            runs.append(Run(" ", runs[-1].bold, runs[-1].italic, False))
        more = [Run(r.text, r.bold, r.italic, r.sup) for r in more]
        more[0].text = more[0].text.lstrip()
        return runs + more

    def _flush(self, block: Block | None) -> None:
        if block is None:
            return
        runs: list[Run] = []
        for seg in block.segs:
            runs = self._join(runs, seg.runs)
        marker = ""
        if block.kind == "item":  # the marker stands outside any emphasis, as the parser expects
            plain = "".join(r.text for r in runs).lstrip()
            found = _MARKER.match(plain)
            marker = "- " if _BULLET.match(plain) else (found.group(0).strip() + " " if found else "")
            runs = _drop_prefix(runs, len("".join(r.text for r in runs)) - len(plain) + (found.end() if found else 0))
        text = "".join(r.text for r in runs).strip() if block.kind == "heading" else markup(runs)
        pages = sorted({s.page for s in block.segs})
        origin = f"page {pages[0]}" if len(pages) == 1 else f"pages {pages[0]}-{pages[-1]}"
        if block.kind == "heading":
            self.out.append(Line(f"{'#' * block.level} {text}", origin, "heading"))
        elif block.kind == "item":
            self.out.append(Line("  " * block.depth + marker + text, origin, "item"))
        else:
            self.out.append(Line(text, origin, "para"))


def _drop_prefix(runs: list[Run], count: int) -> list[Run]:
    """Runs without their first count characters."""
    out = []
    for run in runs:
        if count >= len(run.text):
            count -= len(run.text)
            continue
        out.append(Run(run.text[count:], run.bold, run.italic, run.sup))
        count = 0
    return out
