"""Preferences honoured end to end (real broker, PostgreSQL, SMTP): a channel switched off for a category,
the ASN's language, and the daily digest (one email with the day's notifications)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from deploy.local.kafka import LocalKafka
from deploy.local.mailsink import MailSink
from services.notification import domain
from shared.events.schemas import AssessmentCompleted, CompetencyGap
from tests.integration.kafka_helpers import eventually
from tests.integration.notification.helpers import (
    bearer, deliveries, fresh_nip, profile, publish, running, service_settings, wrap,
)
from tests.integration.notification.test_email import reclassified

pytestmark = pytest.mark.infra


def assessed(nip: str, agency: str) -> object:
    return wrap(AssessmentCompleted(
        nip=nip, agency_id=agency, assessment_id=str(uuid.uuid4()), assessed_on=date(2026, 6, 1), method="cact",
        jpm=85.0, potential_level="menengah", valid_until=date(2029, 6, 1),
        gaps=[CompetencyGap(competency="Kerjasama", required=3, achieved=2, gap=1)], policy_version="p/1"),
        nip, "assessment")


async def test_channels_language_and_the_daily_digest_follow_the_asn_preferences(
    kafka: LocalKafka, pg_database: str, unique: str, mail_sink: MailSink
) -> None:
    agency = f"kab-{unique}"
    english, digest, default = fresh_nip(), fresh_nip(), fresh_nip()
    settings = service_settings(kafka, pg_database, unique, smtp_port=mail_sink.port)
    async with running(settings) as (http, runtime):
        me = {n: bearer(subject=n, roles=["asn"], agency_id=agency, nip=n) for n in (english, digest, default)}
        put = await http.put("/v1/preferences/me", headers=me[english], json={
            "language": "en", "channels": {"talent": {"inbox": True, "email": False}}})
        assert put.status_code == 200, put.text
        assert put.json()["channels"]["talent"] == {"inbox": True, "email": False}
        assert put.json()["channels"]["assessment"] == {"inbox": True, "email": True}
        assert (await http.put("/v1/preferences/me", headers=me[digest], json={"email_digest": True})).status_code == 200
        assert (await http.get("/v1/preferences/me", headers=me[digest])).json()["email_digest"] is True
        assert (await http.get("/v1/preferences/me", headers=me[default])).json()["language"] == "id"

        await publish(kafka.bootstrap_servers, [profile(n, agency, email=f"{n}@example.go.id")
                                                for n in (english, digest, default)])
        await publish(kafka.bootstrap_servers, [e for n in (english, digest, default)
                                                for e in (reclassified(n, agency), assessed(n, agency))])

        async def settled() -> dict:
            rows = await deliveries(runtime, agency_id=agency)
            mine = {n: sorted((r.event_type, r.channel, r.status) for r in rows if r.recipient == n)
                    for n in (english, digest, default)}
            done = (len(mine[english]) == 3 and len(mine[digest]) == 4 and len(mine[default]) == 4
                    and all(s != "sending" and (s == "delivered" or n == digest)
                            for n in mine for _, _, s in mine[n]))
            return mine if done else {}

        mine = await eventually(settled, timeout=60, what="the notifications")
        # talent email switched off: inbox only for the reclassification; the assessment still emailed, in English
        assert mine[english] == [("assessment.completed", "email", "delivered"),
                                 ("assessment.completed", "inbox", "delivered"),
                                 ("talent.reclassified", "inbox", "delivered")]
        sent = {m["To"]: m for m in mail_sink.messages if m["To"].split("@")[0] in (english, digest, default)}
        assert sent[f"{english}@example.go.id"]["Subject"] == "Your competency assessment results are available"
        assert "Competencies to develop: Kerjasama (level 2 of 3)" in sent[f"{english}@example.go.id"].get_content()
        # defaults: Indonesian, both emails
        default_rows = await deliveries(runtime, recipient=default, channel="email")
        assert sorted(r.title for r in default_rows) == ["Hasil penilaian kompetensi Anda tersedia",
                                                         "Pemetaan talenta Anda: kotak 5"]
        # the digest: nothing sent yet; both wait for the next digest hour
        waiting = await deliveries(runtime, recipient=digest, channel="email")
        assert {r.status for r in waiting} == {"pending"} and len({r.digest_key for r in waiting}) == 1
        assert f"{digest}@example.go.id" not in sent
        key, due = domain.digest_at(waiting[0].created_at, settings.digest_hour_utc)
        assert waiting[0].digest_key == key and waiting[0].next_attempt_at == due

        worker = runtime.workers[0]
        await worker.run_once(now=due + timedelta(seconds=1))  # the digest hour has come
        digests = [m for m in mail_sink.messages if m["To"] == f"{digest}@example.go.id"]
        assert len(digests) == 1
        text = digests[0].get_content()
        assert digests[0]["Subject"] == f"Talenta: 2 pemberitahuan Anda tanggal {key}"
        assert "Pemetaan talenta Anda: kotak 5" in text and "Hasil penilaian kompetensi Anda tersedia" in text
        assert {r.status for r in await deliveries(runtime, recipient=digest, channel="email")} == {"delivered"}
        assert datetime.now(UTC) < due  # it went out because its hour came, not before
