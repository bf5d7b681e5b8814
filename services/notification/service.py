"""Notification use cases: turn events into notifications — exactly one per (source event, recipient,
channel) — set-wise for a batch of events. The in-app inbox is written here (delivered at once); email
and webhook deliveries are written `pending` for the delivery worker."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from opentelemetry import propagate
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification import recipients, reminders, templates
from services.notification.domain import CATEGORIES, Channel, Status, channels_for, digest_at, notification_id
from services.notification.models import Delivery, InboxMessage
from services.notification.recipients import Directory, Person
from services.notification.settings import NotificationSettings
from shared.db import insert_for
from shared.events import Envelope
from shared.events.schemas import NotificationFailed
from shared.outbox import Outbox

UNKNOWN_RECIPIENT = "unknown recipient: no profile with an email for this NIP in the notification read model"


def _people(envelope: Envelope, event: Any, directory: Directory) -> list[Person]:
    """Who an event is for: the ASN concerned, or the agency's HR admins / committee members."""
    if envelope.type == "risk.signaled":
        return directory.holders(event.agency_id, "hr_admin")
    if envelope.type == "committee.decided" and event.nip is None:
        return directory.holders(event.agency_id, "talent_committee")
    return [directory.person(event.nip)]


def _role_needed(envelope: Envelope, event: Any) -> tuple[str, str] | None:
    if envelope.type == "risk.signaled":
        return (event.agency_id, "hr_admin")
    if envelope.type == "committee.decided" and event.nip is None:
        return (event.agency_id, "talent_committee")
    return None


@dataclass
class _Plan:
    now: datetime
    settings: NotificationSettings
    carrier: str
    inbox: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def delivery(self, envelope: Envelope, agency_id: str, recipient: str, channel: Channel, *, title: str,
                 body: str, language: str, version: str, status: Status, address: str | None = None,
                 note: str | None = None, error: str | None = None, due: datetime | None = None,
                 digest_key: str | None = None) -> None:
        source = str(envelope.event_id)
        self.deliveries.append({
            "id": notification_id(source, recipient, channel.value), "source_event_id": source,
            "event_type": envelope.type, "agency_id": agency_id, "recipient": recipient, "channel": channel.value,
            "address": address, "language": language, "title": title[:300], "body": body,
            "template_version": version, "note": note, "status": status.value, "attempts": 0,
            "next_attempt_at": due, "digest_key": digest_key, "last_error": error,
            "trace_carrier": self.carrier, "created_at": self.now, "updated_at": self.now,
            "delivered_at": self.now if status is Status.DELIVERED else None,
        })


async def notify(session: AsyncSession, outbox: Outbox, settings: NotificationSettings,
                 envelopes: Sequence[Envelope]) -> None:
    """Notify everyone the events concern, on every channel they have (set-wise; a redelivered event
    writes nothing new)."""
    parsed = [(e, e.payload(templates.TEMPLATES[e.type].model)) for e in envelopes]
    parsed = [(e, event) for e, event in parsed
              if e.type != "data_quality.changed" or await reminders.due(session, settings, e, event)]
    if not parsed:
        return
    directory = await recipients.load(
        session,
        nips=[event.nip for e, event in parsed if getattr(event, "nip", None)],
        agencies=[event.agency_id for _, event in parsed],
        roles=[role for e, event in parsed if (role := _role_needed(e, event))],
    )
    plan = _Plan(datetime.now(UTC), settings, _carrier(None))
    for envelope, event in parsed:
        if len(parsed) > 1:  # in a set-based run, each event's notifications join the event's own trace
            plan.carrier = _carrier(envelope)
        people = _people(envelope, event, directory)
        for person in people:
            _plan_person(plan, envelope, event, person)
        _plan_webhooks(plan, envelope, event, people, directory)
    await _insert(session, InboxMessage, plan.inbox, ["source_event_id", "nip", "channel"])
    failed = [row for row in plan.deliveries if row["status"] == Status.FAILED]
    new = await _insert(session, Delivery, plan.deliveries, ["source_event_id", "recipient", "channel"],
                        returning=bool(failed))  # RETURNING only when failures must be told (it costs)
    for row in failed:
        if row["id"] in new:
            await outbox.emit(session, NotificationFailed(
                notification_id=row["id"], source_event_id=row["source_event_id"], source_event_type=row["event_type"],
                recipient=row["recipient"], channel=row["channel"], agency_id=row["agency_id"], attempts=0,
                reason=row["last_error"], failed_at=plan.now), subject=row["recipient"])


def _carrier(envelope: Envelope | None) -> str:
    """The trace the worker sends in: the current span (the handler of this one event), or the event's."""
    if envelope is not None:
        return json.dumps({"traceparent": envelope.traceparent} if envelope.traceparent else {})
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return json.dumps(carrier)


def _plan_person(plan: _Plan, envelope: Envelope, event: Any, person: Person) -> None:
    agency_id = event.agency_id
    if person.failure:  # nobody to tell: recorded, with the reason, for operators
        plan.delivery(envelope, agency_id, person.recipient, Channel.EMAIL, title=envelope.type, body="",
                      language="id", version=templates.TEMPLATE_VERSIONS[envelope.type], status=Status.FAILED,
                      error=person.failure)
        return
    category = CATEGORIES[envelope.type]
    indonesian = templates.render(envelope.type, event, person.name, "id")
    english = templates.render(envelope.type, event, person.name, "en")
    message = english if person.language == "en" else indonesian
    channels = channels_for(category, person.disabled, has_email=bool(person.email) or not person.known) \
        if person.nip else [Channel.EMAIL]
    if Channel.INBOX in channels:
        plan.inbox.append({
            "nip": person.nip, "agency_id": agency_id, "channel": "in_app", "source_event_id": str(envelope.event_id),
            "event_type": envelope.type, "title_id": indonesian.rendered.title, "body_id": indonesian.rendered.body,
            "title_en": english.rendered.title, "body_en": english.rendered.body, "template_version": message.version,
            "created_at": plan.now,
        })
        plan.delivery(envelope, agency_id, person.recipient, Channel.INBOX, title=message.rendered.title,
                      body="", language=message.language, version=message.version,  # the text: the inbox row's
                      status=Status.DELIVERED, note=message.note)
    if Channel.EMAIL in channels and plan.settings.email_enabled:
        # An ASN whose profile has not reached the read model yet (another topic, no order between them):
        # the email waits, with the reason, for the address; the worker fails it when the attempts run out.
        error = None if person.known else UNKNOWN_RECIPIENT
        digest_key, due = digest_at(plan.now, plan.settings.digest_hour_utc) if person.email_digest else (None, plan.now)
        plan.delivery(envelope, agency_id, person.recipient, Channel.EMAIL, title=message.rendered.title,
                      body=message.rendered.body, language=message.language, version=message.version,
                      status=Status.PENDING, address=person.email, note=message.note, due=due, digest_key=digest_key,
                      error=error)


def _plan_webhooks(plan: _Plan, envelope: Envelope, event: Any, people: list[Person], directory: Directory) -> None:
    endpoints = directory.webhooks(event.agency_id, envelope.type)
    if not endpoints:
        return
    messages = {lang: templates.render(envelope.type, event, None, lang) for lang in ("id", "en")}
    for endpoint in endpoints:
        recipient = f"webhook:{endpoint.id}"
        nid = notification_id(str(envelope.event_id), recipient, Channel.WEBHOOK.value)
        body = json.dumps({
            "id": nid, "type": envelope.type, "source_event_id": str(envelope.event_id),
            "agency_id": event.agency_id, "occurred_at": envelope.occurred_at.isoformat(),
            "recipients": [p.recipient for p in people if not p.failure],
            "template_version": messages["id"].version,
            "messages": {lang: {"title": m.rendered.title, "body": m.rendered.body} for lang, m in messages.items()},
        }, ensure_ascii=False)
        plan.delivery(envelope, event.agency_id, recipient, Channel.WEBHOOK, title=messages["id"].rendered.title,
                      body=body, language="id", version=messages["id"].version, status=Status.PENDING,
                      address=endpoint.url, due=plan.now)


async def _insert(session: AsyncSession, model: type, rows: list[dict[str, Any]], conflict: list[str], *,
                  returning: bool = False) -> set[Any]:
    """Set-based INSERT … ON CONFLICT DO NOTHING (one cached statement, executemany in pages of rows);
    with `returning`, the ids that were new."""
    if not rows:
        return set()
    table = model.__table__  # type: ignore[attr-defined]
    statement = insert_for(session, table).on_conflict_do_nothing(index_elements=conflict)
    if returning:
        return set((await session.execute(statement.returning(table.c.id), rows)).scalars())
    await session.execute(statement, rows)
    return set()
