"""efetch into the PubMed cache, one batch at a time: what enrichment and the searches for new evidence share.

Only records asked for are cached; a record that cannot be read is not cached, so it is asked for
again next run. A batch is stored in one transaction.
"""
from __future__ import annotations

from .cache import PubmedCache
from .client import EutilsClient, EutilsError
from .pubmed import RecordError, parse_article


def fetch_batch(client: EutilsClient, cache: PubmedCache, batch: list[str]) -> tuple[int, dict[str, str], list[str]]:
    """(records stored, PMID -> why it was not, PMIDs the answer held that were not asked for)."""
    try:
        answer = client.efetch(batch)
    except EutilsError as exc:
        return 0, {pmid: str(exc) for pmid in batch}, []
    failed, records = {}, {}
    for pmid in batch:
        if pmid not in answer:
            failed[pmid] = "PubMed returned no record for this PMID"
            continue
        try:
            parse_article(answer[pmid])
        except RecordError as exc:
            failed[pmid] = f"PubMed's record cannot be read ({exc}); asked for again next run"
            continue
        records[pmid] = answer[pmid]
    cache.put_records(records, "xml", client.settings.base_url)
    return len(records), failed, sorted(set(answer) - set(batch))
