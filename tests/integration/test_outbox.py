"""The transactional outbox against a real broker and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from deploy.local.kafka import LocalKafka
from shared.events import Envelope
from shared.outbox import Outbox, OutboxRelay
from tests.integration.kafka_helpers import count_records, create_topics, eventually, read_topic
from tests.integration.plumbing import database, outbox, pending_outbox_rows, probe_on

pytestmark = pytest.mark.infra


class Abort(Exception):
    pass


async def test_a_committed_transaction_publishes_exactly_its_events(kafka: LocalKafka, pg_database: str, unique: str) -> None:
    topic = f"test.outbox.{unique}"
    await create_topics(kafka.bootstrap_servers, topic)
    Probe = probe_on(topic)
    async with database(pg_database) as sessions:
        writer = Outbox(outbox, source="test")
        async with sessions() as session, session.begin():
            sent = [await writer.emit(session, Probe(n=i), subject=f"19860926201505100{i % 2}") for i in range(5)]
        relay = OutboxRelay(sessions, outbox, kafka.bootstrap_servers)
        try:
            assert await relay.publish_batch() == 5
            assert await relay.publish_batch() == 0  # nothing is published twice
        finally:
            await relay.stop()
        records = await read_topic(kafka.bootstrap_servers, topic, at_least=5)
        assert await count_records(kafka.bootstrap_servers, topic) == 5
        received = {Envelope.model_validate_json(r.value).event_id: r.key.decode() for r in records}
        assert received == {e.event_id: e.subject for e in sent}  # each event once, keyed by its subject
        assert await pending_outbox_rows(sessions) == 0


async def test_a_rolled_back_transaction_publishes_nothing(kafka: LocalKafka, pg_database: str, unique: str) -> None:
    topic = f"test.outbox.{unique}"
    await create_topics(kafka.bootstrap_servers, topic)
    Probe = probe_on(topic)
    async with database(pg_database) as sessions:
        writer = Outbox(outbox, source="test")
        with pytest.raises(Abort):
            async with sessions() as session, session.begin():
                await writer.emit(session, Probe(n=1), subject="x")
                raise Abort
        async with sessions() as session, session.begin():
            marker = await writer.emit(session, Probe(n=2), subject="x")
        relay = OutboxRelay(sessions, outbox, kafka.bootstrap_servers)
        try:
            assert await relay.publish_batch() == 1
        finally:
            await relay.stop()
        records = await read_topic(kafka.bootstrap_servers, topic, at_least=1)
        assert [Envelope.model_validate_json(r.value).event_id for r in records] == [marker.event_id]
        assert await count_records(kafka.bootstrap_servers, topic) == 1


async def test_events_written_while_the_broker_is_down_go_out_once_it_is_back(
    tmp_path: Path, pg_database: str, unique: str
) -> None:
    own_kafka = LocalKafka(tmp_path / "kafka")  # a broker of this test's own, to stop and start again
    await asyncio.to_thread(own_kafka.start)
    topic = f"test.outbox.{unique}"
    await create_topics(own_kafka.bootstrap_servers, topic)
    Probe = probe_on(topic)
    try:
        async with database(pg_database) as sessions:
            relay = OutboxRelay(sessions, outbox, own_kafka.bootstrap_servers, poll_seconds=0.05, max_backoff_seconds=0.5,
                                publish_timeout_seconds=3)
            relay.start()
            await asyncio.to_thread(own_kafka.stop)

            writer = Outbox(outbox, source="test")
            async with sessions() as session, session.begin():
                sent = [await writer.emit(session, Probe(n=i), subject=f"s{i}") for i in range(3)]

            async def tried_and_failed() -> bool:
                async with sessions() as session:
                    attempts = (await session.scalars(select(outbox.c.attempts))).all()
                return len(attempts) == 3 and min(attempts) >= 1

            await eventually(tried_and_failed, timeout=60, what="the relay to fail while the broker is down")
            assert await pending_outbox_rows(sessions) == 3

            await asyncio.to_thread(own_kafka.start)
            await eventually(lambda: _none_pending(sessions), timeout=90, what="the backlog to be published")
            await relay.stop()
            records = await read_topic(own_kafka.bootstrap_servers, topic, at_least=3)
            assert {Envelope.model_validate_json(r.value).event_id for r in records} == {e.event_id for e in sent}
    finally:
        await asyncio.to_thread(own_kafka.stop)


async def _none_pending(sessions) -> bool:  # type: ignore[no-untyped-def]
    return await pending_outbox_rows(sessions) == 0


async def test_two_relays_on_one_outbox_publish_each_event_once_in_order(
    kafka: LocalKafka, pg_database: str, unique: str
) -> None:
    topic = f"test.outbox.{unique}"
    await create_topics(kafka.bootstrap_servers, topic, partitions=1)
    Probe = probe_on(topic)
    async with database(pg_database) as sessions:
        writer = Outbox(outbox, source="test")
        for n in range(300):
            async with sessions() as session, session.begin():
                await writer.emit(session, Probe(n=n), subject="198609262015051001")
        relays = [OutboxRelay(sessions, outbox, kafka.bootstrap_servers, batch_size=20, poll_seconds=0.01) for _ in range(2)]
        try:
            for relay in relays:  # two service instances polling the same outbox at once
                relay.start()
            await eventually(lambda: _none_pending(sessions), timeout=60, what="the outbox to drain")
        finally:
            for relay in relays:
                await relay.stop()
        records = await read_topic(kafka.bootstrap_servers, topic, at_least=300)
        assert [Envelope.model_validate_json(r.value).data["n"] for r in records] == list(range(300))
