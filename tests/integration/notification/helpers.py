"""Helpers of the notification tests: the service on the real broker, publishing envelopes as the
other services would, and reading what the service recorded."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from deploy.local.kafka import LocalKafka
from deploy.local.mailsink import MailSink
from services.notification.app import create_app
from services.notification.models import Delivery
from services.notification.settings import NotificationSettings
from shared.auth import mint_token
from shared.events import Envelope, EventData
from shared.events.schemas import EVENT_TYPES, ProfileRegistered


def bearer(**claims: Any) -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_token(**claims)}


def fresh_nip() -> str:
    """A valid NIP unlikely to be used by any other test of the session (the topics are shared)."""
    birth = date(1965, 1, 1) + timedelta(days=random.randint(0, 10_000))
    return f"{birth:%Y%m%d}201001{random.choice('12')}{random.randint(0, 999):03d}"


def service_settings(kafka: LocalKafka, database_url: str, unique: str, *, smtp_port: int = 1,
                     **overrides: Any) -> NotificationSettings:
    values: dict[str, Any] = dict(
        database_url=database_url, kafka_bootstrap_servers=kafka.bootstrap_servers,
        kafka_group_prefix=f"notif-{unique}", smtp_port=smtp_port, delivery_poll_seconds=0.05,
        delivery_backoff_seconds=0.2, delivery_backoff_max_seconds=1.0, webhook_timeout_seconds=0.5,
        consumer_backoff_seconds=0.05, consumer_backoff_max_seconds=0.5,
    )
    values.update(overrides)
    return NotificationSettings(**values)


@asynccontextmanager
async def running(settings: NotificationSettings) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, app.state.runtime


async def publish(bootstrap: str, envelopes: Sequence[Envelope]) -> None:
    """Publish as the producing services' relays do: the envelope's bytes, keyed by its subject."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for envelope in envelopes:
            topic = _topic(envelope)
            await producer.send_and_wait(topic, envelope.to_bytes(), key=envelope.subject.encode())
    finally:
        await producer.stop()


def _topic(envelope: Envelope) -> str:
    return EVENT_TYPES[envelope.type].topic


def wrap(data: EventData, subject: str, source: str = "test") -> Envelope:
    return Envelope.wrap(data, source=source, subject=subject)


def profile(nip: str, agency_id: str, *, email: str | None = None, name: str = "Siti Rahayu") -> Envelope:
    return wrap(ProfileRegistered(nip=nip, agency_id=agency_id, name=name, sex="female", birth_date="1986-09-26",
                                  email=email), nip, "profile")


async def deliveries(runtime: Any, **where: Any) -> list[Delivery]:
    async with runtime.sessions() as session:
        query = select(Delivery).order_by(Delivery.created_at, Delivery.id)
        for column, value in where.items():
            query = query.where(getattr(Delivery, column) == value)
        return list((await session.scalars(query)).all())


async def count(runtime: Any, model: Any, *conditions: Any) -> int:
    async with runtime.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def message_ids(sink: MailSink) -> list[str]:
    return [m["Message-ID"] for m in sink.messages]


def loads(body: str) -> Any:
    return json.loads(body)


async def outbox_events(runtime: Any, event_type: str) -> list[dict[str, Any]]:
    """The payloads of the service's own events of `event_type` (written through its outbox)."""
    table = runtime.outbox.table
    async with runtime.sessions() as session:
        rows = (await session.execute(select(table.c.payload).where(table.c.event_type == event_type))).scalars()
        return [json.loads(payload)["data"] for payload in rows]
