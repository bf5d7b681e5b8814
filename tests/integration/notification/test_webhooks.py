"""Webhooks to a real HTTP receiver (uvicorn): signed so the receiver's `verify_signature` accepts them and
rejects a replay or a tampered body; a 5xx is retried, a 4xx fails with the reason, and a hanging endpoint
times out and is retried without holding up the others."""

from __future__ import annotations

import httpx
import pytest

from deploy.local.kafka import LocalKafka
from services.notification.signing import SIGNATURE_HEADER
from tests.integration.kafka_helpers import eventually
from tests.integration.notification.conftest import Receiver
from tests.integration.notification.helpers import (
    bearer, deliveries, fresh_nip, outbox_events, profile, publish, running, service_settings,
)
from tests.integration.notification.test_email import reclassified

pytestmark = pytest.mark.infra


async def test_signed_webhooks_retries_timeouts_and_replays(
    kafka: LocalKafka, pg_database: str, unique: str, webhook_receiver: Receiver
) -> None:
    agency, nip = f"kab-{unique}", fresh_nip()
    hr = bearer(subject="hr-1", roles=["hr_admin"], agency_id=agency)
    settings = service_settings(kafka, pg_database, unique, email_enabled=False)
    async with running(settings) as (http, runtime):
        endpoints = {}
        for name in ("ok", "flaky", "hang", "gone"):
            created = await http.post(f"/v1/agencies/{agency}/webhooks", headers=hr,
                                      json={"url": f"{webhook_receiver.url}/{name}"})
            assert created.status_code == 201, created.text
            assert created.json()["secret"].startswith("whsec_")
            webhook_receiver.secrets[name] = created.json()["secret"]
            endpoints[name] = f"webhook:{created.json()['id']}"
        events = [reclassified(nip, agency, to_box=box) for box in (5, 7, 9)]
        await publish(kafka.bootstrap_servers, [profile(nip, agency)] + events)

        async def by_endpoint() -> dict[str, list]:
            rows = await deliveries(runtime, agency_id=agency, channel="webhook")
            grouped = {name: [r for r in rows if r.recipient == recipient] for name, recipient in endpoints.items()}
            settled = all(len(grouped[n]) == 3 and {r.status for r in grouped[n]} == {s}
                          for n, s in (("ok", "delivered"), ("flaky", "delivered"), ("gone", "failed")))
            hanging = len(grouped["hang"]) == 3 and all(r.status != "delivered" for r in grouped["hang"])
            return grouped if settled and hanging else {}

        grouped = await eventually(by_endpoint, timeout=60, what="the webhooks to settle")
        # the hanging endpoint holds up nobody: it is still being retried while the others are done
        hang = await eventually(lambda: _retried(runtime, endpoints["hang"]), timeout=30, what="the hang retries")
        assert all("timeout" in (r.last_error or "") for r in hang)
        assert webhook_receiver.hanging >= 3
        assert all(r.attempts == 1 for r in grouped["ok"]) and all(r.attempts == 2 for r in grouped["flaky"])
        assert all(r.attempts == 1 and r.last_error == "HTTP 410" for r in grouped["gone"])
        failed = {e["notification_id"]: e for e in await outbox_events(runtime, "notification.failed")}
        assert all(failed[r.id]["reason"] == "HTTP 410" for r in grouped["gone"])

        # what the receiver accepted: every notification once, with its id, in both languages
        accepted = {p["id"]: p for p in webhook_receiver.accepted}
        assert set(accepted) == {r.id for r in grouped["ok"] + grouped["flaky"]}
        assert {p["source_event_id"] for p in accepted.values()} == {str(e.event_id) for e in events}
        sample = accepted[grouped["ok"][0].id]
        assert sample["recipients"] == [nip] and sample["agency_id"] == agency
        assert sample["messages"]["id"]["title"].startswith("Pemetaan talenta Anda")
        assert sample["messages"]["en"]["title"].startswith("Your talent placement")

        # a captured request sent again is a replay; a changed body does not match its signature
        headers, body = webhook_receiver.requests[0]
        forward = {SIGNATURE_HEADER: headers[SIGNATURE_HEADER.lower()], "content-type": "application/json"}
        async with httpx.AsyncClient() as client:
            replay = await client.post(f"{webhook_receiver.url}/ok", content=body, headers=forward)
            assert replay.status_code == 400 and "replay" in replay.json()["error"]
            tampered = await client.post(f"{webhook_receiver.url}/ok", content=body.replace(b"Pemetaan", b"Pemetaan!"),
                                         headers=forward)
            assert tampered.status_code == 400 and "does not match" in tampered.json()["error"]
        assert len(webhook_receiver.accepted) == 6


async def _retried(runtime, recipient: str) -> list:  # type: ignore[no-untyped-def]
    rows = await deliveries(runtime, recipient=recipient)
    return rows if rows and all(r.attempts >= 2 and r.last_error for r in rows) else []
