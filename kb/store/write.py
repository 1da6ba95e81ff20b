"""Write the rows of every table, with the schema's keys, indexes, full-text search and views."""
from __future__ import annotations

import sqlite_utils

from .schema import TABLES, VIEWS


def write_tables(db: sqlite_utils.Database, tables: dict[str, list[dict]]) -> None:
    """Create every table of the schema and insert its rows; a row whose columns disagree is an error."""
    for name, table in TABLES.items():
        columns = table.column_types
        db[name].create(columns, pk=table.pk, foreign_keys=table.references)
        rows = tables[name]
        for row in rows:
            if set(row) != set(columns):
                raise ValueError(f"{name}: row columns {sorted(set(row) ^ set(columns))} disagree with the schema")
        db[name].insert_all(rows, batch_size=500)
        for column in table.indexes + [fk for fk, *_ in table.foreign_keys]:
            db[name].create_index([column], if_not_exists=True)
        if table.fts:
            db[name].enable_fts(table.fts, create_triggers=False)
    for name, sql in VIEWS.items():
        db.create_view(name, sql)
