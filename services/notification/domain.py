"""Pure notification rules: ids, categories, channels by preference, retry policy, reminders, digests.
No I/O; unit-tested."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

NAMESPACE = uuid.UUID("5b0a3c1e-6f2d-4e8a-9c57-2d1f0e8b7a64")


class Channel(StrEnum):
    INBOX = "inbox"
    EMAIL = "email"
    WEBHOOK = "webhook"


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Outcome(StrEnum):
    DELIVERED = "delivered"
    TRANSIENT = "transient"  # try again later (SMTP down or 4xx, webhook 5xx / timeout)
    PERMANENT = "permanent"  # never (address rejected, webhook 4xx)


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    reason: str | None = None


# Which category an event belongs to (preferences switch channels per category).
CATEGORIES = {
    "talent.reclassified": "talent",
    "assessment.completed": "assessment",
    "candidate.nominated": "succession",
    "readiness.changed": "succession",
    "committee.decided": "succession",
    "risk.signaled": "succession_risk",
    "data_quality.changed": "data_quality",
}
ASN_CATEGORIES = ("talent", "assessment", "succession", "data_quality")
ASN_CHANNELS = (Channel.INBOX, Channel.EMAIL)  # webhooks belong to the agency, not to the ASN
LANGUAGES = ("id", "en")


def notification_id(source_event_id: str, recipient: str, channel: str) -> str:
    """The same (event, recipient, channel) always gets the same id: the Message-ID and webhook id derive
    from it, so a receiver can deduplicate a resend."""
    return str(uuid.uuid5(NAMESPACE, f"{source_event_id}/{recipient}/{channel}"))


def message_id(notification: str, domain: str) -> str:
    return f"<{notification}@{domain}>"


def digest_message_id(recipient: str, day: str, notifications: Iterable[str], domain: str) -> str:
    """A digest's id follows the notifications it holds: a resend of the same digest keeps it."""
    ids = ",".join(sorted(notifications))
    return f"<{uuid.uuid5(NAMESPACE, f'digest/{recipient}/{day}/{ids}')}@{domain}>"


def channels_for(category: str, disabled: Iterable[str], *, has_email: bool) -> list[Channel]:
    """The ASN's channels for an event of `category`: inbox and email unless switched off."""
    off = set(disabled)
    wanted = [c for c in ASN_CHANNELS if f"{category}/{c.value}" not in off]
    return [c for c in wanted if c is not Channel.EMAIL or has_email]


def backoff(attempts: int, base_seconds: float, max_seconds: float) -> float:
    """Seconds before the next try after `attempts` failed ones (1-based): doubling, capped."""
    return min(base_seconds * 2 ** max(attempts - 1, 0), max_seconds)


def after_failure(result: SendResult, attempts: int, max_attempts: int) -> Status:
    """A transient failure stays pending until the attempts run out; a permanent one fails at once."""
    if result.outcome is Outcome.PERMANENT or attempts >= max_attempts:
        return Status.FAILED
    return Status.PENDING


def classify_smtp(code: int | None, message: str) -> SendResult:
    """SMTP replies: 5xx is permanent (the address or message is refused), 4xx and no reply are transient."""
    if code is not None and 500 <= code < 600:
        return SendResult(Outcome.PERMANENT, f"SMTP {code}: {message}")
    if code is not None:
        return SendResult(Outcome.TRANSIENT, f"SMTP {code}: {message}")
    return SendResult(Outcome.TRANSIENT, message)


def classify_http(status: int) -> SendResult:
    """Webhook answers: 2xx delivered; 408 and 429 transient; other 4xx permanent; 5xx transient."""
    if 200 <= status < 300:
        return SendResult(Outcome.DELIVERED)
    if status in (408, 429) or status >= 500:
        return SendResult(Outcome.TRANSIENT, f"HTTP {status}")
    return SendResult(Outcome.PERMANENT, f"HTTP {status}")


def reminder_due(score: float, threshold: float, last_reminded_at: datetime | None, at: datetime,
                 period_days: int) -> bool:
    """'Please update your data': when the score is below the agency's threshold, at most once per period."""
    if score >= threshold:
        return False
    return last_reminded_at is None or at - last_reminded_at >= timedelta(days=period_days)


def digest_at(created: datetime, hour_utc: int) -> tuple[str, datetime]:
    """The daily digest a notification created at `created` belongs to: its day, and when it goes out
    (the next `hour_utc`:00 UTC after `created`)."""
    created = created.astimezone(UTC)
    send = datetime.combine(created.date(), time(hour_utc), tzinfo=UTC)
    if send <= created:
        send += timedelta(days=1)
    return send.date().isoformat(), send
