"""At-least-once consumption with the inbox, retries and the dead-letter topic, on the real broker."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from deploy.local.kafka import LocalKafka
from shared.consumer import EventConsumer, RetryPolicy
from shared.events import Envelope
from shared.events.topics import dead_letter
from shared.metrics import ServiceMetrics
from shared.outbox import Outbox, OutboxRelay
from tests.integration.kafka_helpers import count_records, create_topics, eventually, read_topic
from tests.integration.plumbing import applied, applied_rows, database, inbox, kafka_broker, outbox, probe_on

pytestmark = pytest.mark.infra

RETRY = RetryPolicy(max_attempts=3, backoff_seconds=0.05, backoff_max_seconds=0.2)


async def _apply(session: AsyncSession, envelope: Envelope) -> None:
    await session.execute(insert(applied).values(subject=envelope.subject, n=envelope.data["n"]))


async def _committed(bootstrap: str, group: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return sum(meta.offset for meta in offsets.values() if meta.offset > 0)


@pytest.mark.parametrize("same_batch", [True, False], ids=["in-one-batch", "in-two-batches"])
async def test_the_same_event_delivered_twice_changes_state_once(
    kafka: LocalKafka, pg_database: str, unique: str, same_batch: bool
) -> None:
    topic, group = f"test.inbox.{unique}", f"g-{unique}"
    await create_topics(kafka.bootstrap_servers, topic, partitions=1)
    envelope = Envelope.wrap(probe_on(topic)(n=7), source="test", subject="198609262015051001")
    async with database(pg_database) as sessions:
        broker = kafka_broker(kafka.bootstrap_servers)
        consumer = EventConsumer(broker, sessions, inbox, group_id=group, retry=RETRY, metrics=ServiceMetrics("test"))
        consumer.subscribe(topic, {"test.probe": _apply})
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
        await producer.start()
        try:
            if same_batch:  # both wait in the topic before the consumer starts
                for _ in range(2):
                    await producer.send_and_wait(topic, envelope.to_bytes(), key=envelope.subject.encode())
                await broker.start()
            else:  # the second arrives after the first was committed
                await broker.start()
                await producer.send_and_wait(topic, envelope.to_bytes(), key=envelope.subject.encode())
                await eventually(lambda: _committed_is(kafka.bootstrap_servers, group, 1), what="the first commit")
                await producer.send_and_wait(topic, envelope.to_bytes(), key=envelope.subject.encode())
            await eventually(lambda: _committed_is(kafka.bootstrap_servers, group, 2), what="both deliveries committed")
        finally:
            await producer.stop()
            await broker.stop()
        assert await applied_rows(sessions) == [("198609262015051001", 7)]


async def test_a_database_outage_is_waited_out_not_dead_lettered(kafka: LocalKafka, pg_database: str, unique: str) -> None:
    topic, group = f"test.outage.{unique}", f"g-{unique}"
    await create_topics(kafka.bootstrap_servers, topic, dead_letter(topic), partitions=1)
    failures_left = RETRY.max_attempts + 2  # more failures than a poison message is allowed

    async def handler(session: AsyncSession, envelope: Envelope) -> None:
        nonlocal failures_left
        if failures_left:
            failures_left -= 1
            raise OperationalError("INSERT ...", {}, ConnectionRefusedError("database unreachable"))
        await _apply(session, envelope)

    envelope = Envelope.wrap(probe_on(topic)(n=1), source="test", subject="198609262015051001")
    async with database(pg_database) as sessions:
        broker = kafka_broker(kafka.bootstrap_servers)
        EventConsumer(broker, sessions, inbox, group_id=group, retry=RETRY, metrics=ServiceMetrics("test")).subscribe(
            topic, {"test.probe": handler})
        await broker.start()
        try:
            await broker.publish(envelope.to_bytes(), topic, key=envelope.subject.encode())
            await eventually(lambda: _applied_count_is(sessions, 1), timeout=60, what="the event to be applied")
        finally:
            await broker.stop()
    assert failures_left == 0
    assert await count_records(kafka.bootstrap_servers, dead_letter(topic)) == 0


async def _committed_is(bootstrap: str, group: str, expected: int) -> bool:
    return await _committed(bootstrap, group) == expected


async def test_a_poison_message_reaches_the_dlq_after_bounded_retries_and_the_partition_moves_on(
    kafka: LocalKafka, pg_database: str, unique: str
) -> None:
    topic, group = f"test.poison.{unique}", f"g-{unique}"
    await create_topics(kafka.bootstrap_servers, topic, partitions=1)
    Probe = probe_on(topic)
    attempts: Counter[int] = Counter()

    async def handler(session: AsyncSession, envelope: Envelope) -> None:
        attempts[envelope.data["n"]] += 1
        if envelope.data["n"] == 13:
            raise RuntimeError("cannot process event 13")
        if envelope.data["n"] == 14 and attempts[14] < 2:
            raise ConnectionError("transient failure of event 14")
        await _apply(session, envelope)

    poison, transient, after = (Envelope.wrap(Probe(n=n), source="test", subject="same-asn") for n in (13, 14, 15))
    async with database(pg_database) as sessions:
        broker = kafka_broker(kafka.bootstrap_servers)
        EventConsumer(broker, sessions, inbox, group_id=group, retry=RETRY, metrics=ServiceMetrics("test")).subscribe(topic, {"test.probe": handler})
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
        await producer.start()
        await broker.start()
        try:
            for value in (poison.to_bytes(), transient.to_bytes(), b"{not json", after.to_bytes()):
                await producer.send_and_wait(topic, value, key=b"same-asn")
            await eventually(lambda: _applied_count_is(sessions, 2), what="the events after the poison to be applied")
        finally:
            await broker.stop()
            await producer.stop()

        assert await applied_rows(sessions) == [("same-asn", 14), ("same-asn", 15)]
        assert attempts == {13: 3, 14: 2, 15: 1}  # bounded retries; the transient failure recovered
        dead = await read_topic(kafka.bootstrap_servers, dead_letter(topic), at_least=2)
        assert len(dead) == 2
        headers = [{k: v.decode() for k, v in record.headers} for record in dead]
        assert dead[0].value == poison.to_bytes()
        assert headers[0]["x-dlq-attempts"] == "3"
        assert "cannot process event 13" in headers[0]["x-dlq-error"]
        assert headers[0]["x-dlq-original-offset"] == "0"
        assert dead[1].value == b"{not json"
        assert headers[1]["x-dlq-attempts"] == "1"  # a broken envelope is never retried
        assert headers[1]["x-dlq-error-type"] == "ValidationError"


async def _applied_count_is(sessions, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return len(await applied_rows(sessions)) == expected


async def test_events_of_one_asn_are_handled_in_order(kafka: LocalKafka, pg_database: str, unique: str) -> None:
    topic, group = f"test.order.{unique}", f"g-{unique}"
    await create_topics(kafka.bootstrap_servers, topic, partitions=3)
    Probe = probe_on(topic)
    subjects = [f"19860926201505100{i}" for i in range(4)]
    async with database(pg_database) as sessions:
        writer = Outbox(outbox, source="test")
        for n in range(25):  # one transaction per change, as the services write them
            async with sessions() as session, session.begin():
                for subject in subjects:
                    await writer.emit(session, Probe(n=n), subject=subject)
        broker = kafka_broker(kafka.bootstrap_servers)
        EventConsumer(broker, sessions, inbox, group_id=group, retry=RETRY, metrics=ServiceMetrics("test")).subscribe(topic, {"test.probe": _apply})
        relay = OutboxRelay(sessions, outbox, kafka.bootstrap_servers, batch_size=30)
        await broker.start()
        relay.start()
        try:
            await eventually(lambda: _applied_count_is(sessions, 100), timeout=60, what="all 100 events applied")
        finally:
            await relay.stop()
            await broker.stop()
        rows = await applied_rows(sessions)
        for subject in subjects:
            assert [n for s, n in rows if s == subject] == list(range(25))


async def test_a_batch_handler_gets_runs_of_new_events_in_order_and_a_poison_one_is_isolated(
    kafka: LocalKafka, pg_database: str, unique: str
) -> None:
    topic, group = f"test.batch.{unique}", f"g-{unique}"
    await create_topics(kafka.bootstrap_servers, topic, partitions=1)
    Probe = probe_on(topic)
    calls: list[list[int]] = []

    async def apply_many(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        numbers = [e.data["n"] for e in envelopes]
        calls.append(numbers)
        if 13 in numbers:
            raise RuntimeError("cannot process event 13")
        await session.execute(insert(applied), [{"subject": e.subject, "n": e.data["n"]} for e in envelopes])

    envelopes = [Envelope.wrap(Probe(n=n), source="test", subject="same-asn") for n in range(30)]
    sent = envelopes[:20] + [envelopes[5]] + envelopes[20:]  # a redelivery inside the stream
    async with database(pg_database) as sessions:
        broker = kafka_broker(kafka.bootstrap_servers)
        EventConsumer(broker, sessions, inbox, group_id=group, retry=RETRY, metrics=ServiceMetrics("test")).subscribe(
            topic, {}, batch_handlers={"test.probe": apply_many})
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
        await producer.start()
        try:
            for envelope in sent:  # all wait in the topic, so the consumer sees them in few batches
                await producer.send_and_wait(topic, envelope.to_bytes(), key=b"same-asn")
            await broker.start()
            await eventually(lambda: _applied_count_is(sessions, 29), what="all but the poison event applied")
        finally:
            await producer.stop()
            await broker.stop()
        assert [n for _, n in await applied_rows(sessions)] == [n for n in range(30) if n != 13]
    assert max(len(numbers) for numbers in calls) > 1  # set-based: several events in one call
    assert all(numbers == sorted(numbers) for numbers in calls)  # in offset order
    assert sum(numbers.count(13) for numbers in calls if len(numbers) == 1) == RETRY.max_attempts  # isolated, bounded
    assert len(await read_topic(kafka.bootstrap_servers, dead_letter(topic), at_least=1)) == 1


async def test_one_batch_handler_for_two_types_keeps_an_alternating_stream_in_one_run(
    kafka: LocalKafka, pg_database: str, unique: str
) -> None:
    topic, group = f"test.mixed.{unique}", f"g-{unique}"
    await create_topics(kafka.bootstrap_servers, topic, partitions=1)
    Probe = probe_on(topic)
    Other = type("Other", (Probe,), {"event_type": "test.other"})
    calls: list[list[str]] = []

    async def apply_many(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        calls.append([e.type for e in envelopes])
        await session.execute(insert(applied), [{"subject": e.subject, "n": e.data["n"]} for e in envelopes])

    sent = [Envelope.wrap((Probe if n % 2 else Other)(n=n), source="test", subject="same-asn") for n in range(20)]
    async with database(pg_database) as sessions:
        broker = kafka_broker(kafka.bootstrap_servers)
        EventConsumer(broker, sessions, inbox, group_id=group, retry=RETRY, metrics=ServiceMetrics("test")).subscribe(
            topic, {}, batch_handlers={"test.probe": apply_many, "test.other": apply_many})
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
        await producer.start()
        try:
            for envelope in sent:
                await producer.send_and_wait(topic, envelope.to_bytes(), key=b"same-asn")
            await broker.start()
            await eventually(lambda: _applied_count_is(sessions, 20), what="all 20 events applied")
        finally:
            await producer.stop()
            await broker.stop()
        assert [n for _, n in await applied_rows(sessions)] == list(range(20))  # in order
    assert any({"test.probe", "test.other"} <= set(types) for types in calls)  # both types in one call
    assert len(calls) < 20
