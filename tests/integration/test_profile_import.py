"""Bulk import of profiles and portfolio rows, on PostgreSQL and the real broker: per-row status, the
valid rows committed beside the rejected ones, the same file twice creating nothing new, events out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from deploy.local.kafka import LocalKafka
from services.profile.app import create_app as profile_app
from services.profile.settings import ProfileSettings
from shared.events.topics import PROFILE_EVENTS
from tests.integration.kafka_helpers import eventually, read_topic
from tests.integration.test_http_api import assert_problem, bearer, fresh_nip, running

pytestmark = pytest.mark.infra

BKN = bearer(subject="bkn-1", roles=["bkn"])


def _nip_of(birth: str, sex: str, seq: int) -> str:
    return f"{birth.replace('-', '')}201001{'1' if sex == 'male' else '2'}{seq:03d}"


async def _agency(http: httpx.AsyncClient, agency: str) -> None:
    created = await http.post("/v1/agencies", headers=BKN,
                              json={"id": agency, "name": agency.upper(), "kind": "regency", "time_zone": "WIB"})
    assert created.status_code == 201, created.text
    hr = bearer(subject=f"hr-{agency}", roles=["hr_admin"], agency_id=agency)
    unit = await http.post(f"/v1/agencies/{agency}/units", headers=hr, json={"id": f"{agency}-bkpsdm", "name": "BKPSDM"})
    assert unit.status_code == 201, unit.text


async def _finished(http: httpx.AsyncClient, job_url: str, headers: dict[str, str]) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        job = (await http.get(job_url, headers=headers)).json()
        return job if job["state"] in ("done", "failed") else None
    return await eventually(done, timeout=60, what="the import job to finish")


async def _upload(http: httpx.AsyncClient, kind: str, body: bytes, headers: dict[str, str],
                  content_type: str) -> dict[str, Any]:
    response = await http.post(f"/v1/imports/{kind}", content=body, headers={**headers, "content-type": content_type})
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"/v1/imports/{response.json()['id']}"
    return await _finished(http, response.headers["Location"], headers)


def _profile(nip: str, agency: str) -> dict[str, str]:
    """A valid profile body for the NIP: birth date and sex as the NIP says."""
    return {"nip": nip, "agency_id": agency, "name": "Rina", "sex": "male" if nip[14] == "1" else "female",
            "birth_date": f"{nip[:4]}-{nip[4:6]}-{nip[6:8]}"}


def _settings(kafka: LocalKafka, pg_database: str, tmp_path: Path, unique: str) -> ProfileSettings:
    return ProfileSettings(database_url=pg_database, kafka_bootstrap_servers=kafka.bootstrap_servers,
                           kafka_group_prefix=f"import-{unique}", data_dir=tmp_path, import_chunk_rows=3)


async def test_a_profile_import_commits_the_good_rows_reports_the_bad_and_is_idempotent(
    kafka: LocalKafka, pg_database: str, tmp_path: Path, unique: str
) -> None:
    agency, other = f"kab-{unique}", f"kot-{unique}"
    hr = bearer(subject=f"hr-{agency}", roles=["hr_admin"], agency_id=agency)
    good = [fresh_nip() for _ in range(3)]
    births = {nip: f"{nip[:4]}-{nip[4:6]}-{nip[6:8]}" for nip in good}
    sexes = {nip: "male" if nip[14] == "1" else "female" for nip in good}
    header = "nip,agency_id,unit_id,name,sex,birth_date,email,position_type,position_title,position_code,position_start,golongan,golongan_tmt"
    lines = [
        f"{good[0]},{agency},{agency}-bkpsdm,Budi Santoso,{sexes[good[0]]},{births[good[0]]},budi@example.go.id,"
        f"administrator,Kepala Bidang Mutasi,{agency}.kabid-mutasi,2020-01-02,III/d,2019-04-01",
        f"{good[1]},{agency},,\"Siti, S.Kom\",{sexes[good[1]]},{births[good[1]]},,,,,,,",
        "12345,{a},,Bad Nip,male,1986-09-26,,,,,,,".format(a=agency),                        # 3: NIP too short
        f"{good[2]},{agency},,Wrong Birth,{sexes[good[2]]},1970-01-01,,,,,,,",               # 4: disagrees with the NIP
        f"{good[2]},{agency},,Rank,{sexes[good[2]]},{births[good[2]]},,,,,,V/a,",            # 5: unknown golongan
        f"{good[2]},{other},,Other Agency,{sexes[good[2]]},{births[good[2]]},,,,,,,",        # 6: not the HR's agency
        f"{good[0]},{agency},{agency}-bkpsdm,Budi Lain,{sexes[good[0]]},{births[good[0]]},,,,,,,",  # 7: dup, other data
        f"{good[2]},{agency},no-such-unit,Unit,{sexes[good[2]]},{births[good[2]]},,,,,,,",   # 8: unknown unit
        "only,three,fields",                                                                 # 9: broken row
        f"{good[2]},{agency},,Dewi Lestari,{sexes[good[2]]},{births[good[2]]},dewi@example.go.id,,,,,,",
    ]
    body = ("\n".join([header, *lines]) + "\n").encode()
    async with running(profile_app, _settings(kafka, pg_database, tmp_path, unique)) as (http, runtime):
        await _agency(http, agency)
        await _agency(http, other)
        assert_problem(await http.post("/v1/imports/profiles", content=body,
                                       headers={**bearer(subject=good[0], roles=["asn"], agency_id=agency, nip=good[0]),
                                                "content-type": "text/csv"}), 403)
        assert_problem(await http.post("/v1/imports/profiles", content=body, headers=hr), 422, "format")

        job = await _upload(http, "profiles", body, hr, "text/csv")
        assert job["state"] == "done", job
        assert (job["rows_done"], job["accepted"], job["unchanged"], job["rejected"]) == (10, 3, 0, 7)
        assert job["progress_percent"] == 100.0 and job["bytes_done"] == len(body)
        errors = (await http.get(job["errors_url"], headers=hr, params={"limit": 3})).json()
        rest = (await http.get(job["errors_url"], headers=hr, params={"cursor": errors["next_cursor"]})).json()
        by_row = {e["row_number"]: e for e in errors["items"] + rest["items"]}
        assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9]
        assert by_row[3]["field"] == "nip" and by_row[5]["field"] == "golongan"
        assert "birth_date" in by_row[4]["message"] and not by_row[4]["message"].startswith("Value error")
        assert by_row[6]["field"] == "agency_id" and by_row[8]["field"] == "unit_id"
        assert by_row[7]["field"] == "nip" and "already registered with other name" in by_row[7]["message"]
        assert "fields" in by_row[9]["message"]

        budi = (await http.get(f"/v1/profiles/{good[0]}", headers=hr)).json()
        assert (budi["position_title"], budi["position_code"], budi["golongan"]) == (
            "Kepala Bidang Mutasi", f"{agency}.kabid-mutasi", "III/d")
        assert [p["title"] for p in (await http.get(f"/v1/profiles/{good[0]}/positions", headers=hr)).json()] == [
            "Kepala Bidang Mutasi"]
        assert (await http.get(f"/v1/profiles/{good[1]}", headers=hr)).json()["name"] == "Siti, S.Kom"
        quality = (await http.get(f"/v1/profiles/{good[0]}/data-quality", headers=hr)).json()
        assert 0 < quality["score"] < 100

        # the same file again: nothing new (no rows, no events); the bad rows are reported again
        outbox = runtime.outbox.table
        async with runtime.sessions() as session:
            events_before = await session.scalar(select(func.count()).select_from(outbox))
        again = await _upload(http, "profiles", body, hr, "text/csv")
        assert (again["accepted"], again["unchanged"], again["rejected"]) == (0, 3, 7)
        async with runtime.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(outbox)) == events_before

        # another agency's HR admin cannot see the job
        hr_other = bearer(subject=f"hr-{other}", roles=["hr_admin"], agency_id=other)
        assert_problem(await http.get(f"/v1/imports/{job['id']}", headers=hr_other), 404)
        assert_problem(await http.get(job["errors_url"], headers=hr_other), 404)
        assert (await http.get(f"/v1/imports/{job['id']}", headers=BKN)).status_code == 200

        # the events went out through the outbox, to the real broker: a snapshot and an index per new ASN
        async def published() -> bool:
            async with runtime.sessions() as session:
                return await session.scalar(select(func.count()).select_from(outbox).where(
                    outbox.c.published_at.is_(None))) == 0
        await eventually(published, what="the import's events to be published")
        records = await read_topic(kafka.bootstrap_servers, PROFILE_EVENTS, at_least=6)
        mine = sorted((r.key.decode(), json.loads(r.value)["type"]) for r in records if r.key.decode() in good)
        assert mine == sorted((nip, t) for nip in good for t in ("profile.registered", "data_quality.changed"))
        snapshot = next(json.loads(r.value)["data"] for r in records if r.key.decode() == good[0]
                        and json.loads(r.value)["type"] == "profile.registered")
        assert [(p["position_type"], p["title"], p["end_date"]) for p in snapshot["positions"]] == [
            ("administrator", "Kepala Bidang Mutasi", None)]  # the history travels with the snapshot


async def test_a_portfolio_import_records_new_rows_once_and_recomputes_data_quality(
    kafka: LocalKafka, pg_database: str, tmp_path: Path, unique: str
) -> None:
    agency = f"kab-{unique}"
    hr = bearer(subject=f"hr-{agency}", roles=["hr_admin"], agency_id=agency)
    nip = fresh_nip()
    profile = _profile(nip, agency)
    rows = [
        {"nip": nip, "kind": "training", "name": "Pelatihan Dasar", "hours": 24, "completed_on": "2025-03-01"},
        {"nip": nip, "kind": "education", "level": "S1", "major": "Hukum", "institution": "UGM", "year": 2008},
        {"nip": nip, "kind": "training", "name": "Negative", "hours": -5, "completed_on": "2025-03-01"},
        {"nip": "199912312020121999", "kind": "award", "name": "Satyalancana", "year": 2020},
        {"nip": nip, "kind": "training", "name": "Pelatihan Dasar", "hours": 24, "completed_on": "2025-03-01"},
    ]
    body = ("\n".join(json.dumps(r) for r in rows) + "\n{oops\n").encode()
    async with running(profile_app, _settings(kafka, pg_database, tmp_path, unique)) as (http, _):
        await _agency(http, agency)
        assert (await http.post("/v1/profiles", json=profile, headers=hr)).status_code == 201
        before = (await http.get(f"/v1/profiles/{nip}/data-quality", headers=hr)).json()
        job = await _upload(http, "portfolio", body, hr, "application/x-ndjson")
        assert (job["accepted"], job["unchanged"], job["rejected"]) == (2, 1, 3), job
        errors = {e["row_number"]: e for e in (await http.get(job["errors_url"], headers=hr)).json()["items"]}
        assert errors[3]["field"] == "training.hours" and errors[4]["field"] == "nip" and 6 in errors
        portfolio = (await http.get(f"/v1/profiles/{nip}/portfolio", headers=hr)).json()
        assert portfolio["training_hours_by_year"] == {"2025": 24}
        after = (await http.get(f"/v1/profiles/{nip}/data-quality", headers=hr)).json()
        assert after["score"] > before["score"]
        assert not {"education", "training"} & {c["check"] for c in after["failed_checks"]}
        again = await _upload(http, "portfolio", body, hr, "application/x-ndjson")
        assert (again["accepted"], again["unchanged"], again["rejected"]) == (0, 3, 3)


async def test_a_profile_not_updated_for_12_months_loses_timeliness_without_any_edit(
    kafka: LocalKafka, pg_database: str, tmp_path: Path, unique: str
) -> None:
    agency = f"kab-{unique}"
    hr = bearer(subject=f"hr-{agency}", roles=["hr_admin"], agency_id=agency)
    nip = fresh_nip()
    profile = {**_profile(nip, agency), "email": "rina@example.go.id"}
    async with running(profile_app, _settings(kafka, pg_database, tmp_path, unique)) as (http, runtime):
        await _agency(http, agency)
        created = (await http.post("/v1/profiles", json=profile, headers=hr)).json()
        fresh = (await http.get(f"/v1/profiles/{nip}/data-quality", headers=hr)).json()
        assert "updated_within_12_months" not in {c["check"] for c in fresh["failed_checks"]}
        sweep = runtime.workers[0]
        outbox = runtime.outbox.table

        async def events_of(nip: str) -> list[str]:
            async with runtime.sessions() as session:
                return list((await session.scalars(select(outbox.c.event_type).where(outbox.c.key == nip)
                                                   .order_by(outbox.c.id))).all())

        before = await events_of(nip)
        a_year_on = datetime.now(UTC) + timedelta(days=400)
        assert await sweep.sweep(a_year_on) >= 1
        stale = (await http.get(f"/v1/profiles/{nip}/data-quality", headers=hr)).json()
        assert "updated_within_12_months" in {c["check"] for c in stale["failed_checks"]}
        assert stale["score"] < fresh["score"]
        assert await events_of(nip) == [*before, "data_quality.changed"]
        after = (await http.get(f"/v1/profiles/{nip}", headers=hr)).json()
        assert after["updated_at"] == created["updated_at"]  # rescoring is not an update of the profile
        assert await sweep.sweep(a_year_on) == 0  # already swept: nothing to look at again
