"""A running server shows a rebuilt knowledge base at the next request, SPARQL included, without a restart."""
from __future__ import annotations

import asyncio
import shutil

import yaml
from datasette.app import Datasette

from kb.pipeline import build
from kb.web.asgi import SETTINGS

from .conftest import DATA, ROOT

COUNT = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/cryo-kb/vocab#Policy> }"


def test_a_rebuild_is_served_at_the_next_request(kb_path, tmp_path):
    served = tmp_path / "kb.db"
    shutil.copy(kb_path, served)
    smaller = tmp_path / "data"
    shutil.copytree(DATA, smaller)
    entries = yaml.safe_load((smaller / "policies.yml").read_text())
    (smaller / "policies.yml").write_text(yaml.safe_dump([e for e in entries if e["id"] != "medmutual-200802"]))
    (smaller / "policies" / "medmutual-200802-cryoablation.txt").unlink()
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    datasette = Datasette([str(served)], metadata=metadata, settings=SETTINGS)  # as kb serve runs it

    async def ask():
        policies = await datasette.client.get("/kb.json?sql=select+count(*)+as+n+from+policies&_shape=array")
        sparql = await datasette.client.get("/-/sparql", params={"query": COUNT},
                                            headers={"Accept": "application/sparql-results+json"})
        page = await datasette.client.get("/-/policy/medmutual-200802")
        return (policies.json()[0]["n"], int(sparql.json()["results"]["bindings"][0]["n"]["value"]),
                page.status_code)

    assert asyncio.run(ask()) == (5, 5, 200)
    build(served, smaller, cache_path=tmp_path / "absent.sqlite")  # renamed over the file being served
    assert asyncio.run(ask()) == (4, 4, 404)
