"""The reviewed manifest (data/policies.yml) against the files on disk: what was reviewed, and what changed."""
from __future__ import annotations

from pathlib import Path

from ..curation import Issuer, PolicyEntry
from ..ingest import Problem

REVIEWED, CHANGED, NO_CHECKSUM, UNLISTED = ("reviewed", "changed since review", "no checksum in manifest",
                                            "not in manifest")


def unlisted_documents(data_dir: Path, entries: list[PolicyEntry]) -> list[PolicyEntry]:
    """Policy files present in data/policies/ but missing from the manifest: ingested, and reported."""
    listed = {(data_dir / e.file).resolve() for e in entries}
    return [PolicyEntry(path.stem, str(path.relative_to(data_dir)),
                        issuer=Issuer(None, note="not in data/policies.yml: issuer not reviewed"))
            for path in sorted((data_dir / "policies").glob("*.txt")) if path.resolve() not in listed]


def review_status(entry: PolicyEntry, sha256: str) -> str:
    """Whether the file read is the one reviewed: readers are shown anything else."""
    if not entry.listed:
        return UNLISTED
    if entry.sha256 is None:
        return NO_CHECKSUM
    return REVIEWED if entry.sha256 == sha256 else CHANGED


def check_entry(entry: PolicyEntry, data: bytes, sha256: str, source: str) -> list[Problem]:
    """Warnings where the file is not the one reviewed, or the issuer evidence is not on its line."""
    problems = []
    status = review_status(entry, sha256)
    if status == CHANGED:
        problems.append(Problem("warning", "manifest-sha256-mismatch", source, 1,
                                "the file differs from the one reviewed in data/policies.yml (sha256 changed)"))
    elif status == NO_CHECKSUM:
        problems.append(Problem("warning", "manifest-sha256-missing", source, 1,
                                "data/policies.yml gives no sha256 for this file, so its review cannot be checked"))
    elif status == UNLISTED:
        problems.append(Problem("warning", "not-in-manifest", source, 1,
                                "file is not listed in data/policies.yml; ingested without a reviewed issuer"))
    issuer = entry.issuer
    if issuer.evidence and issuer.line:
        lines = data.decode("utf-8", errors="replace").split("\n")
        line = lines[issuer.line - 1] if issuer.line <= len(lines) else ""
        if issuer.evidence not in line:
            problems.append(Problem("warning", "issuer-evidence-missing", source, issuer.line,
                                    f"issuer evidence {issuer.evidence!r} is not on this line"))
    return problems
