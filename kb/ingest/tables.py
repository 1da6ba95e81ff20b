"""Tab-separated tables: registered trials (a table with an NCT column) and policy history."""
from __future__ import annotations

import re

from .blocks import Block
from .context import Context
from .dates import parse_date
from .markup import clean, html_fragments
from .records import HistoryEntry, Trial

# "NCT" first, the word boundary before it looked behind for after it: the regex engine scans for "NCT" at once
# instead of trying a boundary at every position of every block.
NCT = re.compile(r"NCT(?<!\wNCT)\d{8}(?!\d)")
_FOOTNOTE_MARK = re.compile(r"<sup>\s*(?P<mark>[a-z*†‡§]{1,2})\s*</sup>", re.I)
_DATE_CELL = re.compile(r"^\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?(?:\s*-\s*\d{1,2}/\d{2,4})?$|^\d{1,2}/\d{4}")


def _tables(ctx: Context) -> list[list[Block]]:
    """Runs of row blocks; a table goes on across blank lines and page breaks while rows follow."""
    tables: list[list[Block]] = []
    previous = None
    for block in ctx.blocks:
        if block.kind == "row":
            if tables and tables[-1][-1] is previous:
                tables[-1].append(block)
            else:
                tables.append([block])
        previous = block
    return tables


def _column(header: list[str], *names: str) -> int | None:
    for i, cell in enumerate(header):
        if any(name in cell.lower() for name in names):
            return i
    return None


def extract_trials(ctx: Context) -> list[Trial]:
    trials: list[Trial] = []
    for table in _tables(ctx):
        header = [c.text for c in table[0].cells]
        nct_col = _column(header, "nct")
        if nct_col is None:
            continue
        title_col = _column(header, "trial name", "title", "study")
        size_col = _column(header, "enrollment", "participants", "patients")
        date_col = _column(header, "completion", "date")
        groups: list[str] = []
        previous_was_group = False
        for row in table[1:]:
            cells = [c.text for c in row.cells]
            filled = [c for c in cells if c]
            if len(filled) == 1 and not NCT.search(filled[0]):
                groups = (groups if previous_was_group else groups[:-1]) + filled
                previous_was_group = True
                continue
            previous_was_group = False
            nct = NCT.search(cells[nct_col]) if nct_col < len(cells) else None
            if not nct:
                continue
            trial = Trial(nct.group(0), ctx.doc.span(row.line, 0, len(row.raw.rstrip())), ctx.section(row).number,
                          group=" > ".join(groups) or None)
            if title_col is not None and title_col < len(cells):
                trial.title = cells[title_col] or None
            if size_col is not None and size_col < len(cells) and re.fullmatch(r"[\d,]+", cells[size_col]):
                trial.planned_enrollment = int(cells[size_col].replace(",", ""))
            if date_col is not None and date_col < len(cells) and cells[date_col]:
                trial.completion_date_text = cells[date_col]
                trial.completion_date = parse_date(cells[date_col])
            mark = _FOOTNOTE_MARK.search(row.cells[nct_col].raw)
            if mark:
                trial.note = _footnote(ctx, row, mark.group("mark"))
            trials.append(trial)
    in_tables = {t.nct_id for t in trials}
    for block in ctx.blocks:
        if block.kind == "row" and NCT.search(block.raw):
            continue
        for match in NCT.finditer(block.raw):
            if match.group(0) not in in_tables:
                trials.append(Trial(match.group(0), ctx.doc.span(block.line, match.start(), match.end()),
                                    ctx.section(block).number, source="text"))
    return trials


def _footnote(ctx: Context, row: Block, mark: str) -> str | None:
    """The note under the table that starts with the same mark: "<sup>a</sup> Denotes industry-sponsored"."""
    for block in ctx.blocks[ctx.position(row):]:
        if block.kind == "para" and re.match(rf"^\s*<sup>\s*{re.escape(mark)}\s*</sup>", block.raw):
            return clean(re.sub(r"^\s*<sup>[^<]*</sup>", "", block.raw))
        if block.kind == "heading":
            return None
    return None


def extract_history(ctx: Context) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    for table in _tables(ctx):
        if ctx.section(table[0]).kind != "history":
            continue
        current: HistoryEntry | None = None
        for row in table:
            first = row.cells[0].text
            text = " ".join(f.text for c in row.cells[1:] for f in html_fragments(c.raw, c.start))
            span = ctx.doc.span(row.line, 0, len(row.raw.rstrip()))
            if _DATE_CELL.match(first):
                current = HistoryEntry(first, text, span, parse_date(first))
                entries.append(current)
            elif not first and current is not None and text:
                current.text = f"{current.text} {text}".strip()
                current.span = current.span.union(span)
            elif first and not _DATE_CELL.match(first) and text and current is not None and "date" not in first.lower():
                ctx.report("warning", "history-row-unparsed", row.line,
                           f"history row does not start with a date: {clean(row.raw)[:80]!r}")
    return entries
