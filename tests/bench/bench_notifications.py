"""Benchmark of the notification service, with real Kafka, PostgreSQL and an SMTP server started here.

    .venv/bin/python -m tests.bench.bench_notifications [--events 100000] [--emails 2000]

Measures, side by side with a baseline in the same run:
  1. inbox: `talent.reclassified` events on the topic → the notification service itself (its app, its
     consumer with set-based batch handlers, PostgreSQL) → one inbox row + one delivery row each; against a
     bare aiokafka consumer draining the same topic;
  2. email: pending email deliveries → the delivery worker (claim, SMTP send, mark + notification.delivered
     in the outbox) → a local aiosmtpd server; against bare aiosmtplib sends of the same messages at the
     same concurrency (no database);
and prints throughput and the peak RSS of this process.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import func, insert, select

from deploy.local.kafka import LocalKafka
from deploy.local.mailsink import MailSink
from deploy.local.postgres import LocalPostgres
from services.notification.app import create_app
from services.notification.channels import EmailSender
from services.notification.delivery import DeliveryWorker
from services.notification.models import Delivery, InboxMessage, Recipient, metadata
from services.notification.settings import NotificationSettings
from shared.db import create_engine, session_factory
from shared.events import Envelope
from shared.migrations import upgrade_to_head
from shared.outbox import Outbox
from shared.events.schemas import TalentReclassified
from shared.events.topics import TALENT_EVENTS
from tests.bench.baselines import bare_consumer_seconds
from tests.bench.procstat import own_peak_rss_mb
from tests.integration.kafka_helpers import create_topics

RECIPIENTS = 10_000
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "notification" / "migrations"


def _nips(count: int) -> list[str]:
    """Distinct valid-looking NIPs (birth date, TMT, sex, sequence)."""
    out = []
    for n in range(count):
        month, day, seq = 1 + n % 12, 1 + n // 12 % 28, n // (12 * 28)
        out.append(f"1986{month:02d}{day:02d}2015051{seq:03d}")
    return out


def _reclassified(nip: str, agency: str, n: int) -> bytes:
    return Envelope.wrap(TalentReclassified(
        nip=nip, agency_id=agency, from_box=None, to_box=1 + n % 9, performance_level="sesuai_ekspektasi",
        potential_level="menengah", reasons=["bench"], recommendations=["fitting placement"],
        cause_event_id=uuid.uuid4(), placed_at=datetime.now(UTC)), source="succession", subject=nip).to_bytes()


async def _seed_recipients(sessions: Any, nips: list[str], agency: str, email: bool) -> None:
    async with sessions() as session, session.begin():
        now = datetime.now(UTC)
        for start in range(0, len(nips), 2000):
            await session.execute(insert(Recipient), [
                {"nip": nip, "agency_id": agency, "name": f"ASN {i}", "email": f"{nip}@example.go.id" if email else None,
                 "updated_at": now} for i, nip in enumerate(nips[start:start + 2000], start)])


async def _count(app: Any, model: Any) -> int:
    async with app.state.runtime.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def bench_inbox(kafka: LocalKafka, db_url: str, events: int) -> None:
    bootstrap, agency = kafka.bootstrap_servers, "kab-bench"
    await create_topics(bootstrap, TALENT_EVENTS)
    nips = _nips(RECIPIENTS)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    await producer.start()
    for n in range(events):
        nip = nips[n % len(nips)]
        await producer.send(TALENT_EVENTS, _reclassified(nip, agency, n), key=nip.encode())
    await producer.flush()
    await producer.stop()

    engine = create_engine(db_url)  # the read model first: every event finds its recipient
    async with engine.begin() as conn:
        await conn.run_sync(upgrade_to_head, MIGRATIONS)
    await _seed_recipients(session_factory(engine), nips, agency, email=False)
    await engine.dispose()

    settings = NotificationSettings(database_url=db_url, kafka_bootstrap_servers=bootstrap,
                                    kafka_group_prefix=f"bench-{uuid.uuid4().hex[:6]}", email_enabled=False)
    app = create_app(settings)
    started = time.perf_counter()
    async with app.router.lifespan_context(app):  # migrations, broker, relay, worker: the service as it runs
        first: float | None = None
        while (done := await _count(app, InboxMessage)) < events:
            if first is None and done:
                first, at_first = time.perf_counter(), done
            await asyncio.sleep(0.25)  # a benchmark's progress poll, not test synchronisation
        seconds = time.perf_counter() - started
        steady = (events - at_first) / (time.perf_counter() - first) if first else events / seconds
        deliveries = await _count(app, Delivery)
    assert deliveries == events, deliveries

    raw_seconds = await bare_consumer_seconds(bootstrap, TALENT_EVENTS, events)
    print(f"inbox    {events} talent.reclassified → inbox + delivery rows: notification service "
          f"{events / seconds:,.0f}/s (from start: migrations and group join included; {steady:,.0f}/s once "
          f"running)   baseline bare consumer {events / raw_seconds:,.0f}/s", flush=True)


async def bench_email(kafka: LocalKafka, db_url: str, emails: int) -> None:
    sink = MailSink()
    sink.start()
    try:
        settings = NotificationSettings(database_url=db_url, smtp_port=sink.port, delivery_poll_seconds=0.05)
        engine = create_engine(db_url)  # the worker alone: no consumer re-reading the topics of part 1
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_to_head, MIGRATIONS)
        sessions = session_factory(engine)
        worker = DeliveryWorker(sessions, Outbox(metadata.tables["outbox"], source="notification"), settings)
        nips = _nips(emails)
        now = datetime.now(UTC)
        async with sessions() as session, session.begin():  # what `notify` writes for email
            await session.execute(insert(Delivery), [{
                "id": str(uuid.uuid4()), "source_event_id": str(uuid.uuid4()), "event_type": "talent.reclassified",
                "agency_id": "kab-bench", "recipient": nip, "channel": "email", "address": f"{nip}@example.go.id",
                "language": "id", "title": "Pemetaan talenta Anda: kotak 5", "body": "Yth. Bapak/Ibu,\n" + "x" * 400,
                "template_version": "talent.reclassified/2", "status": "pending", "attempts": 0,
                "next_attempt_at": now, "trace_carrier": "{}", "created_at": now, "updated_at": now}
                for nip in nips])
        started = time.perf_counter()
        worker.start()
        while len(sink.messages) < emails or await _pending(sessions):
            await asyncio.sleep(0.1)  # progress poll
        seconds = time.perf_counter() - started
        await worker.stop()
        await engine.dispose()
        assert len(sink.messages) == emails

        sender, before = EmailSender(settings), len(sink.messages)
        slots = asyncio.Semaphore(settings.delivery_concurrency)

        async def one(nip: str) -> None:
            async with slots:
                await sender.send(sender.message(to=f"{nip}@example.go.id", subject="Pemetaan talenta Anda: kotak 5",
                                                 body="Yth. Bapak/Ibu,\n" + "x" * 400, message_id=f"<{uuid.uuid4()}@b>"))

        started = time.perf_counter()
        await asyncio.gather(*(one(nip) for nip in nips))
        raw_seconds = time.perf_counter() - started
        assert len(sink.messages) - before == emails
        print(f"email    {emails} emails to a local aiosmtpd: delivery worker (claim, send, mark, outbox event) "
              f"{emails / seconds:,.0f}/s   baseline bare aiosmtplib, same concurrency "
              f"({settings.delivery_concurrency}) {emails / raw_seconds:,.0f}/s", flush=True)
    finally:
        sink.stop()


async def _pending(sessions: Any) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.status.in_(["pending", "sending"]))) or 0


async def main(events: int, emails: int) -> None:
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        kafka, postgres = LocalKafka(Path(tmp) / "kafka"), LocalPostgres(Path(tmp) / "pg")
        kafka.start()
        postgres.start()
        try:
            for name in ("inbox", "email"):
                postgres.create_database(name)
            await bench_inbox(kafka, postgres.url("inbox"), events)
            await bench_email(kafka, postgres.url("email"), emails)
            print(f"peak RSS of this process: {own_peak_rss_mb():.0f} MB")
        finally:
            postgres.stop()
            kafka.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--emails", type=int, default=2_000)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.emails))
