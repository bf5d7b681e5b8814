"""The delivery worker: claims due email/webhook deliveries, sends them, marks the outcome.

The same shape as the outbox relay. A claim marks rows `sending`, counts the attempt and leases them
(`next_attempt_at` = now + lease): a worker that dies mid-send leaves rows that come back after the lease
(at-least-once at the wire; the Message-ID / webhook id let receivers drop the resend). On PostgreSQL rows
are claimed FOR UPDATE SKIP LOCKED, so several instances share the work. Each delivery is marked in its
own short transaction right after its send, with `notification.delivered` / `.failed` in the same
transaction (outbox). Sends run concurrently (bounded), so a hanging endpoint only holds its own slot
until its timeout."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from sqlalchemy import or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notification import domain, templates
from services.notification.channels import EmailSender, WebhookSender
from services.notification.domain import Channel, Outcome, SendResult, Status
from services.notification.models import Delivery, Recipient, WebhookEndpoint
from services.notification.service import UNKNOWN_RECIPIENT
from services.notification.settings import NotificationSettings
from shared.background import BackgroundLoop
from shared.db import is_postgres
from shared.events.schemas import NotificationDelivered, NotificationFailed
from shared.outbox import Outbox

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)


class DeliveryWorker(BackgroundLoop):
    task_name = "delivery-worker"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox, settings: NotificationSettings,
                 *, email: EmailSender | None = None, webhooks: WebhookSender | None = None) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._settings = settings
        self._email = email or EmailSender(settings)
        self._webhooks = webhooks or WebhookSender(settings)
        self._slots = asyncio.Semaphore(settings.delivery_concurrency)

    async def stop(self) -> None:
        await super().stop()
        await self._webhooks.close()

    async def _run(self) -> None:
        while True:
            try:
                claimed = await self.run_once()
            except Exception as exc:  # the database is away, say: the rows wait, nothing is lost
                log.warning("delivery worker: %r; trying again", exc)
                claimed = 0
            if claimed < self._settings.delivery_batch_size:
                await asyncio.sleep(self._settings.delivery_poll_seconds)

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim deliveries due at `now` (default: the clock), send them concurrently, mark each;
        returns how many were claimed."""
        with suppress_instrumentation():  # polling is not traced; each send is, in its event's trace
            rows, secrets, names = await self._claim(now or datetime.now(UTC))
        groups: dict[tuple[str, ...], list[Delivery]] = {}
        for row in rows:  # a daily digest is one email for all of its rows
            key = (row.recipient, row.digest_key) if row.digest_key else (row.id,)
            groups.setdefault(key, []).append(row)
        await asyncio.gather(*(self._deliver(group, secrets, names) for group in groups.values()))
        return len(rows)

    async def _claim(self, now: datetime) -> tuple[list[Delivery], dict[int, str], dict[str, str]]:
        s = self._settings
        # the partial index's own predicate, as a literal, so the planner uses it
        due = text("deliveries.status IN ('pending', 'sending')") & (Delivery.next_attempt_at <= now)
        async with self._sessions() as session, session.begin():
            query = select(Delivery).where(due).order_by(Delivery.next_attempt_at).limit(s.delivery_batch_size)
            if is_postgres(session):
                query = query.with_for_update(skip_locked=True)
            rows = list((await session.scalars(query)).all())
            digests = {(r.recipient, r.digest_key) for r in rows if r.digest_key}
            if digests:  # the rest of each digest, even beyond the batch
                more = select(Delivery).where(
                    Delivery.status == Status.PENDING.value, Delivery.id.not_in([r.id for r in rows]),
                    or_(*((Delivery.recipient == rcpt) & (Delivery.digest_key == day) for rcpt, day in digests)))
                if is_postgres(session):
                    more = more.with_for_update(skip_locked=True)
                rows += list((await session.scalars(more)).all())
            if not rows:
                return [], {}, {}
            lease = now + timedelta(seconds=s.delivery_lease_seconds)
            await session.execute(update(Delivery).where(Delivery.id.in_([r.id for r in rows])).values(
                status=Status.SENDING.value, attempts=Delivery.attempts + 1, next_attempt_at=lease, updated_at=now
            ).execution_options(synchronize_session=False))
            endpoint_ids = {int(r.recipient.split(":", 1)[1]) for r in rows if r.channel == Channel.WEBHOOK}
            secrets = {e.id: e.secret for e in (await session.scalars(select(WebhookEndpoint).where(
                WebhookEndpoint.id.in_(endpoint_ids), WebhookEndpoint.active.is_(True)))).all()} if endpoint_ids else {}
            nips = {r.recipient for r in rows if r.digest_key or (r.channel == Channel.EMAIL and not r.address)}
            people = {r.nip: r for r in (await session.scalars(
                select(Recipient).where(Recipient.nip.in_(nips)))).all()} if nips else {}
            names = {nip: person.name for nip, person in people.items()}
            for row in rows:  # an address that was unknown when the notification was written
                if row.channel == Channel.EMAIL and not row.address and (found := people.get(row.recipient)):
                    row.address = found.email
                    if found.email:
                        await session.execute(update(Delivery).where(Delivery.id == row.id).values(address=found.email)
                                              .execution_options(synchronize_session=False))
        for row in rows:
            row.attempts += 1
        return rows, secrets, names

    async def _deliver(self, group: list[Delivery], secrets: dict[int, str], names: dict[str, str]) -> None:
        first = group[0]
        token = otel_context.attach(propagate.extract(json.loads(first.trace_carrier or "{}")))
        try:
            async with self._slots:
                with tracer.start_as_current_span(f"notification send {first.channel}", attributes={
                        "talenta.notification_id": first.id, "talenta.channel": first.channel,
                        "talenta.digest_size": len(group)}):
                    result = await self._send(group, secrets, names)
                    with suppress_instrumentation():  # one span per attempt in the trace, not its SQL too
                        await self._mark(group, result)
        except Exception:  # never lose the loop; the lease brings the rows back
            log.exception("delivery %s could not be completed", first.id)
        finally:
            otel_context.detach(token)

    async def _send(self, group: list[Delivery], secrets: dict[int, str], names: dict[str, str]) -> SendResult:
        first, s = group[0], self._settings
        if first.channel == Channel.WEBHOOK:
            secret = secrets.get(int(first.recipient.split(":", 1)[1]))
            if secret is None:
                return SendResult(Outcome.PERMANENT, "webhook endpoint removed")
            return await self._webhooks.send(url=first.address or "", secret=secret, notification=first.id,
                                             body=first.body)
        if not first.address:
            return SendResult(Outcome.TRANSIENT, UNKNOWN_RECIPIENT)
        if first.digest_key:
            day = first.digest_key
            rendered = templates.digest(names.get(first.recipient), day, [(r.title, r.body) for r in group],
                                        first.language)
            message_id = domain.digest_message_id(first.recipient, day, [r.id for r in group], s.message_id_domain)
            subject, body = rendered.title, rendered.body
        else:
            message_id = domain.message_id(first.id, s.message_id_domain)
            subject, body = first.title, first.body
        return await self._email.send(self._email.message(to=first.address or "", subject=subject, body=body,
                                                          message_id=message_id))

    async def _mark(self, group: Sequence[Delivery], result: SendResult) -> None:
        s, now = self._settings, datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            for row in group:
                if result.outcome is Outcome.DELIVERED:
                    values = {"status": Status.DELIVERED.value, "delivered_at": now, "last_error": None}
                    event = NotificationDelivered(
                        notification_id=row.id, source_event_id=row.source_event_id, source_event_type=row.event_type,
                        recipient=row.recipient, channel=row.channel, agency_id=row.agency_id, attempts=row.attempts,
                        delivered_at=now)
                else:
                    status = domain.after_failure(result, row.attempts, s.delivery_max_attempts)
                    values = {"status": status.value, "last_error": result.reason,
                              "next_attempt_at": now + timedelta(seconds=domain.backoff(
                                  row.attempts, s.delivery_backoff_seconds, s.delivery_backoff_max_seconds))}
                    event = None if status is Status.PENDING else NotificationFailed(
                        notification_id=row.id, source_event_id=row.source_event_id, source_event_type=row.event_type,
                        recipient=row.recipient, channel=row.channel, agency_id=row.agency_id, attempts=row.attempts,
                        reason=result.reason or "failed", failed_at=now)
                marked = await session.execute(update(Delivery).where(
                    Delivery.id == row.id, Delivery.status == Status.SENDING.value).values(updated_at=now, **values))
                if event is not None and marked.rowcount:
                    await self._outbox.emit(session, event, subject=row.recipient)
        if result.outcome is not Outcome.DELIVERED:
            log.warning("delivery %s (%s) attempt %d: %s", group[0].id, group[0].channel, group[0].attempts,
                        result.reason)
