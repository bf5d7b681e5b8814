"""Email over a real SMTP server, on the real broker and PostgreSQL: one notification per (source event,
recipient, channel) under redelivery and restart; an SMTP outage waits with growing backoff and loses
and duplicates nothing; an address the server rejects fails with the reason."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from deploy.local.kafka import LocalKafka
from deploy.local.mailsink import MailSink
from services.notification import domain
from services.notification.models import InboxMessage
from shared.auth import mint_token
from shared.events.schemas import TalentReclassified
from tests.integration.kafka_helpers import eventually
from tests.integration.notification.helpers import (
    deliveries, fresh_nip, message_ids, outbox_events, profile, publish, running, service_settings, wrap,
)

pytestmark = pytest.mark.infra


def reclassified(nip: str, agency: str, to_box: int = 5) -> object:
    return wrap(TalentReclassified(
        nip=nip, agency_id=agency, from_box=None, to_box=to_box, performance_level="sesuai_ekspektasi",
        potential_level="menengah", reasons=["test"], recommendations=["fitting placement"],
        cause_event_id=uuid.uuid4(), placed_at=datetime.now(UTC)), nip, "succession")


async def test_one_delivery_per_channel_when_an_event_is_redelivered_and_the_consumer_restarts(
    kafka: LocalKafka, pg_database: str, unique: str, mail_sink: MailSink
) -> None:
    nip, agency = fresh_nip(), f"kab-{unique}"
    settings = service_settings(kafka, pg_database, unique, smtp_port=mail_sink.port)
    event = reclassified(nip, agency)
    source = str(event.event_id)
    await publish(kafka.bootstrap_servers, [profile(nip, agency, email=f"{nip}@example.go.id")])

    async with running(settings) as (_, runtime):
        await publish(kafka.bootstrap_servers, [event, event])  # the same envelope twice

        async def email_delivered() -> bool:
            return [r.status for r in await deliveries(runtime, source_event_id=source, channel="email")] == ["delivered"]

        await eventually(email_delivered, timeout=60, what="the email")

    async with running(settings) as (_, runtime):  # a restarted consumer, and the envelope a third time
        later = reclassified(nip, agency, to_box=8)  # same key, after it: once it is handled, so was the copy
        await publish(kafka.bootstrap_servers, [event, later])

        async def later_delivered() -> bool:
            return [r.status for r in await deliveries(runtime, source_event_id=str(later.event_id),
                                                       channel="email")] == ["delivered"]

        await eventually(later_delivered, timeout=60, what="the later event's email")
        rows = await deliveries(runtime, source_event_id=source)
        assert sorted((r.channel, r.status) for r in rows) == [("email", "delivered"), ("inbox", "delivered")]
        assert all(r.recipient == nip for r in rows)
        async with runtime.sessions() as session:
            inbox = (await session.scalars(select(InboxMessage).where(InboxMessage.source_event_id == source))).all()
        assert len(inbox) == 1
        email = next(r for r in rows if r.channel == "email")
        assert email.id == domain.notification_id(source, nip, "email")
        assert message_ids(mail_sink).count(f"<{email.id}@talenta.local>") == 1
        assert [e["notification_id"] for e in await outbox_events(runtime, "notification.delivered")].count(email.id) == 1


async def test_an_smtp_outage_delays_mail_with_growing_backoff_and_loses_or_duplicates_none(
    kafka: LocalKafka, pg_database: str, unique: str, mail_sink: MailSink
) -> None:
    agency = f"kab-{unique}"
    people = [fresh_nip() for _ in range(12)]
    rejected = fresh_nip()
    mail_sink.stop()  # the SMTP server is down from the start
    settings = service_settings(kafka, pg_database, unique, smtp_port=mail_sink.port)
    await publish(kafka.bootstrap_servers, [profile(n, agency, email=f"{n}@example.go.id") for n in people]
                  + [profile(rejected, agency, email=f"reject-{rejected}@example.go.id")])

    async with running(settings) as (_, runtime):
        await publish(kafka.bootstrap_servers, [reclassified(n, agency) for n in [*people, rejected]])

        async def all_waiting_after_three_attempts() -> list:
            rows = [r for r in await deliveries(runtime, agency_id=agency, channel="email")]
            waiting = [r for r in rows if r.status == "pending" and r.attempts >= 3]
            return rows if len(waiting) == len(people) + 1 else []

        rows = await eventually(all_waiting_after_three_attempts, timeout=60, what="every email to wait")
        for row in rows:  # the wait after attempt n is the backoff of n: 0.2 s, 0.4 s, 0.8 s, … capped at 1 s
            waited = (row.next_attempt_at - row.updated_at).total_seconds()
            assert waited == pytest.approx(domain.backoff(row.attempts, 0.2, 1.0), abs=0.05)
            assert waited > 0.2 and "SMTPConnectError" in (row.last_error or "")
        assert mail_sink.messages == []

        mail_sink.start()  # back, on the same port

        async def settled() -> list:
            rows = await deliveries(runtime, agency_id=agency, channel="email")
            return rows if all(r.status in ("delivered", "failed") for r in rows) and len(rows) == 13 else []

        rows = await eventually(settled, timeout=60, what="every email to go out once the server is back")
        by_recipient = {r.recipient: r for r in rows}
        assert {by_recipient[n].status for n in people} == {"delivered"}
        sent = Counter(message_ids(mail_sink))
        assert all(sent[f"<{by_recipient[n].id}@talenta.local>"] == 1 for n in people)  # none lost, none twice
        refused = by_recipient[rejected]
        assert refused.status == "failed" and refused.last_error.startswith("SMTP 550")
        failed = await outbox_events(runtime, "notification.failed")
        assert [(e["notification_id"], e["channel"]) for e in failed if e["notification_id"] == refused.id] == [
            (refused.id, "email")]
        assert "SMTP 550" in next(e["reason"] for e in failed if e["notification_id"] == refused.id)
        delivered = {e["notification_id"] for e in await outbox_events(runtime, "notification.delivered")}
        assert {by_recipient[n].id for n in people} <= delivered


async def test_an_email_for_an_asn_whose_profile_comes_later_waits_for_it_with_the_reason(
    kafka: LocalKafka, pg_database: str, unique: str, mail_sink: MailSink
) -> None:
    nip, agency = fresh_nip(), f"kab-{unique}"
    settings = service_settings(kafka, pg_database, unique, smtp_port=mail_sink.port)
    async with running(settings) as (http, runtime):
        event = reclassified(nip, agency)
        await publish(kafka.bootstrap_servers, [event])

        async def waiting() -> list:
            rows = await deliveries(runtime, source_event_id=str(event.event_id))
            email = [r for r in rows if r.channel == "email" and r.attempts >= 1 and r.status == "pending"]
            return rows if email and [r.status for r in rows if r.channel == "inbox"] == ["delivered"] else []

        rows = await eventually(waiting, timeout=60, what="the email to wait for its address")
        assert next(r.last_error for r in rows if r.channel == "email").startswith("unknown recipient")

        await publish(kafka.bootstrap_servers, [profile(nip, agency, email=f"{nip}@example.go.id")])

        async def sent() -> list:
            rows = await deliveries(runtime, source_event_id=str(event.event_id), channel="email")
            return rows if rows[0].status == "delivered" else []

        email = (await eventually(sent, timeout=60, what="the email once the profile came"))[0]
        assert email.address == f"{nip}@example.go.id" and email.last_error is None
        assert message_ids(mail_sink).count(f"<{email.id}@talenta.local>") == 1
        # and the operator sees it in the metrics
        operator = {"Authorization": "Bearer " + mint_token(subject="ops", roles=["operator"])}
        metrics = (await http.get("/metrics", headers=operator)).text
        gauge = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                 if line.startswith("talenta_notifications{")}
        assert gauge['talenta_notifications{channel="email",status="delivered"}'] >= 1  # the topic is shared:
        assert gauge['talenta_notifications{channel="inbox",status="delivered"}'] >= 1  # other tests' events too
