"""At-least-once consumption: inbox deduplication, bounded retries with backoff, then the dead-letter topic.

Every consumer in Talenta goes through `EventConsumer`:

1. the envelope is parsed; one that breaks the contract goes straight to `<topic>.dlq`;
2. in one transaction the event id is recorded in the inbox and the handler changes state; an id
   already in the inbox means a redelivery, and nothing happens;
3. a failing handler is retried with exponential backoff, a bounded number of times; then the
   message goes to the dead-letter topic with the error, and the partition moves on;
4. the offset is committed only after that (FastStream's NACK_ON_ERROR policy: ack on success, seek
   back on an exception), so a crash before the commit redelivers, and the inbox absorbs it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.events import ContractViolation, Envelope
from shared.events.topics import dead_letter
from shared.metrics import ServiceMetrics
from shared.telemetry import current_event_id

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]


class PoisonEvent(Exception):
    """Raised by a handler for an event that can never succeed: it goes to the DLQ without retries."""


PERMANENT_ERRORS = (PoisonEvent, ContractViolation, ValidationError)


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

    def subscribe(self, topic: str, handlers: Mapping[str, Handler]) -> None:
        """Consume `topic` in this service's group; events whose type has no handler are skipped."""

        async def on_message(message: KafkaMessage) -> None:
            await self.process(message.raw_message, handlers)

        subscriber = self._broker.subscriber(
            topic,
            group_id=self._group_id,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
            title=f"{self._group_id}:{topic}",
            description="Handles: " + ", ".join(sorted(handlers)),
        )
        subscriber(on_message)
        self._subscribers.append(subscriber)

    async def process(self, record: ConsumerRecord[Any, Any], handlers: Mapping[str, Handler]) -> None:
        try:
            envelope = Envelope.model_validate_json(record.value)
        except ValidationError as exc:
            await self._dead_letter(record, exc, attempts=1, event_type="unparseable")
            return
        token = current_event_id.set(str(envelope.event_id))
        try:
            await self._process(record, envelope, handlers)
        finally:
            current_event_id.reset(token)

    async def _process(self, record: ConsumerRecord[Any, Any], envelope: Envelope,
                       handlers: Mapping[str, Handler]) -> None:
        handler = handlers.get(envelope.type)
        if handler is None:
            self._metrics.events.labels(record.topic, envelope.type, "ignored").inc()
            return
        for attempt in range(1, self._retry.max_attempts + 1):
            try:
                handled = await self._handle_once(record.topic, envelope, handler)
                self._metrics.events.labels(record.topic, envelope.type, "handled" if handled else "duplicate").inc()
                return
            except PERMANENT_ERRORS as exc:
                await self._dead_letter(record, exc, attempts=attempt, event_type=envelope.type)
                return
            except Exception as exc:
                if attempt == self._retry.max_attempts:
                    await self._dead_letter(record, exc, attempts=attempt, event_type=envelope.type)
                    return
                self._metrics.retries.labels(record.topic, envelope.type).inc()
                delay = self._retry.delay(attempt)
                log.warning("event %s failed (attempt %d), retrying in %.2fs: %s", envelope.event_id, attempt, delay, exc)
                await asyncio.sleep(delay)

    async def _handle_once(self, topic: str, envelope: Envelope, handler: Handler) -> bool:
        """True when the handler ran; False for a redelivery the inbox recognised."""
        async with self._sessions() as session, session.begin():
            if not await self._record_in_inbox(session, topic, envelope):
                return False
            await handler(session, envelope)
            return True

    async def _record_in_inbox(self, session: AsyncSession, topic: str, envelope: Envelope) -> bool:
        """True when the event is new; False for a redelivery (already processed)."""
        dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
        result = await session.execute(
            dialect.insert(self._inbox)
            .values(
                event_id=str(envelope.event_id),
                event_type=envelope.type,
                topic=topic,
                processed_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing(index_elements=["event_id"])
        )
        return result.rowcount == 1

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
