"""Reading the knowledge base: rows as dicts, from a sqlite3 or sqlite-utils connection."""
from __future__ import annotations


def rows(conn, sql: str, params=()) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
