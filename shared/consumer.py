"""At-least-once consumption: inbox deduplication, bounded retries with backoff, then the dead-letter topic.

Every consumer in Talenta goes through `EventConsumer`:

1. records arrive in batches (up to `max_records`) and are applied in ONE transaction: their event
   ids go into the inbox in one statement (an id already there is a redelivery and is skipped) and
   each new record's handler changes state; one commit, one offset commit per batch;
2. each record's handler runs inside the record's own trace context (from its headers), so a flow
   stays one trace even though records are consumed in batches; the batch span links them all.
   A *batch handler* (set-based: one statement for many events) gets each run of consecutive new
   events it handles at once — one function may handle several types, so a stream that alternates
   between them stays one run — in offset order, in one span linked to all their traces (a run of one
   stays in its record's trace);
3. when a record fails, the transaction is rolled back, the records before it are applied again
   (in a new transaction; when a batch handler failed on a run, record by record to find the culprit),
   and the failing record is retried alone with exponential backoff, a
   bounded number of times; then
   it goes to `<topic>.dlq` with the error, and the rest of the batch continues. An envelope that
   breaks the contract goes to the DLQ at once. Infrastructure failures (the database or the broker
   unreachable) are not the event's fault: they are retried until they pass, never dead-lettered;
4. offsets are committed only after all that (FastStream's NACK_ON_ERROR policy: ack on success,
   seek back on an exception), so a crash before the commit redelivers, and the inbox absorbs it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from pydantic import ValidationError
from sqlalchemy import Table, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import insert_for, is_postgres
from shared.events import ContractViolation, Envelope
from shared.events.topics import dead_letter
from shared.metrics import ServiceMetrics
from shared.telemetry import current_event_id

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, Sequence[Envelope]], Awaitable[None]]


class PoisonEvent(Exception):
    """Raised by a handler for an event that can never succeed: it goes to the DLQ without retries."""


PERMANENT_ERRORS = (PoisonEvent, ContractViolation, ValidationError)
INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)

tracer = trace.get_tracer(__name__)


class _RecordFailed(Exception):
    def __init__(self, index: int, cause: Exception) -> None:
        super().__init__(f"record {index} failed: {cause!r}")
        self.index, self.cause = index, cause


class _RunFailed(Exception):
    """A batch handler failed on a run of several records: which one is at fault is not known yet."""


@dataclass(frozen=True)
class Routes:
    """What a subscription does with each event type: per record, or set-based per run of records."""

    handlers: Mapping[str, Handler]
    batch_handlers: Mapping[str, BatchHandler]

    def __contains__(self, event_type: str) -> bool:
        return event_type in self.handlers or event_type in self.batch_handlers

    def single(self, event_type: str) -> Handler | None:
        """A per-record handler for the type (a batch handler called with one event)."""
        batch = self.batch_handlers.get(event_type)
        if batch is not None:
            return lambda session, envelope: batch(session, [envelope])
        return self.handlers.get(event_type)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    backoff_seconds: float = 0.2
    backoff_max_seconds: float = 5.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return min(self.backoff_seconds * 2 ** (attempt - 1), self.backoff_max_seconds)


class EventConsumer:
    def __init__(
        self,
        broker: KafkaBroker,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Table,
        *,
        group_id: str,
        retry: RetryPolicy,
        metrics: ServiceMetrics,
    ) -> None:
        self._broker = broker
        self._sessions = sessions
        self._inbox = inbox
        self._group_id = group_id
        self._retry = retry
        self._metrics = metrics
        self._subscribers: list[Any] = []

    def subscribe(self, topic: str, handlers: Mapping[str, Handler], *,
                  batch_handlers: Mapping[str, BatchHandler] | None = None, max_records: int = 500) -> None:
        """Consume `topic` in this service's group; events whose type has no handler are skipped."""
        routes = Routes(handlers, batch_handlers or {})
        overlap = set(routes.handlers) & set(routes.batch_handlers)
        if overlap:
            raise ValueError(f"event types with both a handler and a batch handler: {sorted(overlap)}")

        async def on_batch(message: KafkaMessage) -> None:
            records = message.raw_message
            await self.process_batch(records if isinstance(records, tuple) else (records,), routes)

        subscriber = self._broker.subscriber(
            topic,
            batch=True,
            max_records=max_records,
            group_id=self._group_id,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            decoder=_undecoded,  # the records are parsed here, as envelopes: FastStream need not json-decode them
            auto_offset_reset="earliest",
            title=f"{self._group_id}:{topic}",
            description="Handles: " + ", ".join(sorted({*routes.handlers, *routes.batch_handlers})),
        )
        subscriber(on_batch)
        self._subscribers.append(subscriber)

    async def process_batch(self, records: Sequence[ConsumerRecord[Any, Any]], routes: Routes) -> None:
        position = 0
        while position < len(records):
            try:
                applied, failure = await self._apply_run(records[position:], routes)
            except INFRASTRUCTURE_ERRORS as exc:  # e.g. the database is away: wait for it, lose nothing
                log.warning("cannot apply events, retrying in %.1fs: %r", self._retry.backoff_max_seconds, exc)
                await asyncio.sleep(self._retry.backoff_max_seconds)
                continue
            position += applied
            if failure is not None:
                await self._after_first_failure(records[position], failure, routes)
                position += 1

    async def _apply_run(
        self, records: Sequence[ConsumerRecord[Any, Any]], routes: Routes
    ) -> tuple[int, Exception | None]:
        """Apply a prefix of `records` in one transaction; returns how many were applied and, when that
        is not all of them, why the next one was not (it failed, or its envelope is unparseable)."""
        envelopes: list[Envelope] = []
        stopped_by: Exception | None = None
        for record in records:
            try:
                envelopes.append(Envelope.model_validate_json(record.value))
            except ValidationError as exc:
                stopped_by = exc
                break
        count = len(envelopes)
        one_by_one = False
        while count:
            try:
                outcomes = await self._apply_all(records[:count], envelopes[:count], routes, one_by_one)
            except _RunFailed:  # all rolled back: again, one record at a time, to find which one fails
                one_by_one = True
                continue
            except _RecordFailed as failed:  # all rolled back: apply the records before it, then stop there
                count, stopped_by = failed.index, failed.cause
                continue
            except INFRASTRUCTURE_ERRORS:
                raise
            except Exception as exc:  # failed at commit, say: find the culprit one record at a time
                return 0, exc
            for labels in outcomes:
                self._metrics.events.labels(*labels).inc()
            break
        return count, stopped_by

    async def _apply_all(self, records: Sequence[ConsumerRecord[Any, Any]], envelopes: Sequence[Envelope],
                         routes: Routes, one_by_one: bool = False) -> list[tuple[str, str, str]]:
        outcomes = []
        async with self._sessions() as session, session.begin():
            topic = records[0].topic
            new = await self._record_in_inbox(session, topic, [e for e in envelopes if e.type in routes])
            run: list[int] = []  # indices of consecutive new events of one batch-handled type

            async def apply_run() -> None:
                batch = routes.batch_handlers[envelopes[run[0]].type]
                try:
                    with _in_trace_of_run([records[i] for i in run], [envelopes[i] for i in run]):
                        await batch(session, [envelopes[i] for i in run])
                        await session.flush()
                except Exception as exc:
                    if len(run) == 1:
                        raise _RecordFailed(run[0], exc) from exc
                    raise _RunFailed() from exc
                run.clear()

            for index, (record, envelope) in enumerate(zip(records, envelopes, strict=True)):
                if envelope.type not in routes or str(envelope.event_id) not in new:
                    outcomes.append((topic, envelope.type, "ignored" if envelope.type not in routes else "duplicate"))
                    continue
                new.discard(str(envelope.event_id))  # the same event twice in one batch runs once
                outcomes.append((topic, envelope.type, "handled"))
                if run and (one_by_one or routes.batch_handlers[envelopes[run[0]].type]
                            is not routes.batch_handlers.get(envelope.type)):
                    await apply_run()
                if envelope.type in routes.batch_handlers:
                    run.append(index)
                    continue
                if run:
                    await apply_run()
                try:
                    with _in_trace_of(record, envelope):
                        await routes.handlers[envelope.type](session, envelope)
                        await session.flush()  # its writes happen (and fail) inside its own span
                except Exception as exc:
                    raise _RecordFailed(index, exc) from exc
            if run:
                await apply_run()
        return outcomes

    async def _after_first_failure(
        self, record: ConsumerRecord[Any, Any], failure: Exception, routes: Routes
    ) -> None:
        """The record failed once inside a run: dead-letter it, or retry it alone."""
        try:
            envelope = Envelope.model_validate_json(record.value)
        except ValidationError as exc:
            await self._dead_letter(record, exc, attempts=1, event_type="unparseable")
            return
        handler = routes.single(envelope.type)
        if handler is None:  # not ours; it only shared a run whose commit failed
            self._metrics.events.labels(record.topic, envelope.type, "ignored").inc()
            return
        token = current_event_id.set(str(envelope.event_id))
        try:
            await self._retry_alone(record, envelope, handler, failure)
        finally:
            current_event_id.reset(token)

    async def _retry_alone(self, record: ConsumerRecord[Any, Any], envelope: Envelope, handler: Handler,
                           failure: Exception) -> None:
        attempt = 1
        while True:
            if isinstance(failure, PERMANENT_ERRORS) or (
                attempt >= self._retry.max_attempts and not isinstance(failure, INFRASTRUCTURE_ERRORS)
            ):
                await self._dead_letter(record, failure, attempts=attempt, event_type=envelope.type)
                return
            self._metrics.retries.labels(record.topic, envelope.type).inc()
            delay = self._retry.delay(attempt)
            log.warning("event %s failed (attempt %d), retrying in %.2fs: %r", envelope.event_id, attempt, delay, failure)
            await asyncio.sleep(delay)
            attempt += 1
            try:
                with _in_trace_of(record, envelope):
                    handled = await self._handle_once(record.topic, envelope, handler)
            except Exception as exc:
                failure = exc
                continue
            self._metrics.events.labels(record.topic, envelope.type, "handled" if handled else "duplicate").inc()
            return

    async def _apply(self, session: AsyncSession, topic: str, envelope: Envelope, handler: Handler) -> bool:
        """Inside the caller's transaction: True when the handler ran, False for a recognised redelivery."""
        if not await self._record_in_inbox(session, topic, [envelope]):
            return False
        await handler(session, envelope)
        return True

    async def _handle_once(self, topic: str, envelope: Envelope, handler: Handler) -> bool:
        """One record in a transaction of its own."""
        async with self._sessions() as session, session.begin():
            return await self._apply(session, topic, envelope, handler)

    async def _record_in_inbox(self, session: AsyncSession, topic: str, envelopes: Sequence[Envelope]) -> set[str]:
        """Record the events' ids in one statement; returns the ids that were new (not redeliveries)."""
        if not envelopes:
            return set()
        now = datetime.now(UTC)
        if is_postgres(session):  # one statement of fixed text whatever the batch size: compiled once
            result = await session.execute(text(
                f"INSERT INTO {self._inbox.name} (event_id, event_type, topic, processed_at) "
                "SELECT e.event_id, e.event_type, CAST(:topic AS varchar), CAST(:now AS timestamptz) FROM unnest(CAST(:ids AS varchar[]), "
                "CAST(:types AS varchar[])) AS e(event_id, event_type) "
                "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
            ), {"ids": [str(e.event_id) for e in envelopes], "types": [e.type for e in envelopes], "topic": topic,
                "now": now})
            return set(result.scalars())
        rows = [{"event_id": str(e.event_id), "event_type": e.type, "topic": topic, "processed_at": now}
                for e in envelopes]
        result = await session.execute(
            insert_for(session, self._inbox).values(rows).on_conflict_do_nothing(index_elements=["event_id"])
            .returning(self._inbox.c.event_id)
        )
        return set(result.scalars())

    async def _dead_letter(self, record: ConsumerRecord[Any, Any], exc: Exception, *, attempts: int,
                           event_type: str) -> None:
        """Publish the original bytes to `<topic>.dlq` with the error; raises if the DLQ is unreachable,
        so the offset is not committed and the message comes back."""
        log.error("dead-lettering %s[%d]@%d after %d attempt(s): %r", record.topic, record.partition,
                  record.offset, attempts, exc)
        headers = {key: value.decode(errors="replace") for key, value in (record.headers or ())}
        headers.update({
            "x-dlq-error": f"{exc}"[:4000],
            "x-dlq-error-type": type(exc).__name__,
            "x-dlq-original-topic": record.topic,
            "x-dlq-original-partition": str(record.partition),
            "x-dlq-original-offset": str(record.offset),
            "x-dlq-attempts": str(attempts),
            "x-dlq-consumer-group": self._group_id,
        })
        try:
            await self._broker.publish(record.value, dead_letter(record.topic), key=record.key, headers=headers)
            self._metrics.events.labels(record.topic, event_type, "dead_lettered").inc()
        except Exception:
            await asyncio.sleep(self._retry.backoff_max_seconds)  # never spin hot on a broken DLQ
            raise

    async def lag(self) -> dict[tuple[str, int], int]:
        """Per assigned partition: records after this group's committed offset."""
        lags: dict[tuple[str, int], int] = {}
        for subscriber in self._subscribers:
            consumer = subscriber.consumer
            assignment = list(consumer.assignment()) if consumer is not None else []
            if not assignment:
                continue
            ends = await consumer.end_offsets(assignment)
            starts = await consumer.beginning_offsets(assignment)
            for tp in assignment:
                committed = await consumer.committed(tp)
                lags[(tp.topic, tp.partition)] = ends[tp] - (committed if committed is not None else starts[tp])
        return lags


async def _undecoded(message: Any) -> None:
    """FastStream's decoding step, skipped: `on_batch` reads the raw records."""
    return None


@contextmanager
def _in_trace_of_run(records: Sequence[ConsumerRecord[Any, Any]], envelopes: Sequence[Envelope]) -> Iterator[None]:
    """A run of one stays in its record's trace. A longer run gets one span that continues the trace of its
    latest record (in an interactive flow, the request just made) and links to every record's trace."""
    if len(records) == 1:
        with _in_trace_of(records[0], envelopes[0]):
            yield
        return
    contexts = [propagate.extract({key: value.decode(errors="replace") for key, value in (record.headers or ())})
                for record in records]
    links = [trace.Link(span_context) for context in contexts
             if (span_context := trace.get_current_span(context).get_span_context()).is_valid]
    with tracer.start_as_current_span(
        f"{records[0].topic} handle {envelopes[0].type} ×{len(records)}",
        context=contexts[-1],
        kind=trace.SpanKind.CONSUMER,
        links=links,
        attributes={"messaging.destination.name": records[0].topic, "messaging.batch.message_count": len(records),
                    "messaging.kafka.partition": records[0].partition,
                    "messaging.kafka.offset": records[0].offset},
    ):
        yield


@contextmanager
def _in_trace_of(record: ConsumerRecord[Any, Any], envelope: Envelope) -> Iterator[None]:
    """Run the handler in a span of the record's own trace, linked to the batch being consumed."""
    carrier = {key: value.decode(errors="replace") for key, value in (record.headers or ())}
    batch = trace.get_current_span().get_span_context()
    token = otel_context.attach(propagate.extract(carrier))
    event_token = current_event_id.set(str(envelope.event_id))
    try:
        with tracer.start_as_current_span(
            f"{record.topic} handle {envelope.type}",
            kind=trace.SpanKind.CONSUMER,
            links=[trace.Link(batch)] if batch.is_valid else None,
            attributes={"messaging.destination.name": record.topic, "messaging.kafka.partition": record.partition,
                        "messaging.kafka.offset": record.offset, "talenta.event_id": str(envelope.event_id)},
        ):
            yield
    finally:
        current_event_id.reset(event_token)
        otel_context.detach(token)
