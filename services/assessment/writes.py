"""Many rows at once: PostgreSQL's COPY, which skips SQLAlchemy's per-parameter processing (it cost more
than the database's own work for the imports and re-evaluations); one INSERT elsewhere (SQLite)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import insert_for, is_postgres


async def write_rows(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows: PostgreSQL's COPY (no statement parameters to process), else one INSERT."""
    if not is_postgres(session):
        await session.execute(insert(table), rows)
        return
    columns = [c.name for c in table.columns]
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    records = [tuple(json.dumps(row.get(c)) if c in json_columns else row.get(c) for c in columns) for row in rows]
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    await raw.copy_records_to_table(table.name, records=records, columns=columns)


async def upsert_rows(session: AsyncSession, table: Table, rows: list[dict[str, Any]], key: str) -> None:
    """Insert rows, or update them where `key` is taken: one statement (rows carry the same columns)."""
    if not rows:
        return
    upsert = insert_for(session, table)
    await session.execute(upsert.on_conflict_do_update(index_elements=[key], set_={
        column: upsert.excluded[column] for column in rows[0] if column != key}), rows)
