"""Async database helpers: one engine per service, one session per request or message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
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


def insert_for(session: AsyncSession, table: Any) -> Any:
    """An INSERT in the session's dialect, so `on_conflict_do_nothing` works on PostgreSQL and SQLite alike."""
    return (postgresql if is_postgres(session) else sqlite).insert(table)


def is_postgres(engine_or_session: AsyncEngine | AsyncSession) -> bool:
    bind = engine_or_session.bind if isinstance(engine_or_session, AsyncSession) else engine_or_session
    return bind.dialect.name == "postgresql"
