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
_CPT = r"(?:\d{4}[0-9FTU]|[A-V]\d{4})"  # a CPT or HCPCS code
_CODE = re.compile(rf"\b(?P<code>{_CPT}(?:\s*[-–]\s*{_CPT})?)\b")
_ICD = r"[A-TV-Z]\d{2}(?:\.[0-9A-Z]{1,4})?"
_ICD_CODE = re.compile(rf"\b(?P<code>{_ICD}(?:\s*[-–]\s*{_ICD})?)(?![\w.])")  # only where the table says ICD-10
_SYSTEM_LABEL = re.compile(r"^(?:(?P<sys>cpt|hcpcs|icd[- ]?10(?:[- ]?(?:cm|pcs))?(?: (?:procedure|diagnos\w*))?)"
                           r"(?: codes?)?(?: codes?:)?:?)$", re.I)
_SHAPE = _CPT + r"\b"
_NAMED = re.compile(rf"\b(?P<sys>CPT|HCPCS)\s+codes?\s+(?P<list>{_SHAPE}(?:\s*(?:,|and|or|&)\s*{_SHAPE})*)", re.I)
# "(code 19105)", "Report code 19499", "CPT: 50593, 50250": codes a sentence names without a table
_IN_PROSE = re.compile(rf"(?:\b(?:(?P<sys>CPT|HCPCS)(?:®|\(R\))?\s*)?codes?\s*:?\s*"
                       rf"|\b(?P<label>CPT|HCPCS)(?:®)?\s*:\s*)"
                       rf"(?P<list>{_SHAPE}(?:\s*(?:,|and|or|&)\s*{_SHAPE})*)", re.I)
_NONE = re.compile(r"^(?:none|n/?a|not applicable|no codes?)\.?$|^all\b.*\bdiagnos[ei]s\b", re.I)


def system_named(text: str) -> str | None:
    text = text.lower()
    if "icd" in text:
        return "ICD-10-PCS" if (re.search(r"(?<!hc)pcs", text) or "procedure" in text) else "ICD-10-CM"
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
    """Codes a sentence names: "(CPT Codes 47371 and 47381)" -> [("CPT", "47371"), ("CPT", "47381")]; "(code
    19105)" names one too, its system known by its shape."""
    found = []
    for match in _NAMED.finditer(clean(text)):
        system = match.group("sys").upper()
        found += [(system, code) for code in re.findall(_SHAPE, match.group("list"))]
    if found:
        return found
    for match in _IN_PROSE.finditer(clean(text)):
        written = (match.group("sys") or match.group("label") or "").upper() or None
        found += [(system_of(code, written), code) for code in re.findall(_SHAPE, match.group("list"))]
    return found


def starts_with_code(text: str) -> bool:
    """A line of a code table written as text: a CPT, HCPCS or ICD-10 code, then its description."""
    return any(re.match(rf"{pattern.pattern}\s+\S", text) for pattern in (_CODE, _ICD_CODE))


def _code_at(text: str, system: str | None, whole: bool) -> re.Match | None:
    """A CPT or HCPCS code (or range) at the start of text, or all of it; an ICD-10 one where the table says ICD."""
    for pattern in (_CODE, _ICD_CODE) if system and system.startswith("ICD") else (_CODE,):
        match = pattern.fullmatch(text) if whole else pattern.match(text)
        if match:
            return match
    return None


def _status_said(ctx: Context, text: str) -> tuple[str, str] | None:
    """The status a lead-in gives the codes after it: "CPT codes covered if selection criteria are met:"."""
    covered = ctx.vocab.term("codes-covered").search(text)
    if covered:
        return covered.group(0), "medically necessary"
    return None if ctx.vocab.term("codes-disclaimer").search(text) else ctx.vocab.status_of(text)


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
            status = _status_said(ctx, block.text) or status
            continue
        if block.kind in ("para", "item") and not _code_at(block.text, table_system or heading_system, whole=False):
            if block.text.endswith(":") and system_named(block.text):
                table_system = system_named(block.text)  # "ICD-10 codes covered if selection criteria are met:"
            for system, code in codes_named_in(block.text):  # "CPT: 50593", "Report code 19499"
                at = block.raw.find(code)
                span = ctx.doc.span(block.line, at, at + len(code)) if at >= 0 else _block_span(ctx, block)
                codes.append(Code(system, code, span, section.number, None, *(status or (None, None))))
            said = _status_said(ctx, block.text)
            if said:
                status = said
                if heading_system and heading_system.startswith("ICD") and "diagnos" in block.text.lower():
                    notes.append(CodeNote(heading_system, block.text, ctx.doc.line_span(block.line, block.line),
                                          said[1]))
            continue
        if block.kind in ("para", "item"):  # "47371 Laparoscopy, surgical, ablation ..."
            match = _code_at(block.text, table_system or heading_system, whole=False)
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
        hint = row_system or table_system or heading_system
        code_cells = [c for c in rest if _code_at(c.text, hint, whole=True) or _is_code_list(c.text)]
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
            for match in (_CODE if _CODE.search(cell.text) else _ICD_CODE).finditer(cell.text):
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
