"""Pure notification rules: ids, channels by preference, retry classification and backoff, reminders,
digests; the webhook signature a receiver verifies; templates of every notifying event in both languages,
and the Indonesian fallback with its reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from services.notification import domain, templates
from services.notification.domain import Channel, Outcome, SendResult, Status
from services.notification.signing import SignatureError, sign, verify_signature
from shared.events.schemas import (
    CandidateNominated, CommitteeDecided, DataQualityChanged, ReadinessChanged, RiskSignaled,
)

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def test_the_notification_id_is_the_same_for_the_same_event_recipient_and_channel() -> None:
    a = domain.notification_id("e1", "198609262015051001", "email")
    assert a == domain.notification_id("e1", "198609262015051001", "email")
    assert len({a, domain.notification_id("e1", "198609262015051001", "inbox"),
                domain.notification_id("e2", "198609262015051001", "email")}) == 3
    assert domain.message_id(a, "talenta.local") == f"<{a}@talenta.local>"


def test_channels_follow_the_preferences_and_the_address() -> None:
    assert domain.channels_for("talent", [], has_email=True) == [Channel.INBOX, Channel.EMAIL]
    assert domain.channels_for("talent", ["talent/email"], has_email=True) == [Channel.INBOX]
    assert domain.channels_for("talent", ["assessment/email"], has_email=True) == [Channel.INBOX, Channel.EMAIL]
    assert domain.channels_for("talent", [], has_email=False) == [Channel.INBOX]
    assert domain.channels_for("talent", ["talent/inbox", "talent/email"], has_email=True) == []


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [domain.backoff(n, 5, 60) for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]


@pytest.mark.parametrize(("status", "outcome"), [(200, Outcome.DELIVERED), (204, Outcome.DELIVERED),
                                                 (400, Outcome.PERMANENT), (404, Outcome.PERMANENT),
                                                 (410, Outcome.PERMANENT), (408, Outcome.TRANSIENT),
                                                 (429, Outcome.TRANSIENT), (500, Outcome.TRANSIENT),
                                                 (503, Outcome.TRANSIENT)])
def test_webhook_answers(status: int, outcome: Outcome) -> None:
    assert domain.classify_http(status).outcome is outcome


def test_smtp_replies() -> None:
    assert domain.classify_smtp(550, "mailbox unavailable").outcome is Outcome.PERMANENT
    assert domain.classify_smtp(451, "try again").outcome is Outcome.TRANSIENT
    assert domain.classify_smtp(None, "connection refused").outcome is Outcome.TRANSIENT


def test_a_transient_failure_stays_pending_until_the_attempts_run_out() -> None:
    transient, permanent = SendResult(Outcome.TRANSIENT, "x"), SendResult(Outcome.PERMANENT, "y")
    assert domain.after_failure(transient, 1, 3) is Status.PENDING
    assert domain.after_failure(transient, 3, 3) is Status.FAILED
    assert domain.after_failure(permanent, 1, 3) is Status.FAILED


def test_a_reminder_below_the_threshold_at_most_once_per_period() -> None:
    assert domain.reminder_due(60, 70, None, NOW, 30)
    assert not domain.reminder_due(75, 70, None, NOW, 30)
    assert not domain.reminder_due(60, 70, NOW - timedelta(days=29), NOW, 30)
    assert domain.reminder_due(60, 70, NOW - timedelta(days=30), NOW, 30)


def test_the_digest_goes_out_at_the_next_digest_hour() -> None:
    assert domain.digest_at(NOW, 1) == ("2026-11-30", datetime(2026, 11, 30, 1, tzinfo=UTC))
    early = datetime(2026, 11, 29, 0, 30, tzinfo=UTC)
    assert domain.digest_at(early, 1) == ("2026-11-29", datetime(2026, 11, 29, 1, tzinfo=UTC))
    ids = ["b", "a"]
    assert domain.digest_message_id("n", "d", ids, "x") == domain.digest_message_id("n", "d", ["a", "b"], "x")
    assert domain.digest_message_id("n", "d", ids, "x") != domain.digest_message_id("n", "d", ["a"], "x")


# --- the webhook signature, as a receiver verifies it ---------------------------------------------------

SECRET = "whsec_test"
BODY = json.dumps({"id": "n-1", "type": "talent.reclassified"}).encode()


def test_a_genuine_request_verifies_once_and_its_replay_is_rejected() -> None:
    header, seen = sign(SECRET, BODY, 1_000), {}
    assert verify_signature(SECRET, header, BODY, now=1_010, tolerance=300, seen=seen)["id"] == "n-1"
    with pytest.raises(SignatureError, match="replay"):
        verify_signature(SECRET, header, BODY, now=1_020, tolerance=300, seen=seen)


@pytest.mark.parametrize(("secret", "header", "body", "now", "error"), [
    ("whsec_other", sign(SECRET, BODY, 1_000), BODY, 1_000, "does not match"),
    (SECRET, sign(SECRET, BODY, 1_000), BODY.replace(b"talent", b"talenT"), 1_000, "does not match"),
    (SECRET, sign(SECRET, BODY, 1_000), BODY, 1_301, "tolerance"),
    (SECRET, sign(SECRET, BODY, 1_000).replace("t=1000", "t=1200"), BODY, 1_200, "does not match"),
    (SECRET, "garbage", BODY, 1_000, "malformed"),
])
def test_forged_stale_or_malformed_requests_are_rejected(secret: str, header: str, body: bytes, now: float,
                                                          error: str) -> None:
    with pytest.raises(SignatureError, match=error):
        verify_signature(secret, header, body, now=now, tolerance=300, seen={})


# --- templates ------------------------------------------------------------------------------------------

EVENTS = {
    "candidate.nominated": CandidateNominated(position_id="p1", position_name="Kepala Dinas", agency_id="a",
                                              nip="198609262015051001", readiness="siap_sekarang", rank=1),
    "readiness.changed": ReadinessChanged(position_id="p1", position_name="Kepala Dinas", agency_id="a",
                                          nip="198609262015051001", from_readiness=None,
                                          to_readiness="siap_1_2_tahun", reason="kalibrasi"),
    "committee.decided": CommitteeDecided(decision_id="d", session_id="s", agency_id="a", kind="set_plan",
                                          position_id="p1", reason="rapat komite", decided_by="ketua", decided_at=NOW),
    "risk.signaled": RiskSignaled(agency_id="a", kind="incumbent_retiring", position_id="p1",
                                  position_name="Kepala Dinas", detail="pensiun 2027", detected_at=NOW),
    "data_quality.changed": DataQualityChanged(nip="198609262015051001", agency_id="a", unit_id=None, score=62.5,
                                               previous_score=80, dimensions={}, failed_checks=["email kosong"],
                                               policy_version="dq/1"),
}
TITLES = {
    "candidate.nominated": ("Anda dinominasikan sebagai kandidat suksesor: Kepala Dinas",
                            "You are nominated as a successor candidate: Kepala Dinas"),
    "readiness.changed": ("Kesiapan Anda untuk Kepala Dinas: siap dalam 1–2 tahun",
                          "Your readiness for Kepala Dinas: ready in 1–2 years"),
    "committee.decided": ("Keputusan Komite Talenta: penetapan rencana suksesi", "Talent committee decision: succession plan set"),
    "risk.signaled": ("Risiko suksesi: Kepala Dinas", "Succession risk: Kepala Dinas"),
    "data_quality.changed": ("Mohon perbarui data Anda", "Please update your data"),
}


@pytest.mark.parametrize("event_type", sorted(EVENTS))
def test_every_notifying_event_renders_in_indonesian_and_english(event_type: str) -> None:
    indonesian = templates.render(event_type, EVENTS[event_type], "Siti", "id")
    english = templates.render(event_type, EVENTS[event_type], "Siti", "en")
    assert (indonesian.rendered.title, english.rendered.title) == TITLES[event_type]
    assert indonesian.rendered.body.startswith("Yth. Siti,") and english.rendered.body.startswith("Dear Siti,")
    assert indonesian.version == english.version == templates.TEMPLATE_VERSIONS[event_type]
    assert indonesian.note is None and english.note is None


def test_a_template_missing_for_a_language_falls_back_to_indonesian_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    only_id = templates.Template(RiskSignaled, {"id": templates.TEMPLATES["risk.signaled"].languages["id"]})
    monkeypatch.setitem(templates.TEMPLATES, "risk.signaled", only_id)
    message = templates.render("risk.signaled", EVENTS["risk.signaled"], None, "en")
    assert message.language == "id" and message.rendered.title == "Risiko suksesi: Kepala Dinas"
    assert message.note == "no 'en' template for risk.signaled (risk.signaled/1); rendered in Indonesian"


def test_the_digest_lists_the_day_in_the_asn_language() -> None:
    items = [("Judul 1", "Isi 1"), ("Judul 2", "Isi 2")]
    assert templates.digest("Siti", "2026-11-29", items, "id").title == "Talenta: 2 pemberitahuan Anda tanggal 2026-11-29"
    body = templates.digest("Siti", "2026-11-29", items, "en").body
    assert "1. Judul 1\nIsi 1" in body and "2. Judul 2\nIsi 2" in body


def test_an_endpoint_gets_the_event_types_it_asked_for_and_an_unheld_role_is_named() -> None:
    from services.notification.models import WebhookEndpoint
    from services.notification.recipients import Directory

    every = WebhookEndpoint(id=1, agency_id="a", url="https://a/1", secret="s", event_types="[]", active=True)
    risks = WebhookEndpoint(id=2, agency_id="a", url="https://a/2", secret="s", event_types='["risk.signaled"]',
                            active=True)
    directory = Directory(asn={}, preferences={}, contacts={}, endpoints={"a": [every, risks]})
    assert [e.id for e in directory.webhooks("a", "risk.signaled")] == [1, 2]
    assert [e.id for e in directory.webhooks("a", "talent.reclassified")] == [1]
    assert directory.webhooks("b", "risk.signaled") == []
    nobody = directory.holders("a", "hr_admin")
    assert [(p.recipient, p.failure) for p in nobody] == [("agency:a/hr_admin", "no hr_admin contact is registered for agency a")]
    unknown = directory.person("198609262015051001")
    assert not unknown.known and unknown.language == "id" and unknown.email is None
