"""Async database helpers: one engine per service, one session per request or message."""

from __future__ import annotations

import json
import zlib
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from opentelemetry import trace
from sqlalchemy import JSON, ColumnElement, Table, any_, bindparam, event, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext import asyncio as sa_asyncio  # looked up at call time, so tracing can wrap it
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


def create_engine(url: str) -> AsyncEngine:
    """Create the engine; SQLite (the embedded default) gets WAL, a busy timeout and BEGIN IMMEDIATE.

    SQLite has one writer at a time. WAL lets readers run beside it, the busy timeout makes a second
    writer wait instead of failing, and BEGIN IMMEDIATE takes the write lock up front so a transaction
    never fails half-way when it upgrades from reading to writing.
    """
    parsed = make_url(url)
    if not parsed.get_backend_name() == "sqlite":
        return sa_asyncio.create_async_engine(url, pool_size=10, max_overflow=10, pool_recycle=1800)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa_asyncio.create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below control transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that only read: on PostgreSQL in autocommit, so a single SELECT is one round
    trip (no BEGIN and ROLLBACK around it); on SQLite the ordinary sessions (reads there never block)."""
    if engine.dialect.name != "postgresql":
        return session_factory(engine)
    return async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)


def insert_for(session: AsyncSession, table: Any) -> Any:
    """An INSERT in the session's dialect, so `on_conflict_do_nothing` works on PostgreSQL and SQLite alike."""
    return (postgresql if is_postgres(session) else sqlite).insert(table)


def is_postgres(engine_or_session: AsyncEngine | AsyncSession) -> bool:
    bind = engine_or_session.bind if isinstance(engine_or_session, AsyncSession) else engine_or_session
    return bind.dialect.name == "postgresql"


def among(session: AsyncSession, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """`column IN values`. On PostgreSQL as `= ANY(array)`: one parameter whatever the number of values,
    so the statement keeps one shape — compiled and prepared once — instead of one per list length."""
    if is_postgres(session):
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]


async def try_instance_lock(session: AsyncSession, name: str) -> bool:
    """Whether this transaction now holds the lock `name` among a service's instances (a PostgreSQL
    transaction-scoped advisory lock, released at commit or rollback): False while another instance's
    transaction holds it. Always True on SQLite, where one process is the only writer."""
    if not is_postgres(session):
        return True
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(zlib.crc32(name.encode())))))


async def lock_keys(session: AsyncSession, namespace: str, keys: Collection[str]) -> None:
    """Wait for transaction-scoped PostgreSQL advisory locks on `keys` (within `namespace`): two
    transactions that lock the same key run the rest of their work one after the other, and a later
    statement of the second sees what the first committed. Taken in one order, so overlapping sets wait
    rather than deadlock; released at commit or rollback. Nothing to do on SQLite (one writer)."""
    if not keys or not is_postgres(session):
        return
    space = zlib.crc32(namespace.encode()) - (1 << 31)  # an int4
    await session.execute(text(
        "SELECT count(pg_advisory_xact_lock(:space, h)) "
        "FROM (SELECT hashtext(k) AS h FROM unnest(CAST(:keys AS text[])) AS k ORDER BY h) AS s"
    ), {"space": space, "keys": sorted(keys)})


COPY_FROM_ROWS = 50  # below this, a batched INSERT is as quick as COPY's set-up


async def bulk_insert(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many new rows in the session's transaction: PostgreSQL's COPY (binary) for a large batch, a batched
    INSERT otherwise. Every row has the same keys and carries every value itself (column defaults are
    not applied by COPY)."""
    if not rows:
        return
    if len(rows) < COPY_FROM_ROWS or not is_postgres(session):
        await session.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    as_json = {column for column in columns if isinstance(table.c[column].type, JSON)}
    records = [tuple(json.dumps(row[c]) if c in as_json else row[c] for c in columns) for row in rows]
    connection = await (await session.connection()).get_raw_connection()
    with trace.get_tracer(__name__).start_as_current_span(
            f"COPY {table.name}", kind=trace.SpanKind.CLIENT,
            attributes={"db.system": "postgresql", "db.operation": "COPY", "db.sql.table": table.name,
                        "db.operation.batch.size": len(records)}):
        await connection.driver_connection.copy_records_to_table(table.name, records=records, columns=columns)
