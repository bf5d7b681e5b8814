"""Benchmark of the event plumbing every service uses, with real Kafka and PostgreSQL started here.

    .venv/bin/python -m tests.bench.bench_event_pipeline [--events 20000]

Measures, side by side with a baseline in the same run:
  1. publishing: the outbox relay (PostgreSQL rows → Kafka, idempotent producer, acks=all) against a
     bare aiokafka producer sending the same payloads (no database);
  2. consuming: EventConsumer (envelope parse, inbox row + handler write in one PostgreSQL transaction,
     commit after) against a bare aiokafka consumer reading the same topic;
and prints throughput, end-to-end latency percentiles (written → handled) and the peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaProducer
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from deploy.local.kafka import LocalKafka
from deploy.local.postgres import LocalPostgres
from shared.consumer import EventConsumer, RetryPolicy
from shared.events import Envelope
from shared.metrics import ServiceMetrics
from shared.outbox import Outbox, OutboxRelay, backlog
from tests.bench.baselines import bare_consumer_seconds
from tests.bench.procstat import own_peak_rss_mb
from tests.integration.kafka_helpers import create_topics
from tests.integration.plumbing import applied, database, inbox, kafka_broker, outbox, probe_on


def _percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    q = statistics.quantiles(values, n=100)
    return f"p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms"


async def _write_outbox(sessions, topic: str, events: int) -> None:  # type: ignore[no-untyped-def]
    writer, Probe = Outbox(outbox, source="bench"), probe_on(topic)
    for start in range(0, events, 1000):
        async with sessions() as session, session.begin():
            for n in range(start, min(start + 1000, events)):
                await writer.emit(session, Probe(n=n), subject=f"{198609262015051000 + n % 997}")


async def bench_publish(bootstrap: str, db_url: str, events: int) -> None:
    topic, baseline_topic = f"bench.relay.{uuid.uuid4().hex[:6]}", f"bench.raw.{uuid.uuid4().hex[:6]}"
    await create_topics(bootstrap, topic, baseline_topic)
    async with database(db_url) as sessions:
        await _write_outbox(sessions, topic, events)
        relay = OutboxRelay(sessions, outbox, bootstrap, batch_size=500)
        started = time.perf_counter()
        while (await relay.publish_batch()) > 0:
            pass
        relay_seconds = time.perf_counter() - started
        await relay.stop()
        assert (await backlog(sessions, outbox))[0] == 0

    payloads = [Envelope.wrap(probe_on(baseline_topic)(n=n), source="bench", subject=str(n)).to_bytes()
                for n in range(events)]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    started = time.perf_counter()
    futures = [await producer.send(baseline_topic, p, key=str(n % 997).encode()) for n, p in enumerate(payloads)]
    await asyncio.gather(*futures)
    raw_seconds = time.perf_counter() - started
    await producer.stop()
    print(f"publish  {events} events: outbox relay {events / relay_seconds:,.0f}/s   "
          f"baseline bare producer {events / raw_seconds:,.0f}/s")
    return None


async def bench_consume(bootstrap: str, db_url: str, events: int) -> None:
    topic = f"bench.consume.{uuid.uuid4().hex[:6]}"
    await create_topics(bootstrap, topic)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    Probe = probe_on(topic)
    for n in range(events):
        envelope = Envelope.wrap(Probe(n=n), source="bench", subject=str(n % 997))
        await producer.send(topic, envelope.to_bytes(), key=envelope.subject.encode())
    await producer.flush()
    await producer.stop()

    latencies: list[float] = []
    done = asyncio.Event()

    async def handler(session: AsyncSession, envelope: Envelope) -> None:
        await session.execute(insert(applied).values(subject=envelope.subject, n=envelope.data["n"]))
        latencies.append((datetime.now(UTC) - envelope.occurred_at).total_seconds())
        if len(latencies) == events:
            done.set()

    async with database(db_url) as sessions:
        broker = kafka_broker(bootstrap)
        EventConsumer(broker, sessions, inbox, group_id=f"bench-{uuid.uuid4().hex[:6]}",
                      retry=RetryPolicy(), metrics=ServiceMetrics("bench")).subscribe(topic, {"test.probe": handler})
        started = time.perf_counter()
        await broker.start()
        await done.wait()
        consumer_seconds = time.perf_counter() - started
        await broker.stop()

    raw_seconds = await bare_consumer_seconds(bootstrap, topic, events)
    print(f"consume  {events} events: EventConsumer (inbox + handler, PostgreSQL) {events / consumer_seconds:,.0f}/s "
          f"({_percentiles(latencies)} since written, backlog included)   "
          f"baseline bare consumer {events / raw_seconds:,.0f}/s")


async def main(events: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        kafka, postgres = LocalKafka(Path(tmp) / "kafka"), LocalPostgres(Path(tmp) / "pg")
        kafka.start()
        postgres.start()
        try:
            for name in ("publish", "consume"):
                postgres.create_database(name)
            await bench_publish(kafka.bootstrap_servers, postgres.url("publish"), events)
            await bench_consume(kafka.bootstrap_servers, postgres.url("consume"), events)
            print(f"peak RSS of this process: {own_peak_rss_mb():.0f} MB")
        finally:
            postgres.stop()
            kafka.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().events))
