"""The reviewed data files (data/policies.yml, data/curation/*.yml) as typed, checked entries.

Each file is a YAML list of entries. It is read node by node, so every error (bad YAML, an
unknown or missing key, a value of the wrong type, a duplicate id) is one line naming the file
and the line of the entry, and each entry keeps its line for later messages (`defined_at`).
"""
from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml


class CurationError(Exception):
    """A reviewed data file cannot be used; the message is one line, `file:line: what`."""


class Invalid(ValueError):
    """Raised by a model's checks; the loader adds the file and line."""


@dataclass(frozen=True)
class Located:
    """An entry remembers its line, so a problem found later (a dangling link) can name it."""

    defined_at: int | None = field(default=None, kw_only=True, compare=False)  # line in its file; not a YAML key


@dataclass(frozen=True)
class Issuer(Located):
    name: str | None  # what the document itself says; null where it never names its issuer
    evidence: str | None = None
    line: int | None = None
    note: str | None = None

    def __post_init__(self):
        if self.line is not None and self.line < 1:
            raise Invalid(f"issuer line {self.line} is not a line number (lines count from 1)")


@dataclass(frozen=True)
class PolicyEntry(Located):
    """A document as reviewed: its checksum tells whether the file read is still that document."""

    id: str
    file: str  # relative to the data folder
    original_name: str | None = None
    sha256: str | None = None
    issuer: Issuer = Issuer(None)
    original: str | None = None  # the file as published, kept by `kb add` (relative to the data folder)
    original_sha256: str | None = None
    added: str | None = None  # ISO date `kb add` brought it in

    def __post_init__(self):
        for name in ("sha256", "original_sha256"):
            if getattr(self, name) is not None and not re.fullmatch(r"[0-9a-f]{64}", getattr(self, name)):
                raise Invalid(f"{name} of {self.id!r} is not 64 lowercase hexadecimal digits")
        if self.added is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.added):
            raise Invalid(f"added of {self.id!r} is not a date written YYYY-MM-DD")

    @property
    def listed(self) -> bool:
        """In data/policies.yml, as opposed to a file found in data/policies/ only."""
        return self.defined_at is not None


@dataclass(frozen=True)
class GuidelineBody(Located):
    id: str
    name: str
    aliases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Mesh(Located):
    id: str
    heading: str


@dataclass(frozen=True)
class Indication(Located):
    id: str
    label: str
    patterns: list[str]
    mesh: Mesh | None = None
    mesh_note: str | None = None
    icd10: str | None = None
    broader: str | None = None

    def __post_init__(self):
        for pattern in self.patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise Invalid(f"pattern {pattern!r} of {self.id!r} is not a regular expression: {exc}") from None


@dataclass(frozen=True)
class Publication(Located):
    work: str  # a work id as `kb build` resolves it (pmid:...)
    role: str


@dataclass(frozen=True)
class Source(Located):
    policy: str
    line: int
    quote: str

    def __post_init__(self):
        if self.line < 1:
            raise Invalid(f"line {self.line} is not a line number (lines count from 1)")


@dataclass(frozen=True)
class Result(Source):
    outcome: str
    time_point: str | None = None
    arm: str | None = None
    value: float | None = None
    unit: str | None = None
    n: int | None = None
    n_total: int | None = None
    p_value: str | None = None
    ci: str | None = None
    finding: str | None = None


@dataclass(frozen=True)
class Trial(Located):
    """A trial the policies describe; its publications, sources and results link to the documents."""

    id: str
    full_name: str
    publications: list[Publication]
    sources: list[Source]
    results: list[Result]
    name: str | None = None
    design: str | None = None
    phase: str | None = None
    population: str | None = None
    intervention: str | None = None
    comparator: str | None = None
    patients: int | None = None
    lesions: int | None = None
    planned_enrollment: int | None = None
    registry_id: str | None = None


SEARCH_ROLES = ("intervention", "publication type", "indication")


@dataclass(frozen=True)
class SearchTerms(Located):
    """PubMed terms for the searches for evidence newer than a policy's review (data/curation/searches.yml):
    the intervention's, a publication type's (with the PubMed types a hit is counted under), or an indication's."""

    id: str  # an indication's id, for role "indication"
    role: str
    terms: list[str]
    label: str | None = None
    publication_types: list[str] = field(default_factory=list)

    def __post_init__(self):
        if self.role not in SEARCH_ROLES:
            raise Invalid(f"role {self.role!r} of {self.id!r} is not one of {', '.join(SEARCH_ROLES)}")
        if not self.terms:
            raise Invalid(f"{self.id!r} has no terms")
        if (self.role == "publication type") != bool(self.publication_types):
            raise Invalid(f"{self.id!r}: publication_types are given for a publication type, and only for one")


def _check_patterns(owner: str, patterns: list[str]) -> None:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise Invalid(f"pattern {pattern!r} of {owner!r} is not a regular expression: {exc}") from None


@dataclass(frozen=True)
class SectionKind(Located):
    """A kind of section, known by the words of its heading (data/curation/sections.yml)."""

    id: str
    patterns: list[str]
    role: str | None = None  # "closing", "end-matter" or "notice"

    def __post_init__(self):
        if self.role not in (None, "closing", "end-matter", "notice"):
            raise Invalid(f"role {self.role!r} of {self.id!r} is not closing, end-matter or notice")
        _check_patterns(self.id, self.patterns)


@dataclass(frozen=True)
class Position(Located):
    """A coverage position as worded, and the status it stands for (data/curation/positions.yml)."""

    id: str
    status: str
    polarity: str  # "covered" or "not covered"
    patterns: list[str]

    def __post_init__(self):
        if self.polarity not in ("covered", "not covered"):
            raise Invalid(f"polarity {self.polarity!r} of {self.id!r} is not 'covered' or 'not covered'")
        _check_patterns(self.id, self.patterns)


@dataclass(frozen=True)
class Site(Located):
    """An organ or site, by the stems of the words naming it (data/curation/sites.yml)."""

    id: str
    stems: list[str]


@dataclass(frozen=True)
class GuidelineKind(Located):
    id: str
    patterns: list[str]
    in_references: bool = True

    def __post_init__(self):
        _check_patterns(self.id, self.patterns)


@dataclass(frozen=True)
class GuidelineSeries(Located):
    """A guideline series cited as "<name>: <topic>" (data/curation/guideline_series.yml)."""

    id: str
    body: str
    name: str


@dataclass(frozen=True)
class Terms(Located):
    """Phrases that give a passage one role, such as naming a line of business (data/curation/terms.yml)."""

    id: str
    patterns: list[str]
    note: str | None = None

    def __post_init__(self):
        _check_patterns(self.id, self.patterns)


@dataclass(frozen=True)
class Genre:
    """The words of the genre the parser reads documents by: data/curation/ beside the indications."""

    sections: list[SectionKind]
    positions: list[Position]
    sites: list[Site]
    guideline_kinds: list[GuidelineKind]
    guideline_series: list[GuidelineSeries]
    terms: list[Terms]


@dataclass(frozen=True)
class Curation:
    """The vocabularies of data/curation/, each file loaded and checked."""

    guideline_bodies: list[GuidelineBody]
    indications: list[Indication]
    trials: list[Trial]
    genre: Genre | None = None
    searches: list[SearchTerms] = field(default_factory=list)


T = typing.TypeVar("T")


def load_manifest(data_dir: Path) -> list[PolicyEntry]:
    return load_entries(data_dir / "policies.yml", PolicyEntry)


DEFAULT_CURATION = Path(__file__).resolve().parents[1] / "data" / "curation"


def load_genre(folder: Path = DEFAULT_CURATION) -> Genre:
    """The genre's vocabulary from folder (the repository's data/curation/ unless told)."""
    return Genre(*(load_entries(folder / f"{name}.yml", model) for name, model in [
        ("sections", SectionKind), ("positions", Position), ("sites", Site), ("guideline_kinds", GuidelineKind),
        ("guideline_series", GuidelineSeries), ("terms", Terms)]))


def load_curation(folder: Path) -> Curation:
    curation = Curation(load_entries(folder / "guideline_bodies.yml", GuidelineBody),
                        load_entries(folder / "indications.yml", Indication),
                        load_entries(folder / "trials.yml", Trial),
                        load_genre(folder),
                        load_entries(folder / "searches.yml", SearchTerms))
    ids = {i.id for i in curation.indications}
    for indication in curation.indications:
        if indication.broader is not None and indication.broader not in ids:
            raise CurationError(f"{folder / 'indications.yml'}:{indication.defined_at}: broader indication "
                                f"{indication.broader!r} of {indication.id!r} is not an id in this file")
    _check_searches(folder / "searches.yml", curation.searches, ids)
    return curation


def _check_searches(path: Path, searches: list[SearchTerms], indication_ids: set[str]) -> None:
    """One intervention, at least one publication type, and indications of the vocabulary."""
    for role, wanted in (("intervention", "exactly one"), ("publication type", "at least one")):
        found = [s for s in searches if s.role == role]
        if not found or (wanted == "exactly one" and len(found) > 1):
            raise CurationError(f"{path}:{found[1].defined_at if found else 1}: {wanted} {role} entry is needed")
    for entry in searches:
        if entry.role == "indication" and entry.id not in indication_ids:
            raise CurationError(f"{path}:{entry.defined_at}: {entry.id!r} is not an indication of indications.yml")


# libyaml's loader where PyYAML was built with it: a manifest of 10,000 policies took ~9 s with the Python one
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_entries(path: Path, model: type[T]) -> list[T]:
    """Every entry of the YAML list in path as `model`; CurationError on the first thing wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CurationError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        try:
            entries = _entries(_Loader(text), path, model)
        except yaml.YAMLError:  # read again by PyYAML's own loader, for its message: the same wherever it runs
            entries = _entries(yaml.SafeLoader(text), path, model)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise CurationError(f"{path}:{mark.line + 1 if mark else 1}: not valid YAML: {exc.problem or exc.context}") \
            from None
    except yaml.YAMLError as exc:
        raise CurationError(f"{path}: not valid YAML: {exc}") from None
    seen: dict[str, int] = {}
    for entry in entries:
        if entry.id in seen:
            raise CurationError(f"{path}:{entry.defined_at}: id {entry.id!r} is used twice (first at line "
                                f"{seen[entry.id]})")
        seen[entry.id] = entry.defined_at
    return entries


def _entries(loader, path: Path, model: type[T]) -> list[T]:
    try:
        root = loader.get_single_node()
        if root is None:
            raise CurationError(f"{path}:1: expected a list of entries, found an empty file")
        if not isinstance(root, yaml.SequenceNode):
            raise CurationError(f"{path}:{_line(root)}: expected a list of entries")
        return [_convert(loader, node, model, path, "entry") for node in root.value]
    finally:
        loader.dispose()


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


_NAMES = {str: "a string", int: "an integer", float: "a number", list: "a list"}


def _describe(kind) -> str:
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(kind) if a is not type(None)) + " or null"
    if dataclasses.is_dataclass(kind):
        return f"a mapping of {', '.join(_fields(kind))}"
    return _NAMES[typing.get_origin(kind) or kind]


def _convert(loader: yaml.SafeLoader, node: yaml.Node, kind, path: Path, what: str):
    """The node as a value of `kind` (a model, list[...], str, int, float, or X | None); `what` names it."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if node.tag == "tag:yaml.org,2002:null":
            return None
        return _convert(loader, node, next(a for a in args if a is not type(None)), path, what)
    if dataclasses.is_dataclass(kind) and isinstance(node, yaml.MappingNode):
        return _model(loader, node, kind, path)
    if origin is list and isinstance(node, yaml.SequenceNode):
        return [_convert(loader, item, args[0], path, f"an item of {what}") for item in node.value]
    value = loader.construct_object(node, deep=True) if isinstance(node, yaml.ScalarNode) else None
    if kind is float and type(value) is int:
        return float(value)
    if type(value) is not kind:
        found = repr(value) if isinstance(node, yaml.ScalarNode) else f"a {node.id}"
        raise CurationError(f"{path}:{_line(node)}: {what} must be {_describe(kind)}, not {found}")
    return value


def _fields(model) -> dict[str, dataclasses.Field]:
    """The model's YAML keys: every field but defined_at."""
    return {f.name: f for f in dataclasses.fields(model) if f.name != "defined_at"}


def _model(loader: yaml.SafeLoader, node: yaml.MappingNode, model, path: Path):
    hints, fields = typing.get_type_hints(model), _fields(model)
    values = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key not in fields:
            raise CurationError(f"{path}:{_line(key_node)}: unknown key {key!r} (expected one of "
                                f"{', '.join(fields)})")
        if key in values:
            raise CurationError(f"{path}:{_line(key_node)}: key {key!r} is given twice")
        values[key] = _convert(loader, value_node, hints[key], path, f"`{key}`")
    missing = [name for name, f in fields.items() if name not in values and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise CurationError(f"{path}:{_line(node)}: missing required key{'s' * (len(missing) > 1)} "
                            f"{', '.join(missing)}")
    try:
        return model(**values, defined_at=_line(node))
    except Invalid as exc:
        raise CurationError(f"{path}:{_line(node)}: {exc}") from None
