"""A policy already in text form: the parser's own form is kept as it is; a PDF saved as text (form
feeds between pages) loses its running headers, footers and page numbers."""
from __future__ import annotations

from pathlib import Path

from .furniture import strip_furniture
from .model import Converted, ConvertError, Line


def convert_text(path: Path, data: bytes) -> Converted:
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConvertError(f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}), "
                           f"and not a PDF, HTML or Word file either") from None
    if "\0" in text:
        line = text.count("\n", 0, text.find("\0")) + 1
        raise ConvertError(f"{path}:{line}: a NUL byte: the file is binary, not text, PDF, HTML or Word")
    if not text.strip():
        raise ConvertError(f"{path}: empty: no text")
    pages: list[list[Line]] = [[]]
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if "\f" in raw:
            pages.append([])
            raw = raw.replace("\f", "")
        pages[-1].append(Line(raw, f"line {number}", "raw"))
    notes: list[str] = []
    if len(pages) > 1:
        pages, notes = strip_furniture(pages, lambda line: line.text)
    lines = [line for page in pages for line in page]
    return Converted("text", lines, notes)
