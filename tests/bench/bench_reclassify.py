"""Benchmark: reclassifying N ASN from their events, with real Kafka and PostgreSQL started here.

    .venv/bin/python -m tests.bench.bench_reclassify [--asn 20000]

The synthetic regency generator (deploy/demo/regency.py, streamed: memory stays flat) writes each ASN's
events to the real topics — profile.registered, two years of performance.rated, assessment.completed —
then the succession service runs as a process (uvicorn, PostgreSQL) and consumes them:

  1. initial mapping: every ASN placed from their four events (ASN/s, events/s), by one instance, then
     by TWO instances in one consumer group (another group, a fresh database);
  2. the yearly SKP wave: one new performance.rated per ASN, everyone reclassified from one event, by
     each of the two groups again (each started when the wave is on the topic);
  3. a check that the two instances gave exactly the placements the single instance gave;

beside the baseline of a bare aiokafka consumer reading the same topics in the same run. Prints
throughput, the peak RSS of each service process (VmHWM) and of this process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text

from deploy.demo.regency import Person, events_for, stream
from deploy.local.kafka import LocalKafka
from deploy.local.postgres import LocalPostgres
from deploy.local.run import ServiceProcess
from deploy.local.server import free_port
from shared.db import create_engine
from shared.events import Envelope
from shared.events.schemas import PerformanceRated
from shared.events.topics import ASSESSMENT_EVENTS, PROFILE_EVENTS
from shared.events.vocabulary import PerformanceLevel, Rating
from tests.bench.procstat import own_peak_rss_mb, peak_rss_mb

TOPICS = (PROFILE_EVENTS, ASSESSMENT_EVENTS)
TODAY = date(2026, 11, 29)
AGENCIES = 20  # a million ASN spread over agencies, as nationally


def _agency(index: int) -> str:
    return f"agency-{index % AGENCIES:03d}"


def _initial(count: int) -> Iterator[tuple[str, Envelope]]:
    for index, person in enumerate(stream(count, today=TODAY)):
        for data in events_for(person, _agency(index)):
            yield data.topic, Envelope.wrap(data, source="bench", subject=person.nip)


def _wave(count: int) -> Iterator[tuple[str, Envelope]]:
    """Everyone's SKP for the new year, at once (domain.md §7): a fifth rated Sangat Baik, most Baik."""
    for index, person in enumerate(stream(count, today=TODAY)):
        rating, level = _next_year(person, index)
        data = PerformanceRated(nip=person.nip, agency_id=_agency(index), year=TODAY.year, rating=rating,
                                performance_level=level, years_considered=[TODAY.year - 1, TODAY.year],
                                policy_version="default-1")
        yield data.topic, Envelope.wrap(data, source="bench", subject=person.nip)


def _next_year(person: Person, index: int) -> tuple[Rating, PerformanceLevel]:
    if index % 5 == 0:
        return Rating.SANGAT_BAIK, PerformanceLevel.DI_ATAS_EKSPEKTASI
    if index % 11 == 0:
        return Rating.KURANG, PerformanceLevel.DI_BAWAH_EKSPEKTASI
    return Rating.BAIK, PerformanceLevel.SESUAI_EKSPEKTASI


async def _produce(bootstrap: str, events: Iterator[tuple[str, Envelope]]) -> tuple[int, float]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=20,
                                max_batch_size=1 << 20, compression_type=None)
    await producer.start()
    started, sent, pending = time.perf_counter(), 0, []
    try:
        for topic, envelope in events:
            pending.append(await producer.send(topic, envelope.to_bytes(), key=envelope.subject.encode()))
            sent += 1
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return sent, time.perf_counter() - started


async def _ends(bootstrap: str) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = [TopicPartition(t, p) for t in TOPICS for p in consumer.partitions_for_topic(t) or
                      await _partitions(consumer, t)]
        return await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


async def _wait_consumed(bootstrap: str, group: str, ends: dict[TopicPartition, int], processes: list[ServiceProcess],
                         timeout: float, started: float) -> float:
    """Seconds from `started` until the group has committed every partition's end offset."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    deadline = time.monotonic() + timeout
    try:
        while True:
            offsets = await admin.list_consumer_group_offsets(group)
            if all(offsets.get(tp) is not None and offsets[tp].offset >= end for tp, end in ends.items() if end):
                return time.perf_counter() - started
            for process in processes:
                if process.process is not None and process.process.poll() is not None:
                    raise RuntimeError(f"{process.name} exited; see {process.log_path}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"group {group} did not catch up in {timeout} s")
            await asyncio.sleep(0.5)
    finally:
        await admin.close()


async def _bare_consumer(bootstrap: str, ends: dict[TopicPartition, int]) -> float:
    consumer = AIOKafkaConsumer(*TOPICS, bootstrap_servers=bootstrap, group_id=f"raw-{uuid.uuid4().hex[:6]}",
                                auto_offset_reset="earliest", enable_auto_commit=False, max_poll_records=5000)
    total = sum(ends.values())
    started, seen = time.perf_counter(), 0
    await consumer.start()
    try:
        while seen < total:
            for records in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                seen += len(records)
    finally:
        await consumer.stop()
    return time.perf_counter() - started


def _pid(process: ServiceProcess) -> int:
    assert process.process is not None
    return process.process.pid


def _start(count: int, url: str, bootstrap: str, group_prefix: str, logs: Path) -> tuple[list[ServiceProcess], float]:
    """`count` instances, one after the other (the first runs the migrations); returns them and the
    moment the first was ready (it consumes from then on)."""
    env = {**os.environ, "DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "KAFKA_GROUP_PREFIX": group_prefix,
           "OTEL_TRACES_EXPORTER": "none", "LOG_LEVEL": "WARNING"}
    processes = [ServiceProcess("succession", free_port(), env, logs / f"succession-{group_prefix}-{i}.log")
                 for i in range(count)]
    deadline, first_ready = time.monotonic() + 120, 0.0
    for process in processes:
        process.start()
        process.wait_ready(deadline)
        first_ready = first_ready or time.perf_counter()
    return processes, first_ready


async def _digest(url: str) -> tuple[int, str]:
    """How many placements, and a digest of all of them (box, inputs, cause, time, order)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(text(
                "SELECT count(*), md5(string_agg(concat_ws('|', nip, sequence, box, computed_box, performance_level, "
                "potential_level, reasons::text, cause_event_id, placed_at), ',' ORDER BY nip, sequence)) "
                "FROM placements"))).one()
            return int(row[0]), str(row[1])
    finally:
        await engine.dispose()


async def _consume(instances: int, group: str, url: str, bootstrap: str, logs: Path, timeout: float) -> tuple[float, str]:
    """Start `instances` of the service in consumer group `group` on database `url`, wait until they have
    consumed everything on the topics, stop them; returns the seconds that took and their peak RSS."""
    ends = await _ends(bootstrap)
    processes, started = _start(instances, url, bootstrap, group, logs)
    try:
        seconds = await _wait_consumed(bootstrap, f"{group}-succession", ends, processes, timeout, started)
        return seconds, ", ".join(f"{peak_rss_mb(_pid(p)):.0f} MB" for p in processes)
    finally:
        for process in processes:
            process.stop()


async def main(asn: int, timeout: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        kafka, postgres = LocalKafka(Path(tmp) / "kafka"), LocalPostgres(Path(tmp) / "pg")
        kafka.start()
        postgres.start()
        bootstrap, logs = kafka.bootstrap_servers, Path(tmp)
        groups = {"one": 1, "two": 2}  # consumer group (and database) -> instances in it
        try:
            for name in groups:
                postgres.create_database(name)
            sent, seconds = await _produce(bootstrap, _initial(asn))
            print(f"wrote {sent:,} events for {asn:,} ASN in {seconds:.0f} s ({sent / seconds:,.0f} events/s) "
                  f"at {datetime.now(UTC):%H:%M:%S}")
            raw = await _bare_consumer(bootstrap, await _ends(bootstrap))
            print(f"baseline  bare aiokafka consumer: {sent / raw:,.0f} events/s ({asn / raw:,.0f} ASN/s)")
            for name, instances in groups.items():
                took, rss = await _consume(instances, name, postgres.url(name), bootstrap, logs, timeout)
                print(f"{instances} instance(s)  initial mapping: {asn / took:,.0f} ASN/s ({sent / took:,.0f} events/s, "
                      f"{took:.0f} s); peak RSS {rss}")
            wave_sent, wave_write = await _produce(bootstrap, _wave(asn))
            print(f"wrote the yearly SKP wave ({wave_sent:,} events) in {wave_write:.0f} s")
            for name, instances in groups.items():
                took, rss = await _consume(instances, name, postgres.url(name), bootstrap, logs, timeout)
                print(f"{instances} instance(s)  yearly SKP wave: {asn / took:,.0f} ASN/s reclassified from one event "
                      f"each ({took:.0f} s); peak RSS {rss}")
            single, pair = await _digest(postgres.url("one")), await _digest(postgres.url("two"))
            print(f"placements: 1 instance {single[0]:,} ({single[1][:12]}), 2 instances {pair[0]:,} ({pair[1][:12]}) — "
                  + ("identical" if single == pair else "DIFFERENT"))
            print(f"peak RSS of this process: {own_peak_rss_mb():.0f} MB")
        finally:
            postgres.stop()
            kafka.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--asn", type=int, default=20_000)
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for each consumption")
    args = parser.parse_args()
    asyncio.run(main(args.asn, args.timeout))
