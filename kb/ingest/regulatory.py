"""Devices named in a regulatory-status section: "Cryocare® Surgical System by Endocare"."""
from __future__ import annotations

import re

from .context import Context
from .records import Device

_BY = re.compile(r"^(?P<name>.+?)\s+by\s+(?P<maker>[^;,]+(?:,\s*Inc\.?)?)")
_PAREN = re.compile(r"^(?P<name>[^(]+?)\s*\((?P<maker>[^)]+)\)")
_COMPANY = re.compile(r"^(?P<name>.+),\s*(?P<maker>[^,]+\b(?:Inc|Incorporated|LLC|Ltd|Corp|Corporation|GmbH|AG)\.?)$")


def extract_devices(ctx: Context) -> list[Device]:
    devices = []
    for block in ctx.blocks:
        if block.kind != "item" or ctx.section(block).kind != "regulatory":
            continue
        text = block.text.rstrip(" ;.")
        span = ctx.doc.span(block.line, block.start, len(block.raw.rstrip()))
        for pattern in (_BY, _PAREN, _COMPANY):
            match = pattern.match(text)
            if match:
                devices.append(Device(match.group("name").strip(" ,"), span, match.group("maker").strip()))
                break
        else:
            devices.append(Device(text, span))
    return devices
