"""Agency policy as versioned data: validation, audit, isolation; a change re-evaluates the agency's ASN in a
background job (202 + job to poll) and publishes events only where a level changed — checked on the broker."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from deploy.local.kafka import LocalKafka
from services.assessment.app import create_app
from services.assessment.reevaluation import ReevaluationRunner, run_batch, runner_of
from services.assessment.settings import AssessmentSettings
from shared.events.topics import ASSESSMENT_EVENTS
from tests.integration.assessment_helpers import Agency, bearer, seed_asn
from tests.integration.kafka_helpers import eventually, read_topic
from tests.integration.test_http_api import _settings, assert_problem, running

pytestmark = pytest.mark.infra
BKN = bearer(subject="bkn-1", roles=["bkn"])
THRESHOLDS = {"potential_high": 80, "potential_medium": 68, "performance_above": 4.5, "performance_meets": 3.5}


async def finished(http: httpx.AsyncClient, job_url: str, headers: dict[str, str]) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        job = (await http.get(job_url, headers=headers)).json()
        return job if job["state"] in ("succeeded", "failed", "superseded") else None
    return await eventually(done, timeout=60, what=f"job {job_url} to finish")


async def test_policy_versions_are_validated_audited_and_isolated(kafka: LocalKafka, tmp_path: Path,
                                                                  unique: str) -> None:
    a, b = Agency(unique, "a"), Agency(unique, "b")
    async with running(create_app, _settings(AssessmentSettings, kafka, tmp_path, unique)) as (http, _):
        default = (await http.get(f"/v1/agencies/{a.id}/policy", headers=a.committee)).json()
        assert (default["version"], default["potential_high"], default["potential_medium"]) == ("default-1", 90, 78)
        assert (default["performance_years"], default["missing_year"], default["assessment_valid_years"]) == (2, "skip", 3)

        url = f"/v1/agencies/{a.id}/policy/versions"
        missing = {k: v for k, v in THRESHOLDS.items() if k != "potential_high"}
        assert_problem(await http.post(url, json={**missing, "reason": "BRIN categories"}, headers=a.hr),
                       422, "potential_high")
        assert_problem(await http.post(url, json={**THRESHOLDS, "potential_high": 60, "reason": "x" * 5}, headers=a.hr),
                       422, "potential_high")  # high < medium
        assert_problem(await http.post(url, json={**THRESHOLDS, "weight_technical": 30, "reason": "weights"},
                                       headers=a.hr), 422, "weight_technical")
        assert_problem(await http.post(url, json=THRESHOLDS, headers=a.hr), 422, "reason")
        assert_problem(await http.post(url, json={**THRESHOLDS, "missing_year": "guess", "reason": "x" * 5},
                                       headers=a.hr), 422, "missing_year")

        change = {**THRESHOLDS, "weight_managerial_socio_cultural": 60, "weight_technical": 40,
                  "reason": "Keputusan Bupati 12/2026: ambang 80/68"}
        for outsider in (b.hr, BKN, a.committee):  # only the agency's own HR admin changes it
            assert_problem(await http.post(url, json=change, headers=outsider), 404 if outsider is b.hr else 403)
        accepted = await http.post(url, json=change, headers={**a.hr, "Idempotency-Key": f"p-{unique}"})
        assert accepted.status_code == 202, accepted.text
        body = accepted.json()
        assert body["policy"]["version"] == f"{a.id}-1" and body["job"]["state"] == "queued"
        assert accepted.headers["Location"] == f"/v1/jobs/{body['job']['id']}"
        replayed = await http.post(url, json=change, headers={**a.hr, "Idempotency-Key": f"p-{unique}"})
        assert replayed.status_code == 202 and replayed.json()["job"]["id"] == body["job"]["id"]
        job = await finished(http, accepted.headers["Location"], a.hr)
        assert (job["state"], job["progress"], job["total"]) == ("succeeded", 1.0, 0)

        second = await http.post(url, json={**change, "potential_high": 85, "reason": "revised"}, headers=a.hr)
        assert second.status_code == 202
        versions = (await http.get(url, headers=a.hr)).json()
        assert [(v["version"], v["potential_high"], v["changed_by"], v["reason"]) for v in versions] == [
            (f"{a.id}-2", 85, "hr-a", "revised"), (f"{a.id}-1", 80, "hr-a", change["reason"])]
        assert all(v["changed_at"] for v in versions)
        current = (await http.get(f"/v1/agencies/{a.id}/policy", headers=BKN)).json()
        assert (current["version"], current["weight_technical"]) == (f"{a.id}-2", 40)

        # agency B sees none of it
        for path in (f"/v1/agencies/{a.id}/policy", url, f"/v1/agencies/{a.id}/jobs", accepted.headers["Location"]):
            response = await http.get(path, headers=b.hr)
            assert_problem(response, 404)
            assert "Bupati" not in response.text
        assert (await http.get(f"/v1/agencies/{b.id}/policy", headers=b.hr)).json()["version"] == "default-1"
        jobs = (await http.get(f"/v1/agencies/{a.id}/jobs", headers=a.hr)).json()
        assert [j["policy_version"] for j in jobs] == [f"{a.id}-2", f"{a.id}-1"]


async def _events_of(kafka: LocalKafka, agency_id: str, policy_version: str, count: int) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]] | None:
        records = await read_topic(kafka.bootstrap_servers, ASSESSMENT_EVENTS, at_least=1)
        found = [json.loads(r.value) for r in records]
        found = [e for e in found if e["data"]["agency_id"] == agency_id
                 and e["data"]["policy_version"] == policy_version]
        return found if len(found) >= count else None
    return await eventually(read, timeout=30, what=f"{count} events of {policy_version}")


async def test_a_policy_change_reevaluates_and_publishes_only_changed_levels(
    kafka: LocalKafka, pg_database: str, unique: str
) -> None:
    a = Agency(unique, "a")
    settings = AssessmentSettings(database_url=pg_database, kafka_bootstrap_servers=kafka.bootstrap_servers,
                                  kafka_group_prefix=f"policy-{unique}", reevaluation_batch_size=2,
                                  reevaluation_poll_seconds=0.2)
    async with running(create_app, settings) as (http, runtime):
        assert (await http.put(f"/v1/agencies/{a.id}/standards/staf", headers=a.hr,
                               json={"requirements": {"Integritas": 5, "Kerjasama": 5}})).status_code == 201
        people: dict[str, str] = {}

        async def person(name: str, achieved: tuple[int, int], ratings: dict[int, str]) -> None:
            nip = people[name] = await seed_asn(runtime, a.id, position_code="staf")
            response = await http.post("/v1/assessments", headers=a.hr, json={
                "nip": nip, "assessed_on": "2026-01-15", "method": "cact", "assessor": "BKN CACT",
                "competencies": [{"competency": "Integritas", "achieved": achieved[0]},
                                 {"competency": "Kerjasama", "achieved": achieved[1]}]})
            assert response.status_code == 201, response.text
            for year, rating in ratings.items():
                assert (await http.post("/v1/performance-ratings", headers=a.hr,
                                        json={"nip": nip, "year": year, "rating": rating})).status_code == 201

        # JPM 80: menengah → tinggi at 80/68;  JPM 70: rendah → menengah;  JPM 100 and 50 keep their level.
        # SB then B (4.5, above) becomes B alone (4, meets) when only the last year counts; SB alone stays above.
        await person("rises", (4, 4), {2024: "sangat_baik", 2025: "baik"})
        await person("medium", (4, 3), {2025: "sangat_baik"})
        await person("star", (5, 5), {2024: "baik", 2025: "baik"})
        await person("low", (3, 2), {})
        await person("unassessed", (5, 5), {})
        await seed_asn(runtime, a.id)  # an ASN with neither: nothing to do

        change = {**THRESHOLDS, "performance_years": 1, "reason": "Perbup 7/2026"}
        accepted = await http.post(f"/v1/agencies/{a.id}/policy/versions", json=change, headers=a.hr)
        assert accepted.status_code == 202, accepted.text
        version = accepted.json()["policy"]["version"]
        job = await finished(http, accepted.headers["Location"], a.hr)
        assert (job["state"], job["total"], job["processed"], job["progress"]) == ("succeeded", 6, 6, 1.0)
        assert (job["assessments_changed"], job["performance_changed"], job["events_emitted"]) == (2, 1, 3)

        # on the broker: exactly the changed levels, under the new version
        events = await _events_of(kafka, a.id, version, 3)
        changed = sorted((e["type"], e["data"]["nip"]) for e in events)
        assert changed == sorted([("assessment.completed", people["rises"]), ("assessment.completed", people["medium"]),
                                  ("performance.rated", people["rises"])])
        by_nip = {(e["type"], e["data"]["nip"]): e["data"] for e in events}
        rises = by_nip[("assessment.completed", people["rises"])]
        assert (rises["potential_level"], rises["version"], rises["change"], rises["reason"]) == (
            "tinggi", 2, "re_evaluation", f"re-evaluated under policy {version}")
        perf = by_nip[("performance.rated", people["rises"])]
        assert (perf["performance_level"], perf["year"], perf["years_considered"]) == ("sesuai_ekspektasi", 2025, [2025])

        # results record the policy that produced them; history keeps the old versions
        star = (await http.get("/v1/assessments", headers=a.hr, params={"nip": people["star"]})).json()["items"]
        assert [(s["version"], s["policy_version"]) for s in star] == [(1, "default-1")]  # same result: untouched
        rises_history = (await http.get("/v1/assessments", headers=a.hr, params={"nip": people["rises"]})).json()["items"]
        assert [(h["version"], h["potential_level"], h["policy_version"], h["current"]) for h in rises_history] == [
            (1, "menengah", "default-1", False), (2, "tinggi", version, True)]
        level = (await http.get(f"/v1/performance-levels/{people['star']}", headers=a.hr)).json()
        assert (level["performance_level"], level["policy_version"]) == ("sesuai_ekspektasi", version)

        # a change that moves no level publishes nothing (validity and thresholds keep every level)
        quiet = await http.post(f"/v1/agencies/{a.id}/policy/versions", headers=a.hr,
                                json={**change, "potential_high": 79, "reason": "rounding"})
        quiet_job = await finished(http, quiet.headers["Location"], a.hr)
        assert (quiet_job["state"], quiet_job["events_emitted"], quiet_job["assessments_changed"]) == ("succeeded", 0, 0)
        await eventually(lambda: _drained(runtime), what="the outbox to drain")
        records = await read_topic(kafka.bootstrap_servers, ASSESSMENT_EVENTS, at_least=1)
        quiet_version = quiet.json()["policy"]["version"]
        assert not [r for r in records if json.loads(r.value)["data"]["policy_version"] == quiet_version]

        # a shorter validity changes no level but the period in force: those results are published again
        shorter = await http.post(f"/v1/agencies/{a.id}/policy/versions", headers=a.hr,
                                  json={**change, "assessment_valid_years": 2, "reason": "validity 2 years"})
        shorter_job = await finished(http, shorter.headers["Location"], a.hr)
        assert (shorter_job["assessments_changed"], shorter_job["events_emitted"]) == (5, 5)
        republished = await _events_of(kafka, a.id, shorter.json()["policy"]["version"], 5)
        assert {e["data"]["valid_until"] for e in republished} == {date(2028, 1, 15).isoformat()}


async def _drained(runtime: Any) -> bool:
    table = runtime.outbox.table
    async with runtime.sessions() as session:
        return (await session.scalar(select(func.count()).select_from(table).where(table.c.published_at.is_(None)))) == 0


async def test_a_job_resumes_from_its_cursor_and_a_newer_policy_supersedes_it(
    kafka: LocalKafka, pg_database: str, unique: str
) -> None:
    a = Agency(unique, "a")
    settings = AssessmentSettings(database_url=pg_database, kafka_bootstrap_servers=kafka.bootstrap_servers,
                                  kafka_group_prefix=f"resume-{unique}", reevaluation_batch_size=2)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        runner = runner_of(app.state.runtime)
        await runner.stop()  # as if the process had died: the job waits in the database
        runtime = app.state.runtime
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            nips = []
            for _ in range(5):
                nip = await seed_asn(runtime, a.id)
                nips.append(nip)
                assert (await http.post("/v1/performance-ratings", headers=a.hr,
                                        json={"nip": nip, "year": 2025, "rating": "baik"})).status_code == 201
            url = f"/v1/agencies/{a.id}/policy/versions"
            first = (await http.post(url, headers=a.hr, json={**THRESHOLDS, "performance_above": 4.0,
                                                               "reason": "B counts as above"})).json()
            async with runtime.sessions() as session:
                assert await run_batch(session, runtime.outbox, first["job"]["id"], 2)  # one batch, then the "crash"
            half = (await http.get(f"/v1/jobs/{first['job']['id']}", headers=a.hr)).json()
            assert (half["state"], half["processed"], half["total"], half["progress"]) == ("running", 2, 5, 0.4)
            assert half["performance_changed"] == 2

            # a newer version supersedes the unfinished job; the new one re-evaluates everyone against stored results
            second = (await http.post(url, headers=a.hr, json={**THRESHOLDS, "reason": "back to the default"})).json()
            runner.start()
            superseded = await finished(http, f"/v1/jobs/{first['job']['id']}", a.hr)
            assert superseded["state"] == "superseded" and second["policy"]["version"] in superseded["error"]
            done = await finished(http, f"/v1/jobs/{second['job']['id']}", a.hr)
            assert (done["state"], done["processed"], done["performance_changed"]) == ("succeeded", 5, 2)
            levels = [(await http.get(f"/v1/performance-levels/{n}", headers=a.hr)).json() for n in nips]
            assert {(lv["performance_level"], lv["policy_version"]) for lv in levels} == {
                ("sesuai_ekspektasi", second["policy"]["version"])}


async def test_three_runners_on_one_job_process_each_asn_once(kafka: LocalKafka, pg_database: str, unique: str) -> None:
    """Like three service instances: batches are claimed with FOR UPDATE SKIP LOCKED on the job row."""
    a = Agency(unique, "a")
    settings = AssessmentSettings(database_url=pg_database, kafka_bootstrap_servers=kafka.bootstrap_servers,
                                  kafka_group_prefix=f"race-{unique}", reevaluation_batch_size=2,
                                  reevaluation_poll_seconds=0.05)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            nips = [await seed_asn(runtime, a.id) for _ in range(9)]
            for nip in nips:
                assert (await http.post("/v1/performance-ratings", headers=a.hr,
                                        json={"nip": nip, "year": 2025, "rating": "baik"})).status_code == 201
            others = [ReevaluationRunner(runtime.sessions, runtime.outbox, batch_size=2, poll_seconds=0.05)
                      for _ in range(2)]
            for runner in others:
                runner.start()
            try:
                accepted = await http.post(f"/v1/agencies/{a.id}/policy/versions", headers=a.hr,
                                           json={**THRESHOLDS, "performance_above": 4.0, "reason": "B is above"})
                job = await finished(http, accepted.headers["Location"], a.hr)
            finally:
                for runner in others:
                    await runner.stop()
        assert (job["state"], job["processed"], job["performance_changed"], job["events_emitted"]) == (
            "succeeded", 9, 9, 9)
        table = runtime.outbox.table
        async with runtime.sessions() as session:
            payloads = (await session.scalars(select(table.c.payload).where(
                table.c.event_type == "performance.rated"))).all()
        version = accepted.json()["policy"]["version"]
        republished = [json.loads(p)["data"]["nip"] for p in payloads if json.loads(p)["data"]["policy_version"] == version]
        assert sorted(republished) == sorted(nips)  # each ASN once
