"""The reviewed list of policy documents (data/policies.yml) and what it records of each."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


class ManifestError(Exception):
    pass


@dataclass(frozen=True)
class Entry:
    id: str
    file: str  # relative to the data folder
    original_name: str | None
    sha256: str | None
    issuer_name: str | None
    issuer_evidence: str | None
    issuer_line: int | None
    issuer_note: str | None


def load_manifest(data_dir: Path) -> list[Entry]:
    path = data_dir / "policies.yml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ManifestError(f"{path}: cannot read the policy manifest: {exc}") from None
    if not isinstance(raw, list):
        raise ManifestError(f"{path}: expected a list of policy entries")
    entries, seen = [], set()
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or "id" not in item or "file" not in item:
            raise ManifestError(f"{path}: entry {i} needs at least `id` and `file`")
        if item["id"] in seen:
            raise ManifestError(f"{path}: policy id {item['id']!r} is listed twice")
        seen.add(item["id"])
        issuer = item.get("issuer") or {}
        entries.append(Entry(item["id"], item["file"], item.get("original_name"), item.get("sha256"),
                             issuer.get("name"), issuer.get("evidence"), issuer.get("line"), issuer.get("note")))
    return entries


def unlisted_documents(data_dir: Path, entries: list[Entry]) -> list[Entry]:
    """Policy files present in data/policies/ but missing from the manifest: ingested, and reported."""
    listed = {(data_dir / e.file).resolve() for e in entries}
    return [Entry(path.stem, str(path.relative_to(data_dir)), None, None, None, None, None,
                  "not in data/policies.yml: issuer not reviewed")
            for path in sorted((data_dir / "policies").glob("*.txt")) if path.resolve() not in listed]
