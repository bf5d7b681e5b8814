"""Bulk imports of an assessment centre's batch and of an agency's SKP ratings, on PostgreSQL and the real
broker: per-row status with reasons, good rows committed beside bad ones, the same file twice creating
nothing new, supersession inside one file, events out, agency isolation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from deploy.local.kafka import LocalKafka
from services.assessment.app import create_app
from services.assessment.settings import AssessmentSettings
from shared.events.topics import ASSESSMENT_EVENTS
from tests.integration.assessment_helpers import Agency, bearer, seed_asn
from tests.integration.kafka_helpers import eventually, read_topic
from tests.integration.test_http_api import NIP_NEVER_REGISTERED, assert_problem, running

pytestmark = pytest.mark.infra
BKN = bearer(subject="bkn-1", roles=["bkn"])


def _settings(kafka: LocalKafka, pg_database: str, tmp_path: Path, unique: str) -> AssessmentSettings:
    return AssessmentSettings(database_url=pg_database, kafka_bootstrap_servers=kafka.bootstrap_servers,
                              kafka_group_prefix=f"aimport-{unique}", data_dir=tmp_path, import_chunk_rows=3)


async def _upload(http: httpx.AsyncClient, kind: str, body: bytes, headers: dict[str, str],
                  content_type: str) -> dict[str, Any]:
    response = await http.post(f"/v1/imports/{kind}", content=body, headers={**headers, "content-type": content_type})
    assert response.status_code == 202, response.text

    async def done() -> dict[str, Any] | None:
        job = (await http.get(response.headers["Location"], headers=headers)).json()
        return job if job["state"] in ("done", "failed") else None
    return await eventually(done, timeout=60, what="the import job to finish")


async def _errors(http: httpx.AsyncClient, job: dict[str, Any], headers: dict[str, str]) -> dict[int, dict[str, Any]]:
    return {e["row_number"]: e for e in (await http.get(job["errors_url"], headers=headers)).json()["items"]}


async def test_an_assessment_centres_batch(kafka: LocalKafka, pg_database: str, tmp_path: Path, unique: str) -> None:
    a, b = Agency(unique, "a"), Agency(unique, "b")
    async with running(create_app, _settings(kafka, pg_database, tmp_path, unique)) as (http, runtime):
        assert (await http.put(f"/v1/agencies/{a.id}/standards/staf", headers=a.hr,
                               json={"requirements": {"Integritas": 4, "Kerjasama": 4, "Pengambilan Keputusan": 2}}
                               )).status_code == 201
        p1, p2, p3 = [await seed_asn(runtime, a.id, position_code="staf") for _ in range(3)]
        elsewhere = await seed_asn(runtime, b.id, position_code="staf")
        header = "nip,assessed_on,method,assessor,Integritas,kerjasama,PENGAMBILAN KEPUTUSAN,potential_score"
        lines = [
            f"{p1},2025-05-01,assessment_centre,UPT Penilaian,4,4,2,81.5",       # 1: 100 → tinggi
            f"{p2},2026-05-01,assessment_centre,UPT Penilaian,4,3,1,",           # 2: 8/10 = 80 → menengah
            f"{p1},2026-05-01,assessment_centre,UPT Penilaian,3,3,2,",           # 3: re-assessment of p1: 80
            f"{NIP_NEVER_REGISTERED},2026-05-01,cact,BKN,3,3,3,",                 # 4: unknown NIP
            f"{elsewhere},2026-05-01,cact,BKN,3,3,3,",                           # 5: another agency's ASN
            f"{p3},2026-05-01,cact,BKN,6,3,3,",                                  # 6: level 6
            f"{p3},2999-05-01,cact,BKN,3,3,3,",                                  # 7: in the future
            f"{p2},2026-05-01,assessment_centre,Another body,4,4,2,",             # 8: same NIP/date/method, other results
            f"{p2},2026-05-01,assessment_centre,UPT Penilaian,4,3,1,",           # 9: row 2 again: unchanged
            f"{p3},2026-05-01,cact,BKN,3,3,3,",                                  # 10: 3+3+2 = 8/10 → menengah
        ]
        body = ("\n".join([header, *lines]) + "\n").encode()
        assert_problem(await http.post("/v1/imports/assessments", content=body,
                                       headers={**a.asn(p1), "content-type": "text/csv"}), 403)
        job = await _upload(http, "assessments", body, a.hr, "text/csv")
        assert (job["state"], job["rows_done"], job["accepted"], job["unchanged"], job["rejected"]) == (
            "done", 10, 4, 1, 5), job
        errors = await _errors(http, job, a.hr)
        assert sorted(errors) == [4, 5, 6, 7, 8]
        assert errors[4]["field"] == "nip" and NIP_NEVER_REGISTERED in errors[4]["message"]
        assert errors[5]["field"] == "nip"
        assert errors[6]["field"] == "competencies.0.achieved" and errors[7]["field"] == "assessed_on"
        assert errors[8]["field"] == "assessed_on" and "correct it" in errors[8]["message"]

        history = (await http.get("/v1/assessments", headers=a.hr, params={"nip": p1})).json()["items"]
        assert [(h["assessed_on"], h["jpm"], h["potential_level"], h["current"]) for h in history] == [
            ("2025-05-01", 100.0, "tinggi", False), ("2026-05-01", 80.0, "menengah", True)]
        assert history[0]["superseded_by"] == history[1]["id"] and history[0]["potential_score"] == 81.5
        assert [g["gap"] for g in history[1]["gaps"]] == [1, 1, 0]

        # the same file again: nothing new, no events
        outbox = runtime.outbox.table
        async with runtime.sessions() as session:
            before = await session.scalar(select(func.count()).select_from(outbox))
        again = await _upload(http, "assessments", body, a.hr, "text/csv")
        assert (again["accepted"], again["unchanged"], again["rejected"]) == (0, 5, 5)
        async with runtime.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(outbox)) == before

        # NDJSON, with the competencies listed; isolation of the job
        ndjson = json.dumps({"nip": p3, "assessed_on": "2026-06-01", "method": "competency_test", "assessor": "LAN",
                             "competencies": "Integritas:4;Kerjasama:4;Pengambilan Keputusan:2"}) + "\n"
        listed = await _upload(http, "assessments", ndjson.encode(), a.hr, "application/x-ndjson")
        assert listed["accepted"] == 1, await _errors(http, listed, a.hr)
        assert_problem(await http.get(f"/v1/imports/{job['id']}", headers=b.hr), 404)
        assert_problem(await http.get(job["errors_url"], headers=b.hr), 404)

        async def published() -> bool:
            async with runtime.sessions() as session:
                return await session.scalar(select(func.count()).select_from(outbox).where(
                    outbox.c.published_at.is_(None))) == 0
        await eventually(published, what="the import's events to be published")
        records = await read_topic(kafka.bootstrap_servers, ASSESSMENT_EVENTS, at_least=5)
        mine = [json.loads(r.value)["data"] for r in records if r.key.decode() in (p1, p2, p3)]
        assert sorted((e["nip"], e["assessed_on"], e["supersedes"] is not None) for e in mine) == sorted([
            (p1, "2025-05-01", False), (p2, "2026-05-01", False), (p1, "2026-05-01", True),
            (p3, "2026-05-01", False), (p3, "2026-06-01", True)])


async def test_an_agencys_skp_ratings_for_a_year(kafka: LocalKafka, pg_database: str, tmp_path: Path,
                                                 unique: str) -> None:
    a, b = Agency(unique, "a"), Agency(unique, "b")
    async with running(create_app, _settings(kafka, pg_database, tmp_path, unique)) as (http, runtime):
        p1, p2, p3 = [await seed_asn(runtime, a.id) for _ in range(3)]
        elsewhere = await seed_asn(runtime, b.id)
        assert (await http.post("/v1/performance-ratings", headers=a.hr,
                                json={"nip": p1, "year": 2024, "rating": "sangat_baik"})).status_code == 201
        rows = [
            {"nip": p1, "year": 2025, "hasil_kerja": "above", "perilaku_kerja": "meets"},  # 1: Baik; (5+4)/2 above
            {"nip": p2, "year": 2025, "rating": "butuh_perbaikan"},                        # 2
            {"nip": p3, "year": 2025, "hasil_kerja": "above"},                             # 3: judgement missing
            {"nip": elsewhere, "year": 2025, "rating": "baik"},                            # 4: another agency's
            {"nip": p3, "year": 2999, "rating": "baik"},                                   # 5: future year
            {"nip": p1, "year": 2024, "rating": "baik"},                                   # 6: already rated otherwise
            {"nip": p1, "year": 2024, "rating": "sangat_baik"},                            # 7: the same: unchanged
            {"nip": p3, "year": 2025, "hasil_kerja": "below", "perilaku_kerja": "below"},  # 8: Sangat Kurang
        ]
        body = "".join(json.dumps(r) + "\n" for r in rows).encode()
        job = await _upload(http, "performance-ratings", body, a.hr, "application/x-ndjson")
        assert (job["accepted"], job["unchanged"], job["rejected"]) == (3, 1, 4), job
        errors = await _errors(http, job, a.hr)
        assert sorted(errors) == [3, 4, 5, 6]
        assert errors[4]["field"] == "nip" and errors[5]["field"] == "year" and errors[6]["field"] == "year"
        levels = {nip: (await http.get(f"/v1/performance-levels/{nip}", headers=a.hr)).json() for nip in (p1, p2, p3)}
        assert (levels[p1]["performance_level"], levels[p1]["years_considered"]) == ("di_atas_ekspektasi", [2025, 2024])
        assert levels[p2]["performance_level"] == "di_bawah_ekspektasi"
        assert levels[p3]["performance_level"] == "di_bawah_ekspektasi"
        again = await _upload(http, "performance-ratings", body, a.hr, "application/x-ndjson")
        assert (again["accepted"], again["unchanged"], again["rejected"]) == (0, 4, 4)
        # BKN imports for any agency
        national = await _upload(http, "performance-ratings",
                                 (json.dumps({"nip": elsewhere, "year": 2025, "rating": "baik"}) + "\n").encode(),
                                 BKN, "application/x-ndjson")
        assert national["accepted"] == 1
