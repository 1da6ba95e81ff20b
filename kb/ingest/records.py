"""Typed records extracted from one policy document. Each carries the span it came from."""
from __future__ import annotations

from dataclasses import dataclass, field

from .document import Document, Span


@dataclass
class Problem:
    """Something in a document the parser could not take as given: reported, never dropped."""

    severity: str  # "error": document not loaded; "warning": a record is doubtful; "info": noted
    code: str
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.severity}: {self.message} [{self.code}]"


@dataclass
class Field:
    label: str  # as written
    value: str
    span: Span
    date: str | None = None  # ISO, as precise as written: "2025", "2025-10" or "2025-10-01"
    context: str | None = None  # heading above the field, where one block repeats per claim type


@dataclass
class SectionRecord:
    number: int
    heading: str
    path: str
    level: int
    kind: str
    parent: int | None
    span: Span


@dataclass
class Threshold:
    subject: str | None
    comparator_text: str
    comparator: str  # one of < <= > >= written as ≤ ≥
    value: float
    unit: str | None


@dataclass
class Criterion:
    ordinal: int
    text: str
    span: Span
    kind: str = "listed"  # "listed" (its own list item) or "inline" (a clause of the statement)
    label: str | None = None
    parent: int | None = None  # ordinal of the criterion it nests under
    connective: str | None = None  # "or" / "and" written after it
    logic: str | None = None  # "any" / "all": how its own sub-criteria combine
    thresholds: list[Threshold] = field(default_factory=list)


@dataclass
class Statement:
    ordinal: int
    text: str
    status_text: str
    status: str
    span: Span
    section: int
    indication: str | None = None
    label: str | None = None
    lead_in: str | None = None  # for an item of a list of indications: the sentence that opens the list
    line_of_business: str | None = None
    logic: str | None = None  # how its criteria combine: "any" / "all"
    criteria: list[Criterion] = field(default_factory=list)
    codes: list[tuple[str, str]] = field(default_factory=list)  # (system, code) the statement names


@dataclass
class CoverageSentence:
    """A sentence that states a coverage position, and what became of it (see positions.py)."""

    text: str
    span: Span
    section: int
    in_policy: bool  # stands in a policy section
    status_text: str
    status: str
    outcome: str  # "statement", "boilerplate" or "not extracted"


@dataclass
class Code:
    system: str  # CPT, HCPCS, ICD-10-CM, ICD-10-PCS
    code: str
    span: Span
    section: int
    description: str | None = None
    status_text: str | None = None
    status: str | None = None


@dataclass
class CodeNote:
    """What a coding section says of a whole code system: "HCPCS: None", "E/I for all diagnoses"."""

    system: str
    note: str
    span: Span
    status: str | None = None


@dataclass
class Reference:
    position: int  # order in the list, from 1
    raw: str
    span: Span
    section: int
    number: int | None = None  # as written; None in an unnumbered list
    number_inferred: bool = False  # numbered by position because a numbered list continues after it
    authors: str | None = None
    first_author: str | None = None
    corporate_author: bool = False
    title: str | None = None
    journal: str | None = None
    year: int | None = None
    month: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    pmid: str | None = None
    pmid_raw: str | None = None  # the text after "PMID" as written, also when it holds no id
    doi: str | None = None
    url: str | None = None
    accessed: str | None = None


@dataclass
class Citation:
    """One in-text citation marker; `numbers` holds the reference numbers, ranges expanded."""

    marker: str
    numbers: list[int]
    span: Span
    section: int
    sentence: str


@dataclass
class Trial:
    nct_id: str
    span: Span
    section: int
    title: str | None = None
    planned_enrollment: int | None = None
    completion_date_text: str | None = None
    completion_date: str | None = None
    group: str | None = None  # row-group label above it in the table ("Ongoing > Renal cancer")
    note: str | None = None  # footnote its marker points to
    source: str = "table"  # "table" or "text"


@dataclass
class Guideline:
    body: str  # abbreviation from the curated list of guideline bodies
    span: Span
    section: int
    kind: str  # "guideline", "appropriateness criteria", "position statement", "coverage determination", ...
    text: str
    topic: str | None = None
    version: str | None = None
    year: int | None = None
    source: str = "text"  # "text" (named in a passage) or "reference" (an entry of the reference list)
    reference_position: int | None = None


@dataclass
class Recommendation:
    """A recommendation the policy quotes from a guideline, with its level where given."""

    text: str
    span: Span
    section: int
    mention: int | None  # index (from 1) of the guideline mention it belongs to
    category: str | None = None  # NCCN category: 1, 2A, 2B, 3
    label: str | None = None  # "Guideline statement 25"
    level_of_recommendation: str | None = None
    level_of_evidence: str | None = None


@dataclass
class HistoryEntry:
    date_text: str
    text: str
    span: Span
    date: str | None = None


@dataclass
class RelatedPolicy:
    relation: str  # "related" or "replaces"
    span: Span
    title: str | None = None
    number: str | None = None
    category: str | None = None


@dataclass
class Device:
    name: str
    span: Span
    manufacturer: str | None = None


@dataclass
class Policy:
    """Everything extracted from one document."""

    source: str
    document: Document | None = None
    title: str | None = None
    title_span: Span | None = None
    number: str | None = None
    bcbsa_reference: str | None = None
    fields: list[Field] = field(default_factory=list)
    sections: list[SectionRecord] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    codes: list[Code] = field(default_factory=list)
    code_notes: list[CodeNote] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    evidence: list = field(default_factory=list)  # EvidenceLink: statement -> citation
    trials: list[Trial] = field(default_factory=list)
    guidelines: list[Guideline] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    related: list[RelatedPolicy] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    coverage_sentences: list[CoverageSentence] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
