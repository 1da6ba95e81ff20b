"""Convert: a payer's policy as published (PDF, HTML, Word, text) into the text form the parser reads.

    converted = convert(Path("policy.pdf"))   # ConvertError: one line saying why it cannot be used

Each format has its module; furniture.py holds the cleanup they share (running headers and
footers, page numbers, words hyphenated across lines). Every line written keeps where in the
original it came from (a page, an element, a paragraph), so provenance reaches the original.
"""
from __future__ import annotations

from pathlib import Path

from .model import Converted, ConvertError, Line

__all__ = ["convert", "sniff", "Converted", "ConvertError", "Line"]

MAX_ORIGINAL_BYTES = 50_000_000  # 50 MB: a published policy is at most a few MB, even as PDF


def sniff(data: bytes) -> str:
    """The format of a file, from its first bytes (never from its name, which may lie)."""
    head = data[:2048].lstrip()
    if data.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in data[:65536] or b"[Content_Types].xml" in data[:65536] else "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"
    lowered = head.lower().removeprefix(b"\xef\xbb\xbf")
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in lowered or b"<html" in lowered:
        return "html"
    return "text"


def convert(path: Path) -> Converted:
    """The original at path in the parser's text form, with each line's origin; ConvertError if unusable."""
    try:
        size = path.stat().st_size
        if size > MAX_ORIGINAL_BYTES:
            raise ConvertError(f"{path}: too large: {size:,} bytes; the limit is {MAX_ORIGINAL_BYTES / 1e6:g} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise ConvertError(f"{path}: cannot read: {exc.strerror or exc}") from None
    kind = sniff(data)
    if kind == "pdf":
        from .pdf import convert_pdf
        return convert_pdf(path)
    if kind == "html":
        from .html import convert_html
        return convert_html(path, data)
    if kind == "docx":
        from .docx import convert_docx
        return convert_docx(path)
    if kind == "doc":
        raise ConvertError(f"{path}: a Word 97-2003 (.doc) file; save it as .docx or PDF and add that")
    if kind == "zip":
        raise ConvertError(f"{path}: a ZIP archive that is not a Word (.docx) document")
    from .plain import convert_text
    return convert_text(path, data)
