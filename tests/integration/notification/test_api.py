"""The notification HTTP API: who may call what, agency isolation of every endpoint (inbox, deliveries,
preferences, webhooks, contacts, settings), and problem+json naming the field for bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deploy.local.kafka import LocalKafka
from services.notification.models import Delivery
from tests.integration.notification.helpers import bearer, running, service_settings
from tests.integration.test_http_api import assert_problem

pytestmark = pytest.mark.infra

NIP_A, NIP_A2 = "198609262015051001", "199001012015052003"
HR_A = bearer(subject="hr-a", roles=["hr_admin"], agency_id="kab-a")
HR_B = bearer(subject="hr-b", roles=["hr_admin"], agency_id="kab-b")
ASN_A = bearer(subject=NIP_A, roles=["asn"], agency_id="kab-a", nip=NIP_A)
ASN_A2 = bearer(subject=NIP_A2, roles=["asn"], agency_id="kab-a", nip=NIP_A2)
OPERATOR = bearer(subject="ops", roles=["operator"])


def _delivery(n: int, recipient: str, channel: str, status: str) -> Delivery:
    at = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=n)
    return Delivery(id=f"00000000-0000-0000-0000-{n:012d}", source_event_id=f"e{n}", event_type="talent.reclassified",
                    agency_id="kab-a", recipient=recipient, channel=channel, address=None, language="id",
                    title="Judul", body="Isi", template_version="t/1", status=status, attempts=1,
                    trace_carrier="{}", created_at=at, updated_at=at)


async def test_deliveries_are_scoped_to_the_agency_and_to_the_asn(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    settings = service_settings(kafka, f"sqlite+aiosqlite:///{tmp_path}/n.db", unique, email_enabled=False)
    async with running(settings) as (http, runtime):
        async with runtime.sessions() as session, session.begin():
            session.add_all([_delivery(1, NIP_A, "inbox", "delivered"), _delivery(2, NIP_A, "email", "failed"),
                             _delivery(3, "webhook:1", "webhook", "delivered"), _delivery(4, NIP_A2, "inbox", "delivered")])
        page = (await http.get("/v1/deliveries", headers=HR_A, params={"limit": 3})).json()
        assert [d["recipient"] for d in page["items"]] == [NIP_A2, "webhook:1", NIP_A]
        rest = (await http.get("/v1/deliveries", headers=HR_A, params={"limit": 3, "cursor": page["next_cursor"]})).json()
        assert [d["id"][-1] for d in rest["items"]] == ["1"] and rest["next_cursor"] is None
        mine = (await http.get("/v1/deliveries", headers=ASN_A)).json()["items"]
        assert sorted(d["channel"] for d in mine) == ["email", "inbox"]
        failed = (await http.get("/v1/deliveries", headers=ASN_A, params={"status": "failed"})).json()["items"]
        assert [d["id"][-1] for d in failed] == ["2"]
        one = "00000000-0000-0000-0000-000000000002"
        assert (await http.get(f"/v1/deliveries/{one}", headers=ASN_A)).json()["status"] == "failed"
        assert (await http.get(f"/v1/deliveries/{one}", headers=HR_A)).status_code == 200
        # another agency, another ASN, the wrong role, no token
        assert (await http.get("/v1/deliveries", headers=HR_B)).json()["items"] == []
        assert_problem(await http.get(f"/v1/deliveries/{one}", headers=HR_B), 404)
        assert_problem(await http.get(f"/v1/deliveries/{one}", headers=ASN_A2), 404)
        assert_problem(await http.get("/v1/deliveries", headers=OPERATOR), 403)
        assert_problem(await http.get("/v1/deliveries"), 401)
        assert_problem(await http.get("/v1/deliveries", headers=HR_A, params={"cursor": "!!"}), 422, "cursor")
        assert_problem(await http.get("/v1/deliveries", headers=HR_A, params={"status": "lost"}), 422, "status")
        # the inbox belongs to its ASN only
        assert_problem(await http.get("/v1/inbox", headers=HR_A), 403)


async def test_preferences_webhooks_contacts_and_settings_are_isolated(
    kafka: LocalKafka, tmp_path: Path, unique: str
) -> None:
    settings = service_settings(kafka, f"sqlite+aiosqlite:///{tmp_path}/n.db", unique, email_enabled=False)
    async with running(settings) as (http, _):
        # preferences: the ASN's own
        put = await http.put("/v1/preferences/me", headers=ASN_A, json={"language": "en", "email_digest": True})
        assert put.status_code == 200 and put.json()["language"] == "en"
        assert (await http.get("/v1/preferences/me", headers=ASN_A2)).json()["language"] == "id"
        assert_problem(await http.get("/v1/preferences/me", headers=HR_A), 403)
        assert_problem(await http.put("/v1/preferences/me", headers=ASN_A, json={"language": "fr"}), 422, "language")
        assert_problem(await http.put("/v1/preferences/me", headers=ASN_A,
                                      json={"channels": {"gossip": {"email": False}}}), 422, "channels.gossip.[key]")

        # webhooks: the agency's HR admin
        created = await http.post("/v1/agencies/kab-a/webhooks", headers=HR_A,
                                  json={"url": "https://portal.kab-a.go.id/hooks", "event_types": ["risk.signaled"]})
        assert created.status_code == 201, created.text
        hook = created.json()
        assert_problem(await http.post("/v1/agencies/kab-a/webhooks", headers=HR_A,
                                       json={"url": "https://portal.kab-a.go.id/hooks"}), 409, "url")
        assert_problem(await http.post("/v1/agencies/kab-a/webhooks", headers=HR_A, json={"url": "not a url"}), 422, "url")
        assert_problem(await http.post("/v1/agencies/kab-a/webhooks", headers=HR_A,
                                       json={"url": "https://x.go.id", "event_types": ["lunch.served"]}), 422, "event_types")
        listed = (await http.get("/v1/agencies/kab-a/webhooks", headers=HR_A)).json()
        assert [w["id"] for w in listed] == [hook["id"]] and "secret" not in listed[0]
        assert_problem(await http.get("/v1/agencies/kab-a/webhooks", headers=HR_B), 404)
        assert_problem(await http.post("/v1/agencies/kab-a/webhooks", headers=HR_B, json={"url": "https://b.go.id"}), 404)
        assert_problem(await http.delete(f"/v1/agencies/kab-b/webhooks/{hook['id']}", headers=HR_B), 404)
        assert_problem(await http.get("/v1/agencies/kab-a/webhooks", headers=ASN_A), 403)

        # contacts
        contact = {"subject": "hr-a", "role": "hr_admin", "name": "Ani", "email": "ani@kab-a.go.id"}
        made = await http.post("/v1/agencies/kab-a/contacts", headers=HR_A, json=contact)
        assert made.status_code == 201, made.text
        assert_problem(await http.post("/v1/agencies/kab-a/contacts", headers=HR_A, json=contact), 409, "subject")
        assert_problem(await http.post("/v1/agencies/kab-a/contacts", headers=HR_A,
                                       json={**contact, "email": "ani"}), 422, "email")
        assert_problem(await http.post("/v1/agencies/kab-a/contacts", headers=HR_A,
                                       json={**contact, "role": "bkn"}), 422, "role")
        assert_problem(await http.get("/v1/agencies/kab-a/contacts", headers=HR_B), 404)
        assert_problem(await http.delete(f"/v1/agencies/kab-b/contacts/{made.json()['id']}", headers=HR_B), 404)
        assert (await http.get("/v1/agencies/kab-b/contacts", headers=HR_B)).json() == []

        # the reminder policy
        assert (await http.get("/v1/agencies/kab-a/notification-settings", headers=HR_A)).json() == {
            "data_quality_threshold": 70.0, "data_quality_period_days": 30}
        assert_problem(await http.put("/v1/agencies/kab-a/notification-settings", headers=HR_A,
                                      json={"data_quality_threshold": 120, "data_quality_period_days": 30}),
                       422, "data_quality_threshold")
        assert_problem(await http.put("/v1/agencies/kab-a/notification-settings", headers=HR_B,
                                      json={"data_quality_threshold": 50, "data_quality_period_days": 7}), 404)
        assert_problem(await http.get("/v1/agencies/kab-a/notification-settings", headers=HR_B), 404)

        # and what remains for agency A is A's
        assert (await http.delete(f"/v1/agencies/kab-a/webhooks/{hook['id']}", headers=HR_A)).status_code == 204
        assert (await http.get("/v1/agencies/kab-a/webhooks", headers=HR_A)).json() == []
        assert len((await http.get("/v1/agencies/kab-a/contacts", headers=HR_A)).json()) == 1
