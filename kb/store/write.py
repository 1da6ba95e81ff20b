"""Write the rows of every table, with the schema's keys, indexes, full-text search and views.

Three steps, so a build can stream the rows it need not keep (each document's lines) as it reads
them: create the tables, insert rows (any number of times, in the caller's transaction), then add
the indexes, full-text search and views once every row is in.
"""
from __future__ import annotations

import operator
from collections.abc import Iterable

import sqlite_utils

from .schema import TABLES, VIEWS, columns_disagree


def create_tables(db: sqlite_utils.Database) -> None:
    for name, table in TABLES.items():
        db[name].create(table.column_types, pk=table.pk, foreign_keys=table.references)
        if table.sort_key:  # computed by SQLite, never inserted (schema.DOCUMENT_ORDER)
            db.execute(f"alter table [{name}] add column sort_key text generated always as ({table.sort_key}) virtual")


def insert_rows(db: sqlite_utils.Database, name: str, rows: Iterable[dict]) -> None:
    """Insert rows into a table, in the open transaction; a row whose columns disagree is an error."""
    columns = list(TABLES[name].column_types)
    pick = operator.itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)

    def values():
        for row in rows:
            try:  # as many columns as the schema's, each of them there: the same columns
                picked = pick(row) if len(row) == len(columns) else None
            except KeyError:
                picked = None
            if picked is None:
                raise columns_disagree(name, row, columns)
            yield picked

    db.conn.executemany(f"insert into [{name}] ({', '.join(f'[{c}]' for c in columns)}) "
                        f"values ({', '.join('?' * len(columns))})", values())


def finish_tables(db: sqlite_utils.Database) -> None:
    """Indexes, full-text search (filled from the rows now in) and views."""
    for name, table in TABLES.items():
        for column in table.indexes + [fk for fk, *_ in table.foreign_keys]:
            db[name].create_index([column], if_not_exists=True)
        if table.fts:
            db[name].enable_fts(table.fts, create_triggers=False)
    for name, sql in VIEWS.items():
        db.create_view(name, sql)
