"""The words policy documents use for their parts and their coverage positions: one place for each.

These describe the genre (medical policy), not any one payer's file.
"""
from __future__ import annotations

import re

# Section kinds, tried in order against a heading's text; the first match wins.
SECTION_KINDS: list[tuple[str, re.Pattern]] = [
    (kind, re.compile(pattern, re.I))
    for kind, pattern in [
        ("references", r"^(references|sources of information|bibliography|literature cited|works cited)\b"),
        ("history", r"\b(policy history|revision history|revisions?)\b|^history$"),
        ("related", r"\brelated (medical )?polic|\bcross.?references?\b"),
        ("trials", r"\bongoing\b.*\btrials?\b|\bunpublished\b.*\btrials?\b"),
        ("guidelines", r"\bguidelines?\b|\bposition statements?\b"),
        ("regulatory", r"\bregulatory status\b"),
        ("documentation", r"\bdocumentation requirements?\b|\binformation needed for review\b"),
        ("authorization", r"\b(prior|pre)[- ]?(authori[sz]ation|approval|certification)\b"),
        ("codes", r"\bcod(e|es|ing)\b|\bcode\(s\)|\bcpt\b|\bhcpcs\b|\bicd[- ]?10\b"),
        ("policy", r"^policy( coverage)?( criteria| statements?)?$|^policy\s*:|"
                   r"\bcoverage criteria\b|\bmedical policy criteria\b|^medical necessity\b|^criteria$"),
    ]
]

# What a policy closes with: its references or history, which codes and notices that apply to every
# policy of the issuer may follow. A document that ends anywhere else was cut short (see ending.py).
CLOSING_KINDS = ("references", "history")
END_MATTER_KINDS = CLOSING_KINDS + ("codes",)
NOTICES = re.compile(r"\bdisclaimer\b|\bterms of use\b|\binstructions for use\b|\bpertaining to all\b", re.I)

# Coverage positions as worded -> normalised. Longest, most specific phrases first.
STATUSES: list[tuple[re.Pattern, str]] = [
    (re.compile(p, re.I), status)
    for p, status in [
        (r"experimental\s*(?:/|,|and|or)\s*investigational|investigational\s*(?:/|and|or)\s*experimental",
         "experimental/investigational"),
        (r"not\s+medically\s+necessary", "not medically necessary"),
        (r"investigational", "investigational"),
        (r"experimental", "experimental/investigational"),
        (r"medically\s+necessary", "medically necessary"),
        (r"\bnot\s+covered\b", "not covered"),
    ]
]

# A coverage statement says that something is (or may be) considered <status>.
COVERAGE_VERB = re.compile(r"\b(?:is|are|be|considers?|deemed|remains?)\b", re.I)

# A code table's lead-in that makes its codes covered when the policy's criteria are met.
CODES_COVERED = re.compile(r"criteria\s+must\s+be\s+met\s+for\s+the\s+following\s+codes?|"
                           r"(?<!not )covered\s+(?:if|when)\s+(?:selection\s+)?criteria\s+are\s+met", re.I)

# Lists under a statement: criteria (conditions to meet) or indications (things treated).
CRITERIA_LEAD = re.compile(r"\bcriteri(?:a|on)\b|\bconditions?\b.*\bmet\b|\bproviding\b", re.I)
ANY_OF = re.compile(r"\b(?:either|any|at least one|one or more)\b", re.I)
ALL_OF = re.compile(r"\b(?:all|each|both|every)\b", re.I)

# Line of business named in a heading above coverage statements.
LINE_OF_BUSINESS = re.compile(r"\b(commercial|medicare|medicaid|members?|hmo|ppo|fep|indemnity)\b", re.I)


def status_of(text: str) -> tuple[str, str] | None:
    """(status as worded, normalised status) of the first coverage position named in text."""
    for pattern, status in STATUSES:
        match = pattern.search(text)
        if match:
            return match.group(0), status
    return None


def section_kind(heading: str) -> str | None:
    for kind, pattern in SECTION_KINDS:
        if pattern.search(heading):
            return kind
    return None

# Organs and sites, by word stems, so a statement about "renal cell carcinoma" meets the
# evidence sections headed "Renal Tumors" or "Kidney Cancer" in the same document.
SITES: dict[str, tuple[str, ...]] = {
    "kidney": ("kidney", "renal", "nephr"),
    "lung": ("lung", "pulmonary", "bronch", "nsclc", "thorac", "airway"),
    "liver": ("liver", "hepat", "hcc"),
    "breast": ("breast", "fibroadenoma", "mammar"),
    "pancreas": ("pancrea",),
    "bone": ("bone", "osseous", "osteo", "spinal", "skelet"),
    "prostate": ("prostat",),
    "skin": ("skin", "dermatolog", "cutaneous"),
    "eye": ("uveal", "ocular", "eye"),
    "cervix": ("cervi",),
    "soft tissue": ("sarcoma", "soft tissue", "desmoid"),
    "neuroendocrine": ("neuroendocrine",),
    "colorectum": ("colorectal", "colon", "rectal", "crc"),
}


def sites_of(text: str) -> set[str]:
    words = re.findall(r"[a-z]+(?: tissue)?", text.lower())
    return {site for site, stems in SITES.items() for word in words if word.startswith(stems)}
