"""A tiny service-shaped schema for testing the shared plumbing against real Kafka and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from faststream.kafka import KafkaBroker
from sqlalchemy import Column, Integer, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import create_engine, session_factory
from shared.events import EventData
from shared.models import new_base
from shared.tables import BigId

Base = new_base()
outbox = Base.metadata.tables["outbox"]
inbox = Base.metadata.tables["inbox"]
applied = Table(
    "applied",
    Base.metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("subject", String(50), nullable=False),
    Column("n", Integer, nullable=False),
)


class ProbeData(EventData):
    event_type = "test.probe"
    topic = "unset"

    n: int


def probe_on(topic: str) -> type[ProbeData]:
    """The probe event, published on a topic of the test's own."""
    return type("Probe", (ProbeData,), {"topic": topic})  # type: ignore[return-value]


@asynccontextmanager
async def database(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


def kafka_broker(bootstrap: str) -> KafkaBroker:
    return KafkaBroker(bootstrap, enable_idempotence=True, acks="all", request_timeout_ms=5000)


async def applied_rows(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, int]]:
    async with sessions() as session:
        return [(r.subject, r.n) for r in (await session.execute(select(applied).order_by(applied.c.id))).all()]


async def pending_outbox_rows(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))) or 0
