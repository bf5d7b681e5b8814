"""The HTTP surface: problem+json for bad input, 401 without a valid token, and agency isolation."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from deploy.local.kafka import LocalKafka
from services.assessment.app import create_app as assessment_app
from services.assessment.models import KnownAsn
from services.assessment.settings import AssessmentSettings
from services.notification.app import create_app as notification_app
from services.notification.models import InboxMessage
from services.notification.settings import NotificationSettings
from services.profile.app import create_app as profile_app
from services.profile.settings import ProfileSettings
from services.succession.app import create_app as succession_app
from services.succession.models import TalentAxes
from services.succession.settings import SuccessionSettings
from shared.auth import mint_token

pytestmark = pytest.mark.infra

NIP_A = "198609262015051001"  # agency A
NIP_A2 = "199001012015052003"  # agency A, a colleague
NIP_NEVER_REGISTERED = "199912312020121999"  # no test registers it (the topics are shared by the session)
PROFILE = {"nip": NIP_A, "agency_id": "kab-a", "name": "Budi Santoso", "sex": "male", "birth_date": "1986-09-26"}


def fresh_nip() -> str:
    """A valid NIP unlikely to be used by any other test of the session."""
    birth = date(1965, 1, 1) + timedelta(days=random.randint(0, 9_800))  # ≤ 1991: 18 by the TMT, January 2010
    return f"{birth:%Y%m%d}201001{random.choice('12')}{random.randint(0, 999):03d}"


def bearer(**claims: Any) -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_token(**claims)}


HR_A = bearer(subject="hr-a", roles=["hr_admin"], agency_id="kab-a")
HR_B = bearer(subject="hr-b", roles=["hr_admin"], agency_id="kab-b")
BKN = bearer(subject="bkn-1", roles=["bkn"])
OPERATOR = bearer(subject="ops-1", roles=["operator"])
ASN_A = bearer(subject=NIP_A, roles=["asn"], agency_id="kab-a", nip=NIP_A)
ASN_A2 = bearer(subject=NIP_A2, roles=["asn"], agency_id="kab-a", nip=NIP_A2)


@asynccontextmanager
async def running(app_factory: Any, settings: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    app = app_factory(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, app.state.runtime


def _settings(cls: Any, kafka: LocalKafka, tmp_path: Path, unique: str) -> Any:
    return cls(database_url=f"sqlite+aiosqlite:///{tmp_path}/{cls.__name__}.db",
               kafka_bootstrap_servers=kafka.bootstrap_servers, kafka_group_prefix=f"http-{unique}")


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys() and body["status"] == status
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


async def _agencies(http: httpx.AsyncClient) -> None:
    for agency in ("kab-a", "kab-b"):
        created = await http.post("/v1/agencies", headers=BKN,
                                  json={"id": agency, "name": agency.upper(), "kind": "regency", "time_zone": "WIB"})
        assert created.status_code == 201, created.text


async def test_profile_api(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    async with running(profile_app, _settings(ProfileSettings, kafka, tmp_path, unique)) as (http, _):
        await _agencies(http)
        # who is asking
        assert_problem(await http.post("/v1/profiles", json=PROFILE), 401)
        assert_problem(await http.post("/v1/profiles", json=PROFILE, headers={"Authorization": "Bearer nope"}), 401)
        assert_problem(await http.post("/v1/profiles", json=PROFILE, headers=ASN_A), 403)
        assert_problem(await http.post("/v1/profiles", json=PROFILE, headers=HR_B), 403, "agency_id")

        # bad input names the field
        malformed = await http.post("/v1/profiles", content=b'{"nip": ', headers={**HR_A, "content-type": "application/json"})
        assert_problem(malformed, 422)
        assert_problem(await http.post("/v1/profiles", json={**PROFILE, "nip": "12345"}, headers=HR_A), 422, "nip")
        assert_problem(await http.post("/v1/profiles", json={**PROFILE, "nip": "198602302015051001"}, headers=HR_A),
                       422, "nip")
        body = assert_problem(await http.post("/v1/profiles", json={**PROFILE, "birth_date": "1986-09-27"},
                                              headers=HR_A), 422)
        assert "birth_date" in body["detail"]
        assert_problem(await http.post("/v1/profiles", json={**PROFILE, "golongan": "V/a"}, headers=HR_A),
                       422, "golongan")
        body = assert_problem(await http.post("/v1/profiles", json={**PROFILE, "golongan": "IX"}, headers=HR_A), 422)
        assert "golongan IX is not a PNS golongan" in body["detail"]  # a PPPK grade on a PNS
        pppk_nip = fresh_nip()
        pppk = await http.post("/v1/profiles", headers=HR_A, json={
            "nip": pppk_nip, "agency_id": "kab-a", "name": "Tenaga PPPK", "employment_status": "pppk", "golongan": "IX",
            "sex": "male" if pppk_nip[14] == "1" else "female", "birth_date": f"{pppk_nip[:4]}-{pppk_nip[4:6]}-{pppk_nip[6:8]}"})
        assert pppk.status_code == 201 and pppk.json()["employment_status"] == "pppk", pppk.text
        assert_problem(await http.post(f"/v1/profiles/{pppk_nip}/ranks", headers=HR_A,
                                       json={"golongan": "III/a", "tmt": "2024-01-01"}), 422, "golongan")

        created = await http.post("/v1/profiles", json=PROFILE, headers=HR_A)
        assert created.status_code == 201, created.text
        assert created.json()["created_at"].endswith("Z") or "+00:00" in created.json()["created_at"]
        assert_problem(await http.post("/v1/profiles", json=PROFILE, headers=HR_A), 409, "nip")

        # who may read it
        assert (await http.get(f"/v1/profiles/{NIP_A}", headers=HR_A)).status_code == 200
        assert (await http.get(f"/v1/profiles/{NIP_A}", headers=ASN_A)).status_code == 200
        assert (await http.get(f"/v1/profiles/{NIP_A}", headers=BKN)).status_code == 200
        for other in (HR_B, ASN_A2):
            response = await http.get(f"/v1/profiles/{NIP_A}", headers=other)
            assert_problem(response, 404)
            assert "Budi" not in response.text
        assert_problem(await http.get(f"/v1/profiles/{NIP_A}", headers=OPERATOR), 403)


async def test_a_retried_post_with_an_idempotency_key_returns_the_first_result(
    kafka: LocalKafka, tmp_path: Path, unique: str
) -> None:
    async with running(profile_app, _settings(ProfileSettings, kafka, tmp_path, unique)) as (http, _):
        await _agencies(http)
        key = {"Idempotency-Key": f"register-{unique}"}
        first = await http.post("/v1/profiles", json=PROFILE, headers={**HR_A, **key})
        assert first.status_code == 201, first.text
        again = await http.post("/v1/profiles", json=PROFILE, headers={**HR_A, **key})
        assert again.status_code == 201 and again.json() == first.json()  # not 409: the first result
        assert again.headers["Idempotent-Replayed"] == "true"
        # the same key for another request is an error naming the header
        other = await http.post("/v1/profiles", json={**PROFILE, "name": "Someone Else"}, headers={**HR_A, **key})
        assert_problem(other, 422, "Idempotency-Key")
        # without a key, a second registration is a conflict, as before
        assert_problem(await http.post("/v1/profiles", json=PROFILE, headers=HR_A), 409, "nip")
        # keys belong to their caller: another HR admin's identical key is a request of its own
        hr_a2 = bearer(subject="hr-a2", roles=["hr_admin"], agency_id="kab-a")
        assert_problem(await http.post("/v1/profiles", json=PROFILE, headers={**hr_a2, **key}), 409, "nip")


async def test_agencies_units_and_the_profile_list(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    async with running(profile_app, _settings(ProfileSettings, kafka, tmp_path, unique)) as (http, _):
        agency = {"id": "kab-a", "name": "Kabupaten A", "kind": "regency", "time_zone": "WITA"}
        assert_problem(await http.post("/v1/agencies", json=agency, headers=HR_A), 403)
        assert_problem(await http.post("/v1/agencies", json={**agency, "time_zone": "UTC"}, headers=BKN),
                       422, "time_zone")
        await _agencies(http)
        assert_problem(await http.post("/v1/agencies", json=agency, headers=BKN), 409, "id")
        assert [a["id"] for a in (await http.get("/v1/agencies", headers=HR_A)).json()] == ["kab-a"]
        assert [a["id"] for a in (await http.get("/v1/agencies", headers=BKN)).json()] == ["kab-a", "kab-b"]

        unit = {"id": "bkpsdm-a", "name": "BKPSDM"}
        assert (await http.post("/v1/agencies/kab-a/units", json=unit, headers=HR_A)).status_code == 201
        assert_problem(await http.post("/v1/agencies/kab-a/units", json={"id": "unit-x", "name": "X"}, headers=HR_B), 404)
        assert_problem(await http.get("/v1/agencies/kab-a/units", headers=HR_B), 404)
        assert (await http.post("/v1/agencies/kab-b/units", json={"id": "bkpsdm-b", "name": "BKPSDM"},
                                headers=HR_B)).status_code == 201

        assert_problem(await http.post("/v1/profiles", json={**PROFILE, "agency_id": "kab-zz"},
                                       headers=bearer(subject="hr-z", roles=["hr_admin"], agency_id="kab-zz")),
                       422, "agency_id")
        assert_problem(await http.post("/v1/profiles", json={**PROFILE, "unit_id": "bkpsdm-b"}, headers=HR_A),
                       422, "unit_id")
        nips = ["198609262015051001", "199001012015052003", "198001012005011002"]
        for i, nip in enumerate(nips):
            body = {**PROFILE, "nip": nip, "birth_date": f"{nip[0:4]}-{nip[4:6]}-{nip[6:8]}",
                    "sex": "male" if nip[14] == "1" else "female", "golongan": "III/a" if i < 2 else "IV/a",
                    "unit_id": "bkpsdm-a"}
            assert (await http.post("/v1/profiles", json=body, headers=HR_A)).status_code == 201
        nip_b = {**PROFILE, "nip": "197501012000031001", "birth_date": "1975-01-01", "agency_id": "kab-b"}
        assert (await http.post("/v1/profiles", json=nip_b, headers=HR_B)).status_code == 201

        first = (await http.get("/v1/profiles", headers=HR_A, params={"limit": 2})).json()
        assert [p["nip"] for p in first["items"]] == sorted(nips)[:2]
        rest = (await http.get("/v1/profiles", headers=HR_A, params={"limit": 2, "cursor": first["next_cursor"]})).json()
        assert [p["nip"] for p in rest["items"]] == sorted(nips)[2:] and rest["next_cursor"] is None
        filtered = (await http.get("/v1/profiles", headers=HR_A, params={"golongan": "IV/a"})).json()["items"]
        assert [p["nip"] for p in filtered] == ["198001012005011002"]
        assert_problem(await http.get("/v1/profiles", headers=HR_A, params={"agency_id": "kab-b"}), 403, "agency_id")
        assert_problem(await http.get("/v1/profiles", headers=ASN_A), 403)
        everyone = (await http.get("/v1/profiles", headers=BKN)).json()["items"]
        assert len(everyone) == 4
        only_b = (await http.get("/v1/profiles", headers=BKN, params={"agency_id": "kab-b"})).json()["items"]
        assert [p["nip"] for p in only_b] == ["197501012000031001"]


async def test_position_and_rank_history_and_self_service_updates(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    async with running(profile_app, _settings(ProfileSettings, kafka, tmp_path, unique)) as (http, runtime):
        await _agencies(http)
        assert (await http.post("/v1/agencies/kab-a/units", json={"id": "bkd-a", "name": "BKD"}, headers=HR_A)).status_code == 201
        body = {**PROFILE, "position_type": "administrator", "golongan": "III/d"}
        assert (await http.post("/v1/profiles", json=body, headers=HR_A)).status_code == 201

        def position(kind: str, start: str) -> dict[str, str]:
            return {"position_type": kind, "title": f"{kind} post", "unit_id": "bkd-a", "start_date": start}

        for kind, start in (("pengawas", "2016-01-01"), ("administrator", "2022-07-01"), ("jpt_pratama", "2999-01-01")):
            added = await http.post(f"/v1/profiles/{NIP_A}/positions", json=position(kind, start), headers=HR_A)
            assert added.status_code == 201, added.text
        profile = (await http.get(f"/v1/profiles/{NIP_A}", headers=HR_A)).json()
        assert profile["position_type"] == "administrator" and profile["unit_id"] == "bkd-a"  # 2999 waits its turn
        history = (await http.get(f"/v1/profiles/{NIP_A}/positions", headers=ASN_A)).json()
        assert [p["start_date"] for p in history] == ["2999-01-01", "2022-07-01", "2016-01-01"]

        for golongan, tmt in (("III/c", "2021-04-01"), ("III/d", "2025-04-01"), ("III/b", "2017-04-01")):
            assert (await http.post(f"/v1/profiles/{NIP_A}/ranks", json={"golongan": golongan, "tmt": tmt},
                                    headers=HR_A)).status_code == 201
        assert (await http.get(f"/v1/profiles/{NIP_A}", headers=HR_A)).json()["golongan"] == "III/d"  # late entry, older TMT
        assert len((await http.get(f"/v1/profiles/{NIP_A}/ranks", headers=HR_A)).json()) == 3
        assert_problem(await http.post(f"/v1/profiles/{NIP_A}/ranks", json={"golongan": "V/a", "tmt": "2020-01-01"},
                                       headers=HR_A), 422, "golongan")
        assert_problem(await http.post(f"/v1/profiles/{NIP_A}/positions", json=position("pengawas", "2020-01-01"),
                                       headers=HR_B), 404)
        assert_problem(await http.post(f"/v1/profiles/{NIP_A}/positions", json=position("pengawas", "2020-01-01"),
                                       headers=ASN_A), 403)
        assert_problem(await http.get(f"/v1/profiles/{NIP_A}/positions", headers=HR_B), 404)

        mine = await http.patch(f"/v1/profiles/{NIP_A}", json={"email": "budi@kab-a.go.id"}, headers=ASN_A)
        assert mine.status_code == 200 and mine.json()["email"] == "budi@kab-a.go.id"
        assert_problem(await http.patch(f"/v1/profiles/{NIP_A}", json={"name": "Budi S."}, headers=ASN_A), 403, "name")
        assert_problem(await http.patch(f"/v1/profiles/{NIP_A}", json={"email": "x@y.id"}, headers=ASN_A2), 404)
        assert_problem(await http.patch(f"/v1/profiles/{NIP_A}", json={"email": "not-an-email"}, headers=ASN_A), 422, "email")
        assert (await http.patch(f"/v1/profiles/{NIP_A}", json={"name": "Budi S."}, headers=HR_A)).json()["name"] == "Budi S."

        # every change published a full snapshot through the outbox
        async with runtime.sessions() as session:
            rows = (await session.execute(select(runtime.outbox.table.c.event_type, runtime.outbox.table.c.payload)
                                          .order_by(runtime.outbox.table.c.id))).all()
        snapshots = [(t, payload) for t, payload in rows if t.startswith("profile.")]
        assert [t for t, _ in snapshots] == ["profile.registered"] + ["profile.updated"] * 8
        last = json.loads(snapshots[-1][1])["data"]
        assert (last["name"], last["email"], last["golongan"], last["position_type"]) == (
            "Budi S.", "budi@kab-a.go.id", "III/d", "administrator")


async def test_data_quality_index_is_recomputed_on_every_change(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    async with running(profile_app, _settings(ProfileSettings, kafka, tmp_path, unique)) as (http, runtime):
        await _agencies(http)
        assert (await http.post("/v1/agencies/kab-a/units", json={"id": "bkd-a", "name": "BKD"}, headers=HR_A)).status_code == 201
        assert (await http.post("/v1/profiles", json=PROFILE, headers=HR_A)).status_code == 201
        other = {**PROFILE, "nip": NIP_A2, "birth_date": "1990-01-01", "sex": "female", "email": "a2@kab-a.go.id",
                 "unit_id": "bkd-a"}
        assert (await http.post("/v1/profiles", json=other, headers=HR_A)).status_code == 201

        quality = (await http.get(f"/v1/profiles/{NIP_A}/data-quality", headers=ASN_A)).json()
        assert {c["check"] for c in quality["failed_checks"]} == {
            "email", "unit", "position_history", "rank_history", "education", "training"}
        assert quality["score"] == 75.0  # completeness 0/6; timeliness, accuracy, consistency all pass
        assert all(c["message"] for c in quality["failed_checks"])

        below_80 = (await http.get("/v1/profiles", headers=HR_A, params={"data_quality_below": 80})).json()["items"]
        assert [p["nip"] for p in below_80] == [NIP_A]  # 75; the colleague has email and unit: 83.33
        below_90 = (await http.get("/v1/profiles", headers=HR_A, params={"data_quality_below": 90})).json()["items"]
        assert [p["nip"] for p in below_90] == sorted([NIP_A, NIP_A2])

        await http.patch(f"/v1/profiles/{NIP_A}", json={"email": "budi@kab-a.go.id"}, headers=ASN_A)
        await http.post(f"/v1/profiles/{NIP_A}/positions", headers=HR_A, json={
            "position_type": "pengawas", "title": "Kepala Seksi", "unit_id": "bkd-a", "start_date": "2016-01-01"})
        await http.post(f"/v1/profiles/{NIP_A}/ranks", json={"golongan": "III/b", "tmt": "2016-01-01"}, headers=HR_A)
        for entry in ({"kind": "education", "level": "S1", "major": "Hukum", "institution": "UI", "year": 2008},
                      {"kind": "training", "name": "Latsar CPNS", "hours": 40, "completed_on": "2015-10-01"}):
            assert (await http.post(f"/v1/profiles/{NIP_A}/portfolio", json=entry, headers=ASN_A)).status_code == 201
        quality = (await http.get(f"/v1/profiles/{NIP_A}/data-quality", headers=HR_A)).json()
        assert quality == {"nip": NIP_A, "score": 100.0, "failed_checks": []}
        assert (await http.get(f"/v1/profiles/{NIP_A}", headers=HR_A)).json()["data_quality"] == 100.0

        agency = (await http.get("/v1/agencies/kab-a/data-quality", headers=HR_A)).json()
        assert agency["asn_count"] == 2 and agency["units"] == [{"unit_id": "bkd-a", "asn_count": 2, "average": agency["average"]}]
        second = (await http.get(f"/v1/profiles/{NIP_A2}/data-quality", headers=HR_A)).json()["score"]
        assert agency["average"] == round((100.0 + second) / 2, 2)
        assert_problem(await http.get("/v1/agencies/kab-a/data-quality", headers=HR_B), 404)
        assert_problem(await http.get("/v1/agencies/kab-a/data-quality", headers=ASN_A), 403)

        async with runtime.sessions() as session:
            payloads = (await session.scalars(select(runtime.outbox.table.c.payload).where(
                runtime.outbox.table.c.event_type == "data_quality.changed", runtime.outbox.table.c.key == NIP_A)
                .order_by(runtime.outbox.table.c.id))).all()
        scores = [json.loads(p)["data"]["score"] for p in payloads]
        assert scores[0] == 75.0 and scores[-1] == 100.0 and len(scores) == len(set(scores))  # only when it moved


async def test_portfolio_self_service_and_hr_only_penalties(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    async with running(profile_app, _settings(ProfileSettings, kafka, tmp_path, unique)) as (http, runtime):
        await _agencies(http)
        assert (await http.post("/v1/profiles", json=PROFILE, headers=HR_A)).status_code == 201
        before = (await http.get(f"/v1/profiles/{NIP_A}/data-quality", headers=ASN_A)).json()["score"]
        entries = [
            {"kind": "education", "level": "S1", "major": "Ilmu Pemerintahan", "institution": "UGM", "year": 2008},
            {"kind": "training", "name": "Pelatihan Kepemimpinan Pengawas", "hours": 12, "completed_on": "2025-03-10"},
            {"kind": "training", "name": "Literasi Digital", "hours": 10, "completed_on": "2025-09-01"},
            {"kind": "training", "name": "Manajemen ASN", "hours": 8, "completed_on": "2026-02-01"},
            {"kind": "aspiration", "target_position_type": "administrator", "statement": "Memimpin bidang SDM"},
        ]
        for entry in entries:  # the ASN keeps their own portfolio
            added = await http.post(f"/v1/profiles/{NIP_A}/portfolio", json=entry, headers=ASN_A)
            assert added.status_code == 201, added.text
        penalty = {"kind": "penalty", "level": "sedang", "starts_on": "2025-01-01", "decree": "800/123/2025"}
        assert_problem(await http.post(f"/v1/profiles/{NIP_A}/portfolio", json=penalty, headers=ASN_A), 403, "kind")
        assert (await http.post(f"/v1/profiles/{NIP_A}/portfolio", json=penalty, headers=HR_A)).status_code == 201
        assert_problem(await http.post(f"/v1/profiles/{NIP_A}/portfolio", json=entries[0], headers=ASN_A2), 404)
        assert_problem(await http.post(f"/v1/profiles/{NIP_A}/portfolio", json=entries[0], headers=HR_B), 404)
        assert_problem(await http.post(f"/v1/profiles/{NIP_A}/portfolio", json={**entries[1], "hours": 0},
                                       headers=ASN_A), 422, "training.hours")
        assert_problem(await http.post(f"/v1/profiles/{NIP_A}/portfolio", json={"kind": "hobby"}, headers=ASN_A), 422)
        assert_problem(await http.post(f"/v1/profiles/{NIP_A}/portfolio",
                                       json={**penalty, "ends_on": "2024-01-01"}, headers=HR_A), 422)

        portfolio = (await http.get(f"/v1/profiles/{NIP_A}/portfolio", headers=HR_A)).json()
        assert portfolio["training_hours_by_year"] == {"2025": 22, "2026": 8}
        assert [i["kind"] for i in portfolio["items"]] == ["education", "training", "training", "training",
                                                           "aspiration", "penalty"]
        only = (await http.get(f"/v1/profiles/{NIP_A}/portfolio", headers=BKN, params={"kind": "penalty"})).json()
        assert [i["data"]["level"] for i in only["items"]] == ["sedang"] and only["training_hours_by_year"]["2025"] == 22
        assert_problem(await http.get(f"/v1/profiles/{NIP_A}/portfolio", headers=HR_B), 404)
        after = (await http.get(f"/v1/profiles/{NIP_A}/data-quality", headers=ASN_A)).json()["score"]
        assert after > before  # education and training are now complete

        async with runtime.sessions() as session:
            payloads = (await session.scalars(select(runtime.outbox.table.c.payload).where(
                runtime.outbox.table.c.event_type == "portfolio.changed").order_by(runtime.outbox.table.c.id))).all()
        events = [json.loads(p)["data"] for p in payloads]
        assert [e["kind"] for e in events] == ["education", "training", "training", "training", "aspiration", "penalty"]
        assert events[-1]["item"]["level"] == "sedang" and events[-1]["training_hours_by_year"] == {"2025": 22, "2026": 8}


async def test_assessment_api(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    async with running(assessment_app, _settings(AssessmentSettings, kafka, tmp_path, unique)) as (http, runtime):
        # a NIP of this test's own: its events reach the shared broker, where other services' tests look at NIP_A
        nip = fresh_nip()
        async with runtime.sessions() as session, session.begin():
            session.add(KnownAsn(nip=nip, agency_id="kab-a", name="Budi Santoso"))
        assessment = {"nip": nip, "assessed_on": "2026-06-01", "method": "cact", "assessor": "BKN CACT",
                      "competencies": [{"competency": "Integritas", "required": 3, "achieved": 2}]}

        assert_problem(await http.post("/v1/assessments", json=assessment), 401)
        assert_problem(await http.post("/v1/assessments", json={**assessment, "nip": NIP_NEVER_REGISTERED}, headers=HR_A), 422, "nip")
        assert_problem(await http.post("/v1/assessments", json=assessment, headers=HR_B), 422, "nip")
        bad_level = {**assessment, "competencies": [{"competency": "Integritas", "required": 3, "achieved": 6}]}
        assert_problem(await http.post("/v1/assessments", json=bad_level, headers=HR_A), 422, "competencies.0.achieved")
        assert_problem(await http.post("/v1/assessments", json={**assessment, "assessed_on": "2999-01-01"},
                                       headers=HR_A), 422, "assessed_on")
        assert_problem(await http.post("/v1/performance-ratings", json={"nip": nip, "year": 2025}, headers=HR_A), 422)

        first = await http.post("/v1/assessments", json=assessment, headers=HR_A)
        assert first.status_code == 201, first.text
        assert first.json()["jpm"] == pytest.approx(66.67) and first.json()["potential_level"] == "rendah"
        again = await http.post("/v1/assessments", json=assessment, headers=HR_A)
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]  # no duplicate


async def test_succession_api_scopes_to_the_agency(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    async with running(succession_app, _settings(SuccessionSettings, kafka, tmp_path, unique)) as (http, runtime):
        async with runtime.sessions() as session, session.begin():
            session.add(TalentAxes(nip=NIP_A, agency_id="kab-a"))
        assert (await http.get(f"/v1/talents/{NIP_A}", headers=HR_A)).status_code == 200
        assert (await http.get(f"/v1/talents/{NIP_A}", headers=ASN_A)).status_code == 200
        assert_problem(await http.get(f"/v1/talents/{NIP_A}", headers=HR_B), 404)
        assert_problem(await http.get(f"/v1/talents/{NIP_A}", headers=ASN_A2), 404)
        assert_problem(await http.get(f"/v1/talents/{NIP_A}"), 401)


async def test_talent_pools_and_reports_from_placements_and_penalties(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    from services.succession import service as succession
    from shared.events import Envelope
    from shared.events.schemas import (
        AssessmentCompleted,
        CompetencyGap,
        PerformanceRated,
        PortfolioChanged,
        ProfileRegistered,
    )

    async with running(succession_app, _settings(SuccessionSettings, kafka, tmp_path, unique)) as (http, runtime):
        async def deliver(data: Any, nip: str) -> None:  # what the handlers do with each event
            envelope = Envelope.wrap(data, source="test", subject=nip)
            async with runtime.sessions() as session, session.begin():
                if isinstance(data, ProfileRegistered):
                    await succession.remember_profiles(session, [data])
                elif isinstance(data, PortfolioChanged):
                    await succession.remember_portfolio(session, envelope)
                else:
                    await succession.apply_axes_events(session, runtime.outbox, [envelope])

        # NIPs of this test's own: the in-process service also consumes the session's other events
        star, penalised, middle, elsewhere = (fresh_nip() for _ in range(4))
        agency_a, agency_b = f"kab-a-{unique}", f"kab-b-{unique}"
        people = {  # nip: (agency, performance level, potential level) -> boxes 9, 8, 5, 9
            star: (agency_a, "di_atas_ekspektasi", "tinggi"),
            penalised: (agency_a, "sesuai_ekspektasi", "tinggi"),
            middle: (agency_a, "sesuai_ekspektasi", "menengah"),
            elsewhere: (agency_b, "di_atas_ekspektasi", "tinggi"),
        }
        for nip, (agency, performance, potential) in people.items():
            await deliver(ProfileRegistered(nip=nip, agency_id=agency, name=f"ASN {nip[-3:]}", sex="male",
                                            birth_date=date(1986, 9, 26), unit_id="bkd" if nip == star else None), nip)
            await deliver(PerformanceRated(nip=nip, agency_id=agency, year=2025, rating="baik",
                                           performance_level=performance, years_considered=[2025],
                                           policy_version="default-1"), nip)
            await deliver(AssessmentCompleted(nip=nip, agency_id=agency, assessment_id=f"a-{nip}",
                                              assessed_on=date(2026, 6, 1), method="cact", jpm=91.0,
                                              potential_level=potential, valid_until=date(2029, 6, 1),
                                              gaps=[CompetencyGap(competency="Integritas", required=3, achieved=4, gap=0),
                                                    CompetencyGap(competency="Pengambilan Keputusan", required=4,
                                                                  achieved=3 if nip == middle else 4, gap=0)],
                                              policy_version="default-1"), nip)
        await deliver(PortfolioChanged(nip=penalised, agency_id=agency_a, item_id=random.randint(1, 10**9),
                                       kind="penalty", item={"kind": "penalty", "level": "sedang",
                                                             "starts_on": "2026-01-01", "ends_on": None,
                                                             "decree": "800/1"}, training_hours_by_year={}),
                      penalised)

        hr_a = bearer(subject="hr-a", roles=["hr_admin"], agency_id=agency_a)
        pool = (await http.get(f"/v1/pools/agencies/{agency_a}", headers=hr_a)).json()
        assert [(m["nip"], m["box"]) for m in pool["members"]] == [(star, 9)]
        assert [(m["nip"], m["box"]) for m in pool["screened_out"]] == [(penalised, 8)]
        assert "sedang" in pool["screened_out"][0]["reason"]
        national = (await http.get("/v1/pools/national", headers=BKN)).json()
        assert {star, elsewhere} <= {m["nip"] for m in national["members"]}
        assert penalised not in {m["nip"] for m in national["members"]} and middle not in str(national)
        assert_problem(await http.get(f"/v1/pools/agencies/{agency_a}", headers=HR_B), 404)
        assert_problem(await http.get("/v1/pools/national", headers=hr_a), 403)
        assert_problem(await http.get(f"/v1/pools/agencies/{agency_a}", headers=ASN_A), 403)

        # reports: where the agency's ASN stand today, and how they moved since before they were placed
        today = date.today().isoformat()
        boxes = (await http.get(f"/v1/reports/agencies/{agency_a}/boxes", headers=hr_a)).json()
        assert boxes["total"] == 3 and {k: v for k, v in boxes["by_box"].items() if v} == {"9": 1, "8": 1, "5": 1}
        assert {unit: {k: v for k, v in counts.items() if v} for unit, counts in boxes["by_unit"].items()} == {
            "bkd": {"9": 1}, "none": {"8": 1, "5": 1}}
        before = (await http.get(f"/v1/reports/agencies/{agency_a}/boxes", headers=hr_a,
                                 params={"as_of": "2020-01-01"})).json()
        assert before["total"] == 0
        moved = (await http.get(f"/v1/reports/agencies/{agency_a}/movement", headers=hr_a,
                                params={"start": "2020-01-01", "end": today})).json()
        assert (moved["naik_kelas"], moved["turun"], moved["tetap"], moved["newly_mapped"]) == (0, 0, 0, 3)
        assert {(t["from_box"], t["to_box"], t["count"]) for t in moved["transitions"]} == {
            (None, 9, 1), (None, 8, 1), (None, 5, 1)}
        assert_problem(await http.get(f"/v1/reports/agencies/{agency_a}/movement", headers=hr_a,
                                      params={"start": today, "end": "2020-01-01"}), 422, "end")
        assert_problem(await http.get(f"/v1/reports/agencies/{agency_a}/boxes", headers=HR_B), 404)

        # a key position and its succession plan
        position = {"id": f"kadis-{unique}", "agency_id": agency_a, "title": "Kepala Dinas", "position_type": "jpt_pratama",
                    "standard": {"Integritas": 4, "Pengambilan Keputusan": 4}, "target_ready_successors": 2}
        assert_problem(await http.post("/v1/key-positions", json={**position, "standard": {"Integritas": 6}},
                                       headers=hr_a), 422, "standard.Integritas")
        assert_problem(await http.post("/v1/key-positions", json=position, headers=HR_B), 403, "agency_id")
        assert (await http.post("/v1/key-positions", json=position, headers=hr_a)).status_code == 201
        plan = (await http.get(f"/v1/key-positions/{position['id']}/plan", headers=hr_a)).json()
        assert [(c["nip"], c["readiness"]) for c in plan["candidates"]] == [
            (star, "siap_sekarang"), (penalised, "bukan_kandidat")]
        assert plan["ready_now"] == 1 and plan["target_ready_successors"] == 2
        assert "job fit 100% to the position's standard" in plan["candidates"][0]["reasons"]
        assert any(r.startswith("screened out: hukuman disiplin sedang") for r in plan["candidates"][1]["reasons"])
        assert_problem(await http.get(f"/v1/key-positions/{position['id']}/plan", headers=HR_B), 404)
        assert [p["id"] for p in (await http.get("/v1/key-positions", headers=hr_a)).json()] == [position["id"]]


async def test_inbox_belongs_to_its_asn(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    async with running(notification_app, _settings(NotificationSettings, kafka, tmp_path, unique)) as (http, runtime):
        async with runtime.sessions() as session, session.begin():
            for i in range(3):
                session.add(InboxMessage(nip=NIP_A, agency_id="kab-a", channel="in_app", source_event_id=f"e{i}",
                                         event_type="talent.reclassified", title_id=f"Judul {i}", body_id="Isi",
                                         title_en=f"Title {i}", body_en="Body", template_version="t/1"))
        page = (await http.get("/v1/inbox", headers=ASN_A, params={"limit": 2})).json()
        assert [m["title"] for m in page["items"]] == ["Judul 2", "Judul 1"]
        rest = (await http.get("/v1/inbox", headers=ASN_A, params={"limit": 2, "cursor": page["next_cursor"]})).json()
        assert [m["title"] for m in rest["items"]] == ["Judul 0"] and rest["next_cursor"] is None
        assert (await http.get("/v1/inbox/unread-count", headers=ASN_A)).json() == {"unread": 3}

        message_id = page["items"][0]["id"]
        assert (await http.get("/v1/inbox", headers=ASN_A2)).json()["items"] == []
        assert_problem(await http.post(f"/v1/inbox/{message_id}/read", headers=ASN_A2), 404)
        assert_problem(await http.get("/v1/inbox", headers=HR_A), 403)
        assert_problem(await http.get("/v1/inbox", headers=ASN_A, params={"cursor": "!!"}), 422, "cursor")
        read = await http.post(f"/v1/inbox/{message_id}/read", headers=ASN_A)
        assert read.status_code == 200 and read.json()["read_at"] is not None
        assert (await http.get("/v1/inbox/unread-count", headers=ASN_A)).json() == {"unread": 2}


async def test_health_ready_and_asyncapi(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    async with running(succession_app, _settings(SuccessionSettings, kafka, tmp_path, unique)) as (http, _):
        assert (await http.get("/health")).json()["status"] == "ok"
        ready = await http.get("/ready")
        assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "outbox": "ok", "broker": "ok"}
        spec = (await http.get("/asyncapi.json")).json()
        channels = " ".join(spec["channels"])
        assert "talenta.assessment.events" in channels and "talenta.talent.events" in channels
        assert "/v1/talents/{nip}" in (await http.get("/openapi.json")).json()["paths"]


async def test_no_profile_endpoint_lets_another_agency_or_another_asn_read_or_change_a_profile(
    kafka: LocalKafka, tmp_path: Path, unique: str
) -> None:
    """Every route of the profile service, called about agency A's ASN by people who may not see them."""
    routes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/v1/profiles/{NIP_A}", None),
        ("PATCH", f"/v1/profiles/{NIP_A}", {"email": "hijack@example.go.id"}),
        ("GET", f"/v1/profiles/{NIP_A}/positions", None),
        ("POST", f"/v1/profiles/{NIP_A}/positions",
         {"position_type": "pengawas", "title": "Kepala Seksi", "start_date": "2024-01-01"}),
        ("GET", f"/v1/profiles/{NIP_A}/ranks", None),
        ("POST", f"/v1/profiles/{NIP_A}/ranks", {"golongan": "III/b", "tmt": "2024-01-01"}),
        ("GET", f"/v1/profiles/{NIP_A}/portfolio", None),
        ("POST", f"/v1/profiles/{NIP_A}/portfolio", {"kind": "award", "name": "Satyalancana", "year": 2020}),
        ("GET", f"/v1/profiles/{NIP_A}/data-quality", None),
        ("GET", "/v1/profiles?agency_id=kab-a", None),
    ]
    agency_routes: list[tuple[str, str, dict[str, Any] | None]] = [  # about the agency, not about one person
        ("GET", "/v1/agencies/kab-a/data-quality", None),
        ("GET", "/v1/agencies/kab-a/units", None),
        ("POST", "/v1/agencies/kab-a/units", {"id": f"unit-{unique}", "name": "Intruder"}),
    ]
    outsiders = {"HR of agency B": HR_B, "another ASN of agency A": ASN_A2,
                 "committee of agency B": bearer(subject="tk-b", roles=["talent_committee"], agency_id="kab-b")}
    async with running(profile_app, _settings(ProfileSettings, kafka, tmp_path, unique)) as (http, _):
        await _agencies(http)
        assert (await http.post("/v1/profiles", json=PROFILE, headers=HR_A)).status_code == 201
        readable = [path for method, path, _ in routes + agency_routes if method == "GET"]
        before = {path: (await http.get(path, headers=HR_A)).json() for path in readable}
        for who, headers in outsiders.items():
            for method, path, body in routes + (agency_routes if "agency B" in who else []):
                response = await http.request(method, path, json=body, headers=headers)
                assert response.status_code in (403, 404), f"{who}: {method} {path} → {response.status_code}"
                assert "Budi" not in response.text and NIP_A not in response.json().get("detail", "").replace(
                    f"NIP {NIP_A}", ""), f"{who}: {method} {path} leaks"
        after = {path: (await http.get(path, headers=HR_A)).json() for path in readable}
        assert after == before  # nothing was changed by anyone of them
