"""Procedure and diagnosis codes from coding sections, and codes a statement names.

Code tables come as tab rows ("32994<TAB>Ablation therapy ...", "CPT<TAB>0581T<TAB>...",
"CPT:<TAB>20983, 47371 and 55873"), as lines ("47371 Laparoscopy, ..."), or as notes on a
whole system ("HCPCS<TAB>None"). A paragraph that gives a status ("The following CPT code is
considered investigational") applies to the codes after it.
"""
from __future__ import annotations

import re

from .context import Context
from .markup import clean
from .records import Code, CodeNote

_CODE_SHAPES = [
    ("CPT", r"\d{4}[0-9FTU]"),
    ("HCPCS", r"[A-V]\d{4}"),
]
_CODE = re.compile(r"\b(?P<code>(?:\d{4}[0-9FTU]|[A-V]\d{4})(?:\s*[-–]\s*(?:\d{4}[0-9FTU]|[A-V]\d{4}))?)\b")
_SYSTEM_LABEL = re.compile(r"^(?:(?P<sys>cpt|hcpcs|icd[- ]?10(?:[- ]?(?:cm|pcs))?(?: (?:procedure|diagnos\w*))?)"
                           r"(?: codes?)?(?: codes?:)?:?)$", re.I)
_NAMED = re.compile(r"\b(?P<sys>CPT|HCPCS)\s+codes?\s+(?P<list>[0-9A-Z]{5}(?:\s*(?:,|and|or|&)\s*[0-9A-Z]{5})*)", re.I)
_NONE = re.compile(r"^(?:none|n/?a|not applicable)\.?$", re.I)


def system_named(text: str) -> str | None:
    text = text.lower()
    if "icd" in text:
        return "ICD-10-PCS" if ("pcs" in text or "procedure" in text) else "ICD-10-CM"
    if "hcpcs" in text and "cpt" not in text:
        return "HCPCS"
    if "cpt" in text and "hcpcs" not in text:
        return "CPT"
    return None


def system_of(code: str, hint: str | None) -> str:
    if hint in ("CPT", "HCPCS") or hint is None:
        first = re.split(r"\s*[-–]\s*", code)[0]
        for system, shape in _CODE_SHAPES:
            if re.fullmatch(shape, first):
                return system
    return hint or "CPT"


def codes_named_in(text: str) -> list[tuple[str, str]]:
    """Codes a sentence names: "(CPT Codes 47371 and 47381)" -> [("CPT", "47371"), ("CPT", "47381")]."""
    found = []
    for match in _NAMED.finditer(clean(text)):
        system = match.group("sys").upper()
        found += [(system, code) for code in re.findall(r"[0-9A-Z]{5}", match.group("list"))]
    return found


def extract_codes(ctx: Context) -> tuple[list[Code], list[CodeNote]]:
    codes: list[Code] = []
    notes: list[CodeNote] = []
    status: tuple[str, str] | None = None
    table_system: str | None = None
    previous_section = None
    for block in ctx.blocks:
        section = ctx.section(block)
        if section.kind != "codes":
            status = None
            continue
        heading_system = system_named(section.heading)
        if section is not previous_section:
            table_system = None
            previous_section = section
        if block.kind == "heading":
            continue
        if block.kind == "para" and not _CODE.match(block.text):
            said = ctx.vocab.status_of(block.text)
            covered = ctx.vocab.term("codes-covered").search(block.text)
            if covered:
                said = (covered.group(0), "medically necessary")
            if said:
                status = said
                if heading_system and heading_system.startswith("ICD") and "diagnos" in block.text.lower():
                    notes.append(CodeNote(heading_system, block.text, ctx.doc.line_span(block.line, block.line),
                                          said[1]))
            continue
        if block.kind == "para":  # "47371 Laparoscopy, surgical, ablation ..."
            match = _CODE.match(block.text)
            description = block.text[match.end():].strip() or None
            code = re.sub(r"\s+", "", match.group("code"))
            codes.append(Code(system_of(code, heading_system), code, _block_span(ctx, block), section.number,
                              description, *(status or (None, None))))
            continue
        if block.kind != "row":
            continue
        cells = [c for c in block.cells if c.text]
        labels = [c for c in cells if _SYSTEM_LABEL.match(c.text)]
        row_system = system_named(labels[0].text) if labels else None
        if labels and labels[0] is cells[0] and len(cells) == 1:
            table_system = row_system  # "<b>CPT</b>" row: a system heading inside the table
            continue
        rest = [c for c in cells if c not in labels]
        code_cells = [c for c in rest if _CODE.fullmatch(c.text) or _is_code_list(c.text)]
        if not code_cells:
            if labels and rest and all(_NONE.match(c.text) for c in rest):
                notes.append(CodeNote(row_system, rest[0].text, _block_span(ctx, block)))
            elif labels:
                table_system = row_system  # "CPT codes:<TAB>Code Description" header
            continue
        if row_system:
            table_system = row_system
        description_cells = [c for c in rest if c not in code_cells]
        description = description_cells[0].text if description_cells and len(code_cells) == 1 else None
        for cell in code_cells:
            for match in _CODE.finditer(cell.text):
                code = re.sub(r"\s+", "", match.group("code"))
                at = cell.raw.find(match.group("code"))
                span = (ctx.doc.span(block.line, cell.start + at, cell.start + at + len(match.group("code")))
                        if at >= 0 else ctx.doc.span(block.line, cell.start, cell.end))
                codes.append(Code(system_of(code, row_system or table_system or heading_system), code, span,
                                  section.number,
                                  description, *(status or (None, None))))
    return codes, notes


def _is_code_list(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9A-Z]{5}(?:\s*(?:,|and|&)\s*[0-9A-Z]{5})+", text))


def _block_span(ctx: Context, block):
    return ctx.doc.span(block.line, block.start, len(block.raw.rstrip()))
