"""Transactional outbox: events are stored with the state change, and a relay publishes them afterwards."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from sqlalchemy import Row, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.background import BackgroundLoop
from shared.db import bulk_insert, is_postgres, try_instance_lock
from shared.events import Envelope, EventData
from shared.metrics import ServiceMetrics

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)


class Outbox:
    """The write side: `emit` adds an event to the caller's transaction; nothing is published here."""

    def __init__(self, table: Table, source: str) -> None:
        self.table = table
        self.source = source

    async def emit(
        self,
        session: AsyncSession,
        data: EventData,
        *,
        subject: str,
        caused_by: Envelope | None = None,
    ) -> Envelope:
        return (await self.emit_many(session, [(data, subject)], caused_by=caused_by))[0]

    async def emit_many(
        self,
        session: AsyncSession,
        events: Sequence[tuple[EventData, str]],
        *,
        caused_by: Envelope | None = None,
        causes: Sequence[Envelope | None] | None = None,
    ) -> list[Envelope]:
        """Add events (payload, subject) to the caller's transaction in one statement, in this order.
        `causes`, when given, names each event's own cause (one per event) instead of `caused_by`."""
        if not events:
            return []
        carrier: dict[str, str] = {}
        propagate.inject(carrier)  # the relay publishes inside this trace context
        trace_carrier, now = json.dumps(carrier), datetime.now(UTC)
        causes = causes if causes is not None else [caused_by] * len(events)
        envelopes = [Envelope.wrap(data, source=self.source, subject=subject, caused_by=cause, occurred_at=now,
                                   traceparent=carrier.get("traceparent"))
                     for (data, subject), cause in zip(events, causes, strict=True)]
        await bulk_insert(session, self.table, [
            {"event_id": str(envelope.event_id), "event_type": envelope.type, "topic": data.topic, "key": subject,
             "payload": envelope.model_dump_json(), "trace_carrier": trace_carrier, "created_at": now,
             "published_at": None, "attempts": 0, "last_error": None}
            for envelope, (data, subject) in zip(envelopes, events, strict=True)
        ])
        return envelopes


class OutboxRelay(BackgroundLoop):
    """Publishes pending outbox rows in id order, marks them published, and retries until it can.

    On PostgreSQL several service instances may run a relay: a transaction-scoped advisory lock lets
    one of them publish at a time (so events of one key keep their order across instances), and the
    claimed rows are locked with FOR UPDATE SKIP LOCKED while they are published. On SQLite (one
    process) the rows are read, published, then marked in short transactions, so the single writer
    lock is never held while waiting for the broker.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        table: Table,
        bootstrap_servers: str,
        *,
        client_id: str = "talenta-outbox-relay",
        request_timeout_ms: int = 15000,
        batch_size: int = 500,
        poll_seconds: float = 0.1,
        max_backoff_seconds: float = 5.0,
        publish_timeout_seconds: float = 30.0,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self._sessions = sessions
        self._table = table
        self._producer_config = {"bootstrap_servers": bootstrap_servers, "client_id": client_id,
                                 "request_timeout_ms": request_timeout_ms, "enable_idempotence": True, "acks": "all",
                                 "linger_ms": 5}
        self._producer: AIOKafkaProducer | None = None
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._max_backoff = max_backoff_seconds
        self._publish_timeout = publish_timeout_seconds
        self._metrics = metrics
        self._lock_name = f"outbox:{table.fullname}"
        self._claimed: list[int] = []

    task_name = "outbox-relay"

    async def stop(self) -> None:
        await super().stop()
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def _started_producer(self) -> AIOKafkaProducer:
        """The relay's own idempotent producer (acks=all), started on first use and after a failed start."""
        if self._producer is None:
            producer = AIOKafkaProducer(**self._producer_config)
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _run(self) -> None:
        backoff = self._poll_seconds
        while True:
            try:
                published = await self.publish_batch()
                backoff = self._poll_seconds
            except Exception as exc:  # broker down, database hiccup: keep the rows, try again later
                log.warning("outbox relay could not publish, retrying in %.1fs: %s", backoff, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            if published < self._batch_size:
                await asyncio.sleep(self._poll_seconds)

    async def publish_batch(self) -> int:
        """Publish up to one batch of pending rows; returns how many were published."""
        self._claimed = []
        try:
            # Polling is not traced (it would be a trace every poll); each row's publish is, inside the
            # trace of the request that wrote it (`_send` enters the stored context).
            with suppress_instrumentation():
                async with self._sessions() as session:
                    if is_postgres(session):
                        return await self._publish_locked(session)
                    return await self._publish_unlocked(session)
        except Exception as exc:
            if self._metrics:
                self._metrics.outbox_failures.inc()
            if self._claimed:  # after the claiming transaction ended, so its row locks are gone
                await self._record_failure(self._claimed, exc)
            raise

    async def _publish_locked(self, session: AsyncSession) -> int:
        async with session.begin():
            if not await try_instance_lock(session, self._lock_name):
                return 0
            rows = (await session.execute(self._pending().with_for_update(skip_locked=True))).all()
            if rows:
                await self._publish_rows(rows)
                await self._mark_published(session, rows)
        return len(rows)

    async def _publish_unlocked(self, session: AsyncSession) -> int:
        async with session.begin():
            rows = (await session.execute(self._pending())).all()
        if rows:
            await self._publish_rows(rows)
            async with session.begin():
                await self._mark_published(session, rows)
        return len(rows)

    def _pending(self) -> Any:
        t = self._table
        return select(t).where(t.c.published_at.is_(None)).order_by(t.c.id).limit(self._batch_size)

    async def _publish_rows(self, rows: Sequence[Row[Any]]) -> None:
        self._claimed = [row.id for row in rows]
        producer = await self._started_producer()
        # The producer keeps retrying while the broker is away; bound the wait so the batch is recorded as
        # failed and tried again (a late acknowledgement then means a duplicate, which the inbox absorbs).
        async with asyncio.timeout(self._publish_timeout):
            confirmations = []
            for group in _runs_of_one_trace(rows):
                confirmations += await self._send_group(producer, group)
            await asyncio.gather(*confirmations)
        if self._metrics:
            for row in rows:
                self._metrics.outbox_published.labels(row.topic).inc()

    async def _send_group(self, producer: AIOKafkaProducer, rows: Sequence[Row[Any]]) -> list[asyncio.Future[Any]]:
        """Rows written in one trace context (one request, one import chunk) are published in one span of
        that trace, whose context travels in each message's headers to the consumers."""
        # Enter the stored context as a whole (this also leaves the polling's suppressed context).
        token = otel_context.attach(propagate.extract(json.loads(rows[0].trace_carrier or "{}")))
        try:
            first = rows[0]
            name = f"outbox relay {first.topic}" + (f" ×{len(rows)}" if len(rows) > 1 else "")
            attributes = {"messaging.destination.name": first.topic, "messaging.batch.message_count": len(rows)}
            if len(rows) == 1:
                attributes.update({"talenta.event_id": first.event_id, "talenta.event_type": first.event_type})
            with tracer.start_as_current_span(name, kind=trace.SpanKind.PRODUCER, attributes=attributes):
                carrier: dict[str, str] = {}
                propagate.inject(carrier)
                trace_headers = [(key, value.encode()) for key, value in carrier.items()]
                return [await producer.send(
                    row.topic, row.payload.encode(), key=row.key.encode(),
                    headers=[("content-type", b"application/json"), ("ce_type", row.event_type.encode()),
                             ("ce_id", row.event_id.encode()), *trace_headers],
                ) for row in rows]
        finally:
            otel_context.detach(token)

    async def _mark_published(self, session: AsyncSession, rows: Sequence[Row[Any]]) -> None:
        t = self._table
        await session.execute(
            update(t).where(t.c.id.in_([r.id for r in rows])).values(published_at=datetime.now(UTC))
        )

    async def _record_failure(self, ids: list[int], exc: Exception) -> None:
        t = self._table
        try:
            async with self._sessions() as session, session.begin():
                await session.execute(
                    update(t)
                    .where(t.c.id.in_(ids))
                    .values(attempts=t.c.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000])
                )
        except Exception:  # recording the failure is best effort; the rows stay pending either way
            log.exception("could not record the outbox failure")


def _runs_of_one_trace(rows: Sequence[Row[Any]]) -> list[list[Row[Any]]]:
    """Consecutive rows that share their stored trace context (and topic), in order."""
    runs: list[list[Row[Any]]] = []
    for row in rows:
        if runs and (runs[-1][0].trace_carrier, runs[-1][0].topic) == (row.trace_carrier, row.topic):
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


async def backlog(sessions: async_sessionmaker[AsyncSession], table: Table) -> tuple[int, datetime | None]:
    """How many rows wait to be published, and when the oldest of them was written."""
    async with sessions() as session:
        row = (await session.execute(
            select(func.count(), func.min(table.c.created_at)).where(table.c.published_at.is_(None))
        )).one()
    oldest = row[1]
    if oldest is not None and oldest.tzinfo is None:  # SQLite keeps no zone; rows are written in UTC
        oldest = oldest.replace(tzinfo=UTC)
    return row[0], oldest
