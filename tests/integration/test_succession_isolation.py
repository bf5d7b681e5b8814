"""Agency isolation of the whole succession API: every route, called about agency A's people, plans and
committee by agency B's HR admin, by a member of agency B's committee with the same subject as A's chair,
and by another ASN of agency A, answers 403 or 404 (or an empty list of their own), leaks nothing, and
changes nothing. The test fails when a route is added without being called here."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from deploy.local.kafka import LocalKafka
from services.succession.app import DEFINITION
from services.succession.app import create_app as succession_app
from services.succession.settings import SuccessionSettings
from tests.integration.succession_helpers import STANDARD, World, young_nip
from tests.integration.test_http_api import bearer, running

pytestmark = pytest.mark.infra

SECRETS = ("Kepala Bagian Rahasia", "Sidang Rahasia", "Ketua Rahasia", "ditelaah secara rahasia", "Agenda rahasia")


async def _snapshot(http: httpx.AsyncClient, reads: list[tuple[str, dict[str, str]]]) -> list[Any]:
    return [(path, (await http.get(path, headers=headers)).json()) for path, headers in reads]


async def test_no_route_lets_another_agency_or_another_asn_read_or_change_anything(
    kafka: LocalKafka, tmp_path: Path, unique: str
) -> None:
    a, b = f"kab-ia-{unique}", f"kab-ib-{unique}"
    star, other_asn = young_nip(), young_nip()
    hr_a = bearer(subject="hr-ia", roles=["hr_admin"], agency_id=a)
    chair_a = bearer(subject="chair-i", roles=["talent_committee"], agency_id=a)
    outsiders = {
        "HR admin of B": bearer(subject="hr-ib", roles=["hr_admin"], agency_id=b),
        "B's committee member with A's chair's subject": bearer(subject="chair-i", roles=["talent_committee"],
                                                               agency_id=b),
        "another ASN of A": bearer(subject=other_asn, roles=["asn"], agency_id=a, nip=other_asn),
    }
    settings = SuccessionSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/iso.db",
                                  kafka_bootstrap_servers=kafka.bootstrap_servers, kafka_group_prefix=f"iso-{unique}")
    async with running(succession_app, settings) as (http, runtime):
        world = await World.quiet(runtime, a)
        await world.person(star, 9)
        await world.person(other_asn, 5)
        hr_b = outsiders["HR admin of B"]
        assert (await http.post(f"/v1/committees/{b}/members", headers=hr_b,
                                json={"subject": "chair-i", "name": "Ketua B", "role": "chair"})).status_code == 201

        # agency A's data: rules, a key position (star is its candidate), a committee, a session, a decision
        position = f"kabag-{unique}"
        assert (await http.post(f"/v1/eligibility-rules/{a}", headers=hr_a, json={
            "position_type": "administrator", "rules": {"min_education": "S1"}})).status_code == 201
        assert (await http.post("/v1/key-positions", headers=hr_a, json={
            "id": position, "agency_id": a, "title": "Kepala Bagian Rahasia", "position_type": "administrator",
            "standard": STANDARD})).status_code == 201
        committee = f"/v1/committees/{a}"
        assert (await http.post(f"{committee}/members", headers=hr_a,
                                json={"subject": "chair-i", "name": "Ketua Rahasia", "role": "chair"})).status_code == 201
        sid = (await http.post(f"{committee}/sessions", headers=hr_a, json={
            "held_on": "2026-12-01", "title": "Sidang Rahasia"})).json()["id"]
        item = (await http.post(f"{committee}/sessions/{sid}/agenda", headers=hr_a, json={
            "kind": "placement", "nip": star, "why": "Agenda rahasia"})).json()["id"]
        decision = (await http.post(f"{committee}/sessions/{sid}/decisions", headers=chair_a, json={
            "kind": "review_plan", "position_id": position, "reason": "ditelaah secara rahasia"})).json()["id"]
        idp = (await http.get(f"/v1/talents/{star}/development-plan", headers=hr_a)).json()
        intervention = idp["interventions"][0]["id"]

        calls = {  # (method, route) -> (path, body)
            ("GET", "/v1/talents/{nip}"): (f"/v1/talents/{star}", None),
            ("GET", "/v1/pools/national"): ("/v1/pools/national", None),
            ("GET", "/v1/pools/agencies/{agency_id}"): (f"/v1/pools/agencies/{a}", None),
            ("GET", "/v1/parked-events"): (f"/v1/parked-events?agency_id={a}", None),
            ("POST", "/v1/key-positions"): ("/v1/key-positions", {
                "id": f"x-{unique}", "agency_id": a, "title": "Sisipan", "position_type": "administrator",
                "standard": STANDARD}),
            ("GET", "/v1/key-positions"): (f"/v1/key-positions?agency_id={a}", None),
            ("GET", "/v1/key-positions/{position_id}/plan"): (f"/v1/key-positions/{position}/plan", None),
            ("POST", "/v1/eligibility-rules/{agency_id}"): (f"/v1/eligibility-rules/{a}", {
                "position_type": "administrator", "rules": {}}),
            ("GET", "/v1/eligibility-rules/{agency_id}"): (f"/v1/eligibility-rules/{a}", None),
            ("POST", "/v1/committees/{agency_id}/members"): (f"{committee}/members", {
                "subject": "penyusup", "name": "Penyusup", "role": "ppk"}),
            ("GET", "/v1/committees/{agency_id}/members"): (f"{committee}/members", None),
            ("DELETE", "/v1/committees/{agency_id}/members/{subject}"): (f"{committee}/members/chair-i", None),
            ("POST", "/v1/committees/{agency_id}/sessions"): (f"{committee}/sessions", {
                "held_on": "2026-12-02", "title": "Sidang Palsu"}),
            ("GET", "/v1/committees/{agency_id}/sessions"): (f"{committee}/sessions", None),
            ("GET", "/v1/committees/{agency_id}/sessions/{session_id}/agenda"): (f"{committee}/sessions/{sid}/agenda",
                                                                                  None),
            ("POST", "/v1/committees/{agency_id}/sessions/{session_id}/agenda/generate"): (
                f"{committee}/sessions/{sid}/agenda/generate", None),
            ("POST", "/v1/committees/{agency_id}/sessions/{session_id}/agenda"): (
                f"{committee}/sessions/{sid}/agenda", {"kind": "placement", "nip": star, "why": "sisipan"}),
            ("DELETE", "/v1/committees/{agency_id}/sessions/{session_id}/agenda/{item_id}"): (
                f"{committee}/sessions/{sid}/agenda/{item}", None),
            ("POST", "/v1/committees/{agency_id}/sessions/{session_id}/decisions"): (
                f"{committee}/sessions/{sid}/decisions",
                {"kind": "calibrate_box", "nip": star, "value": "1", "reason": "diturunkan tanpa hak"}),
            ("GET", "/v1/committees/{agency_id}/sessions/{session_id}/decisions"): (
                f"{committee}/sessions/{sid}/decisions", None),
            ("GET", "/v1/committees/{agency_id}/decisions/{decision_id}"): (f"{committee}/decisions/{decision}", None),
            ("GET", "/v1/talents/{nip}/development-plan"): (f"/v1/talents/{star}/development-plan", None),
            ("PATCH", "/v1/talents/{nip}/development-plan/interventions/{intervention_id}"): (
                f"/v1/talents/{star}/development-plan/interventions/{intervention}", {"status": "dropped"}),
            ("GET", "/v1/reports/agencies/{agency_id}/boxes"): (f"/v1/reports/agencies/{a}/boxes", None),
            ("GET", "/v1/reports/agencies/{agency_id}/movement"): (
                f"/v1/reports/agencies/{a}/movement?start=2020-01-01&end={date.today()}", None),
            ("GET", "/v1/reports/agencies/{agency_id}/middle-box"): (f"/v1/reports/agencies/{a}/middle-box", None),
            ("GET", "/v1/reports/agencies/{agency_id}/succession-coverage"): (
                f"/v1/reports/agencies/{a}/succession-coverage", None),
        }
        routes = {(method, route.path) for router in DEFINITION.routers for route in router.routes
                  if isinstance(route, APIRoute) for method in route.methods}
        assert routes == set(calls), f"routes not called here: {routes - set(calls)}"

        reads = [(path, headers) for (method, _), (path, _) in calls.items() if method == "GET"
                 for headers in (hr_a, chair_a) if "/pools/national" not in path]
        before = await _snapshot(http, reads)
        for who, headers in outsiders.items():
            for (method, route), (path, body) in calls.items():
                response = await http.request(method, path, headers=headers, json=body)
                text = response.text
                leaked = [s for s in SECRETS if s in text] + ([star] if star in text and star not in path else [])
                assert not leaked, f"{who}: {method} {route} leaked {leaked}: {text[:300]}"
                if response.status_code == 200:  # a list of what they may see: none of A's
                    assert response.json() in ([], {}) or route in {"/v1/parked-events", "/v1/key-positions"}, (
                        who, route, text[:300])
                    assert a not in text, f"{who}: {method} {route} answered with agency A's data: {text[:300]}"
                else:
                    assert response.status_code in (403, 404), f"{who}: {method} {route} → {response.status_code}"
        assert await _snapshot(http, reads) == before  # nothing changed
