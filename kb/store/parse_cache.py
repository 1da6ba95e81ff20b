"""Parsed documents kept between builds, so a build re-parses only the documents that changed.

An entry is keyed by the document's sha256, the name it is reported under, and the parser's
version: a digest of the parser's own source (kb/ingest, kb/text.py) and of the curated words it
reads (guideline bodies, genre vocabulary). Any change to those makes every entry a miss, so a
stale parse is never reused. Each entry is written whole or not at all (a temporary file renamed
into place); one that cannot be read is a miss. Entries no build used are removed after it.
"""
from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

from .atomic import write_atomically

_CODE = [Path(__file__).resolve().parents[1] / "ingest", Path(__file__).resolve().parents[1] / "text.py"]


def parser_version(*inputs) -> str:
    """A digest of the parser's code and of the curated data it is given (plain data, which pickles alike
    every time; objects built from it, holding sets, need not)."""
    digest = hashlib.sha256()
    for root in _CODE:
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(pickle.dumps(inputs, protocol=4))
    return digest.hexdigest()[:16]


class ParseCache:
    def __init__(self, folder: Path, version: str):
        self.folder, self.version = folder, version
        self.used: set[str] = set()
        self.hits = self.misses = 0

    def _key(self, sha256: str, source: str) -> str:
        return hashlib.sha256(f"{self.version}\0{sha256}\0{source}".encode()).hexdigest()

    def get(self, sha256: str, source: str):
        """The parsed document, or None when it was never parsed with this version."""
        key = self._key(sha256, source)
        self.used.add(key)
        try:
            policy = pickle.loads((self.folder / f"{key}.pickle").read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return policy

    def holds(self, sha256: str, source: str) -> bool:
        """Whether an entry is there (it may still prove unreadable), without reading it."""
        return (self.folder / f"{self._key(sha256, source)}.pickle").is_file()

    def put(self, sha256: str, source: str, policy) -> None:
        self.put_pickled(sha256, source, pickle.dumps(policy, protocol=pickle.HIGHEST_PROTOCOL))

    def put_pickled(self, sha256: str, source: str, data: bytes) -> None:
        """Keep a parsed document already pickled (as parsing processes hand it over)."""
        key = self._key(sha256, source)
        self.used.add(key)
        try:
            write_atomically(self.folder / f"{key}.pickle", data, sync=False)
        except OSError:
            pass  # a cache that cannot be written only costs the next build time

    def prune(self) -> None:
        """Remove the entries this build did not use: the cache holds one corpus, not every past one."""
        for path in self.folder.glob("*.pickle"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)
