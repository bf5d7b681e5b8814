"""What each event triggers, on the real broker and PostgreSQL: succession events to the ASN concerned,
risk signals to the agency's HR admins, committee decisions without an ASN to the committee members,
data-quality reminders below the agency's threshold at most once per period; an unknown recipient or
a role nobody holds is recorded as failed with the reason, and the stream keeps flowing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deploy.local.kafka import LocalKafka
from deploy.local.mailsink import MailSink
from services.notification.models import DataQualityReminder, Recipient
from shared.events import Envelope
from shared.events.schemas import (
    CandidateNominated, CommitteeDecided, DataQualityChanged, ReadinessChanged, RiskSignaled,
)
from tests.integration.kafka_helpers import eventually
from tests.integration.notification.helpers import (
    bearer, count, deliveries, fresh_nip, outbox_events, profile, publish, running, service_settings, wrap,
)

pytestmark = pytest.mark.infra
NOW = datetime.now(UTC)


def quality(nip: str, agency: str, score: float, at: datetime) -> Envelope:
    return Envelope.wrap(DataQualityChanged(
        nip=nip, agency_id=agency, unit_id=None, score=score, previous_score=None, dimensions={},
        failed_checks=["riwayat jabatan belum diisi"], policy_version="dq/1"), source="profile", subject=nip,
        occurred_at=at)


async def test_succession_risk_committee_and_data_quality_notifications(
    kafka: LocalKafka, pg_database: str, unique: str, mail_sink: MailSink
) -> None:
    agency, lonely = f"kab-{unique}", f"kab-lonely-{unique}"
    nip, stranger = fresh_nip(), fresh_nip()
    hr = bearer(subject="hr-1", roles=["hr_admin"], agency_id=agency)
    # an unknown recipient's email waits for the profile; here it gives up after 3 attempts
    settings = service_settings(kafka, pg_database, unique, smtp_port=mail_sink.port, delivery_max_attempts=3)
    async with running(settings) as (http, runtime):
        for body in ({"subject": "hr-1", "role": "hr_admin", "name": "Ani", "email": "ani@example.go.id"},
                     {"subject": "komite-1", "role": "talent_committee", "name": "Bayu", "email": "bayu@example.go.id",
                      "language": "en"}):
            assert (await http.post(f"/v1/agencies/{agency}/contacts", headers=hr, json=body)).status_code == 201
        policy = await http.put(f"/v1/agencies/{agency}/notification-settings", headers=hr,
                                json={"data_quality_threshold": 80, "data_quality_period_days": 30})
        assert policy.status_code == 200, policy.text

        position = f"pos-{unique}"
        nominated = wrap(CandidateNominated(position_id=position, position_name="Kepala Dinas Pendidikan",
                                            agency_id=agency, nip=nip, readiness="siap_1_2_tahun", rank=2), position)
        readiness = wrap(ReadinessChanged(position_id=position, position_name="Kepala Dinas Pendidikan",
                                          agency_id=agency, nip=nip, from_readiness="siap_1_2_tahun",
                                          to_readiness="siap_sekarang", reason="kalibrasi komite"), position)
        decided = wrap(CommitteeDecided(decision_id="d1", session_id="s1", agency_id=agency, kind="approve_candidate",
                                        nip=nip, position_id=position, reason="memenuhi syarat", decided_by="ketua",
                                        decided_at=NOW), position)
        plan_reviewed = wrap(CommitteeDecided(decision_id="d2", session_id="s1", agency_id=agency, kind="review_plan",
                                              position_id=position, reason="rencana ditinjau", decided_by="ketua",
                                              decided_at=NOW), position)
        risk = wrap(RiskSignaled(agency_id=agency, kind="no_ready_successor", position_id=position,
                                 position_name="Kepala Dinas Pendidikan", detail="0 of 2 ready", detected_at=NOW),
                    position)
        unheard = wrap(RiskSignaled(agency_id=lonely, kind="incumbent_retiring", position_id="p-x",
                                    position_name="Sekretaris Daerah", detail="pensiun 2027", detected_at=NOW), "p-x")
        unknown = wrap(CandidateNominated(position_id=position, position_name="Kepala Dinas Pendidikan",
                                          agency_id=agency, nip=stranger, readiness="potensi_masa_depan"), position)
        reminders = [quality(nip, agency, 60, NOW), quality(nip, agency, 55, NOW + timedelta(days=1)),
                     quality(nip, agency, 90, NOW + timedelta(days=40)), quality(nip, agency, 50, NOW + timedelta(days=31))]
        await publish(kafka.bootstrap_servers, [profile(nip, agency, email=f"{nip}@example.go.id"), *reminders])
        known = lambda: count(runtime, Recipient, Recipient.nip == nip)  # noqa: E731
        await eventually(known, what="the profile in the read model")  # (the other topics are not ordered with it)
        await publish(kafka.bootstrap_servers, [nominated, readiness, decided, plan_reviewed, risk, unheard, unknown])

        async def all_handled() -> list:
            rows = await deliveries(runtime, agency_id=agency) + await deliveries(runtime, agency_id=lonely)
            done = len(rows) == 15 and all(r.status in ("delivered", "failed") for r in rows)
            return rows if done else []

        rows = await eventually(all_handled, timeout=60, what="every notification")
        table = sorted((r.event_type, r.recipient, r.channel, r.status) for r in rows)
        contacts = {c["role"]: f"contact:{c['id']}" for c in
                    (await http.get(f"/v1/agencies/{agency}/contacts", headers=hr)).json()}
        expected = sorted(
            [(t, nip, channel, "delivered") for t in ("candidate.nominated", "readiness.changed", "committee.decided")
             for channel in ("inbox", "email")]
            + [("committee.decided", contacts["talent_committee"], "email", "delivered"),
               ("risk.signaled", contacts["hr_admin"], "email", "delivered"),
               ("risk.signaled", f"agency:{lonely}/hr_admin", "email", "failed"),
               ("candidate.nominated", stranger, "inbox", "delivered"),
               ("candidate.nominated", stranger, "email", "failed")]
            + [("data_quality.changed", nip, channel, "delivered") for channel in ("inbox", "email")] * 2)
        assert table == expected
        reasons = {(r.recipient, r.channel): r.last_error for r in rows if r.status == "failed"}
        assert reasons[(f"agency:{lonely}/hr_admin", "email")] == f"no hr_admin contact is registered for agency {lonely}"
        assert reasons[(stranger, "email")].startswith("unknown recipient")
        assert next(r.attempts for r in rows if r.recipient == stranger and r.channel == "email") == 3
        failed = [e["recipient"] for e in await outbox_events(runtime, "notification.failed")]
        assert stranger in failed and f"agency:{lonely}/hr_admin" in failed

        # the data-quality reminders: the score 60 event and the score 50 one a period later; not 55 (same
        # period) nor 90 (above the agency's threshold of 80)
        reminded = sorted({r.source_event_id for r in rows if r.event_type == "data_quality.changed"})
        assert reminded == sorted({str(reminders[0].event_id), str(reminders[3].event_id)})
        assert await count(runtime, DataQualityReminder, DataQualityReminder.nip == nip) == 1

        mail = {m["To"]: m for m in mail_sink.messages}
        assert mail["ani@example.go.id"]["Subject"] == "Risiko suksesi: Kepala Dinas Pendidikan"
        assert mail["bayu@example.go.id"]["Subject"] == "Talent committee decision: review of the succession plan"
        inbox = (await http.get("/v1/inbox", headers=bearer(subject=nip, roles=["asn"], agency_id=agency, nip=nip),
                                params={"lang": "id", "limit": 10})).json()["items"]
        titles = {m["title"] for m in inbox}
        assert "Anda dinominasikan sebagai kandidat suksesor: Kepala Dinas Pendidikan" in titles
        assert "Kesiapan Anda untuk Kepala Dinas Pendidikan: siap sekarang" in titles
        assert "Mohon perbarui data Anda" in titles
