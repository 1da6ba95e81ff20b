"""`kb add`: a published policy into the data folder, with its manifest entry and its original.

The original is converted and the text parsed before anything is written; a file that cannot be
read, or that does not read as a policy, is refused and nothing changes. Then, each file written
whole or not at all: the original to originals/, the text and its line origins to policies/,
and last the manifest entry in policies.yml (an existing entry is replaced only with replace=True).
"""
from __future__ import annotations

import datetime
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..curation import CurationError, PolicyEntry, load_curation, load_entries
from ..ingest import DocumentError, Policy, Vocabulary, curated_bodies, parse_document
from ..store.atomic import write_atomically
from ..store.origins import write_origins
from ..text import slug
from . import convert
from .issuer import find_issuer
from .model import ConvertError

_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
_EXTENSIONS = {"pdf": ".pdf", "html": ".html", "docx": ".docx", "text": ".txt"}


@dataclass
class Added:
    entry: PolicyEntry
    policy: Policy
    replaced: bool
    doubts: list[str] = field(default_factory=list)


def add_policy(original: Path, data_dir: Path, policy_id: str | None = None, issuer: str | None = None,
               replace: bool = False, today: datetime.date | None = None) -> Added:
    """Bring `original` into data_dir; ConvertError (one line, naming the file) when it cannot be."""
    policy_id = policy_id or slug(original.stem)
    if not _ID.fullmatch(policy_id):
        raise ConvertError(f"{original}: id {policy_id!r} is not usable: lower-case letters, digits, '.', '_' "
                           f"and '-', starting with a letter or digit (give one with --id)")
    manifest_path = data_dir / "policies.yml"
    try:
        entries = load_entries(manifest_path, PolicyEntry) if manifest_path.exists() else []
        curation = load_curation(data_dir / "curation")
        bodies = curated_bodies(curation)
    except CurationError as exc:
        raise ConvertError(f"cannot add to {data_dir}: {exc}") from None
    text_rel = f"policies/{policy_id}.txt"
    existing = next((e for e in entries if e.id == policy_id or e.file == text_rel), None)
    if (existing or (data_dir / text_rel).exists()) and not replace:
        where = f"{manifest_path}:{existing.defined_at}" if existing else str(data_dir / text_rel)
        raise ConvertError(f"{original}: {policy_id!r} is already in the data ({where}); give --replace to "
                           f"overwrite it, or another --id")
    converted = convert(original)
    text, origins = converted.text_and_origins()
    policy = _parse(original, text, text_rel, bodies, Vocabulary(curation.genre))
    found_issuer, issuer_doubts = find_issuer(text.split("\n"), issuer)
    data = original.read_bytes()
    original_rel = f"originals/{policy_id}{_EXTENSIONS[converted.kind]}"
    entry = PolicyEntry(policy_id, text_rel, original_name=original.name,
                        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), issuer=found_issuer,
                        original=original_rel, original_sha256=hashlib.sha256(data).hexdigest(),
                        added=(today or datetime.date.today()).isoformat())
    manifest = _manifest_with(manifest_path, entry, existing)
    write_atomically(data_dir / original_rel, data)
    write_atomically(data_dir / text_rel, text.encode("utf-8"))
    write_origins(data_dir / text_rel, origins)
    write_atomically(manifest_path, manifest.encode("utf-8"))
    if existing is not None and existing.original and existing.original != original_rel:
        (data_dir / existing.original).unlink(missing_ok=True)  # the replaced original, kept under another name
    doubts = converted.notes + issuer_doubts + [f"line {p.line}: {p.message}" for p in policy.problems
                                                if p.severity in ("error", "warning")]
    return Added(entry, policy, existing is not None, doubts)


def _parse(original: Path, text: str, source: str, bodies, vocabulary: Vocabulary) -> Policy:
    """The converted text parsed as `kb build` will parse it; refused when it is not a policy."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.txt"
        path.write_text(text, encoding="utf-8")
        try:
            policy = parse_document(path, source, bodies, vocabulary)
        except DocumentError as exc:
            raise ConvertError(f"{original}: not read as a policy: line {exc.line} of the text: {exc.message}") \
                from None
    if not policy.statements and not policy.references:
        raise ConvertError(f"{original}: not a policy: it has no coverage statement and no reference list")
    return policy


def _entry_yaml(entry: PolicyEntry) -> str:
    issuer = {k: v for k, v in (("name", entry.issuer.name), ("evidence", entry.issuer.evidence),
                                ("line", entry.issuer.line), ("note", entry.issuer.note))
              if v is not None or k == "name"}
    fields = {"id": entry.id, "file": entry.file, "original_name": entry.original_name, "sha256": entry.sha256,
              "issuer": issuer, "original": entry.original, "original_sha256": entry.original_sha256,
              "added": entry.added}
    return yaml.safe_dump([fields], sort_keys=False, allow_unicode=True, width=100)


def _manifest_with(path: Path, entry: PolicyEntry, existing: PolicyEntry | None) -> str:
    """The manifest's text with the entry appended, or put in place of the one it replaces;
    checked by reading it back, so a manifest that would not load is never written."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = _entry_yaml(entry)
    if existing is not None:
        lines = text.split("\n")
        start = existing.defined_at - 1
        end = start + 1
        while end < len(lines) and not lines[end].startswith("- "):
            end += 1
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        text = "\n".join(lines[:start] + block.rstrip("\n").split("\n") + lines[end:])
    else:
        text = text.rstrip("\n") + ("\n\n" if text.strip() else "") + block
    with tempfile.TemporaryDirectory() as folder:
        check = Path(folder) / "policies.yml"
        check.write_text(text, encoding="utf-8")
        try:
            load_entries(check, PolicyEntry)
        except CurationError as exc:
            raise ConvertError(f"{path}: the new entry would not load ({exc}); nothing was written") from None
    return text
