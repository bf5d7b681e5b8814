"""The talent committee, plan states, eligibility rules, development plans and risk signals, through the
succession service's HTTP API (SQLite) with its events delivered by its own handlers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from deploy.local.kafka import LocalKafka
from services.succession.app import create_app as succession_app
from services.succession.settings import SuccessionSettings
from services.succession.sweeps import RiskSweep
from shared.events.schemas import ProfileRegistered
from tests.integration.succession_helpers import STANDARD, World, young_nip
from tests.integration.test_http_api import _settings, assert_problem, bearer, running

pytestmark = pytest.mark.infra

async def test_committee_plans_rules_development_and_risks(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    agency, other = f"kab-c-{unique}", f"kab-d-{unique}"
    hr, hr_other = (bearer(subject="hr-c", roles=["hr_admin"], agency_id=agency),
                    bearer(subject="hr-d", roles=["hr_admin"], agency_id=other))
    chair, member, ppk = (bearer(subject=s, roles=["talent_committee"], agency_id=agency)
                          for s in ("chair-1", "member-1", "ppk-1"))
    stranger = bearer(subject="stranger-1", roles=["talent_committee"], agency_id=agency)
    outsider = bearer(subject="chair-1", roles=["talent_committee"], agency_id=other)  # same subject, other agency
    star, strong, middle, incumbent = (young_nip() for _ in range(4))  # under the rules' age limit of 56
    async with running(succession_app, _settings(SuccessionSettings, kafka, tmp_path, unique)) as (http, runtime):
        world = await World.quiet(runtime, agency)
        await world.person(star, 9)
        await world.person(strong, 8)
        await world.person(middle, 5, decisions_level=2)
        retiring_birth = date.today() - timedelta(days=round(58 * 365.25) - 180)  # turns 58 in about six months
        await world.deliver(ProfileRegistered(nip=incumbent, agency_id=agency, name="Incumbent", sex="male",
                                              birth_date=retiring_birth), incumbent)
        for nip in (star, strong):
            await world.portfolio(nip, "education", {"level": "S1", "major": "Hukum", "institution": "UI", "year": 2008}, {})
        await world.portfolio(middle, "training", {"name": "Diklat", "hours": 12, "completed_on": "2026-03-01"},
                              {2026: 12})

        # eligibility rules as agency data, versioned; unknown rules or thresholds are refused
        rules_url = f"/v1/eligibility-rules/{agency}"
        assert_problem(await http.post(rules_url, headers=hr, json={"position_type": "administrator",
                                                                     "rules": {"min_golongan": "III/d"}}), 422, "rules.min_golongan")
        assert_problem(await http.post(rules_url, headers=hr, json={"position_type": "administrator",
                                                                     "rules": {"max_age": "old"}}), 422, "rules.max_age")
        assert_problem(await http.post(rules_url, headers=hr_other, json={"position_type": "administrator",
                                                                           "rules": {}}), 404)
        v1 = await http.post(rules_url, headers=hr, json={"position_type": "administrator", "rules": {"min_education": "S1"}})
        assert v1.status_code == 201 and v1.json()["version"] == 1

        # key positions: one the star fits, one nobody fits; the incumbent retires within a year
        position = {"id": f"kabag-{unique}", "agency_id": agency, "title": "Kepala Bagian Umum",
                    "position_type": "administrator", "standard": STANDARD, "incumbent_nip": incumbent}
        assert (await http.post("/v1/key-positions", headers=hr, json=position)).status_code == 201
        hard = {**position, "id": f"kaban-{unique}", "title": "Kepala Badan", "incumbent_nip": None,
                "standard": {"Integritas": 5, "Perekat Bangsa": 5}}
        assert (await http.post("/v1/key-positions", headers=hr, json=hard)).status_code == 201
        plan = (await http.get(f"/v1/key-positions/{position['id']}/plan", headers=hr)).json()
        assert plan["state"] == "draft" and plan["rules_version"] == 1
        by_nip = {c["nip"]: c for c in plan["candidates"]}
        assert list(by_nip) == [star, strong] and by_nip[star]["readiness"] == "siap_sekarang"
        assert by_nip[star]["eligibility"] == [{"rule": "min_education", "met": True, "detail": "S1, needs at least S1"}]

        v2 = await http.post(rules_url, headers=hr, json={"position_type": "administrator", "rules": {
            "min_education": "S1", "max_age": 56, "min_skp_rating": {"rating": "baik", "years": 2}}})
        assert v2.json()["version"] == 2
        assert [r["version"] for r in (await http.get(rules_url, headers=hr)).json()] == [2, 1]
        plan = (await http.get(f"/v1/key-positions/{position['id']}/plan", headers=hr)).json()
        star_now = next(c for c in plan["candidates"] if c["nip"] == star)
        assert plan["rules_version"] == 2 and star_now["rules_version"] == 2
        assert star_now["readiness"] == "siap_1_2_tahun"  # no SKP rating for 2024 yet: unmet, explained
        assert any("min_skp_rating" in r and "2024" in r for r in star_now["reasons"])
        await world.rate(star, 9, 2024)
        plan = (await http.get(f"/v1/key-positions/{position['id']}/plan", headers=hr)).json()
        assert next(c for c in plan["candidates"] if c["nip"] == star)["readiness"] == "siap_sekarang"
        readiness_events = [e for e in await world.events("readiness.changed") if e["nip"] == star]
        assert [(e["from_readiness"], e["to_readiness"]) for e in readiness_events] == [
            ("siap_sekarang", "siap_1_2_tahun"), ("siap_1_2_tahun", "siap_sekarang")]
        assert {e["nip"] for e in await world.events("candidate.nominated")} == {star, strong}

        # risk signals: once per onset, however often the plans are refreshed (the position lost its only
        # ready successor while rules v2 found a 2024 rating missing: one onset, cleared since)
        risks = await world.events("risk.signaled")
        assert sorted((r["kind"], r["position_id"]) for r in risks) == sorted([
            ("incumbent_retiring", position["id"]), ("no_ready_successor", hard["id"]),
            ("no_ready_successor", position["id"])])
        coverage = (await http.get(f"/v1/reports/agencies/{agency}/succession-coverage", headers=hr)).json()
        assert sorted((r["kind"], r["position_id"]) for r in coverage["open_risks"]) == [
            ("incumbent_retiring", position["id"]), ("no_ready_successor", hard["id"])]
        assert (coverage["key_positions"], coverage["with_ready_successor"], coverage["vacancies"]) == (
            2, 1, [hard["id"]])
        assert coverage["share_with_ready_successor"] == 50.0

        # development plans: 70/20/10 aimed at the gap; JP progress; the middle-box report
        idp = (await http.get(f"/v1/talents/{middle}/development-plan", headers=hr)).json()
        assert idp["box"] == 5 and idp["split"] == {"on_the_job": 70, "social": 20, "formal": 10}
        assert idp["target_competencies"] == ["Pengambilan Keputusan"]
        assert {i["competency"] for i in idp["interventions"]} == {"Pengambilan Keputusan"}
        assert {"year": 2026, "hours": 12, "required": 20, "met": False, "remaining": 8} in idp["training"]
        mine = bearer(subject=middle, roles=["asn"], agency_id=agency, nip=middle)
        assert (await http.get(f"/v1/talents/{middle}/development-plan", headers=mine)).status_code == 200
        assert_problem(await http.get(f"/v1/talents/{middle}/development-plan", headers=hr_other), 404)
        first = idp["interventions"][0]["id"]
        progress_url = f"/v1/talents/{middle}/development-plan/interventions/{first}"
        assert_problem(await http.patch(progress_url, headers=mine, json={"status": "done"}), 403)
        assert_problem(await http.patch(progress_url, headers=hr_other, json={"status": "done"}), 404)
        assert_problem(await http.patch(progress_url, headers=hr, json={"status": "finished"}), 422, "status")
        updated = await http.patch(progress_url, headers=hr, json={"status": "in_progress", "note": "project started"})
        assert updated.status_code == 200 and updated.json()["interventions"][0]["status"] == "in_progress"
        report = (await http.get(f"/v1/reports/agencies/{agency}/middle-box", headers=hr)).json()
        assert (report["in_middle_box"], report["with_development_plan"], report["with_progress"]) == (1, 1, 1)
        assert_problem(await http.get(f"/v1/reports/agencies/{agency}/middle-box", headers=hr_other), 404)

        # the committee: HR manages members and sessions
        committee = f"/v1/committees/{agency}"
        for subject, role in (("chair-1", "chair"), ("member-1", "member"), ("ppk-1", "ppk")):
            added = await http.post(f"{committee}/members", headers=hr, json={"subject": subject, "name": subject, "role": role})
            assert added.status_code == 201, added.text
        assert_problem(await http.post(f"{committee}/members", headers=hr,
                                       json={"subject": "chair-1", "name": "again", "role": "member"}), 409, "subject")
        assert_problem(await http.post(f"{committee}/members", headers=chair,
                                       json={"subject": "x", "name": "x", "role": "member"}), 403)
        assert_problem(await http.post(f"{committee}/members", headers=hr_other,
                                       json={"subject": "x", "name": "x", "role": "member"}), 404)
        assert_problem(await http.get(f"{committee}/members", headers=hr_other), 404)
        created = await http.post(f"{committee}/sessions", headers=hr,
                                  json={"held_on": "2026-12-01", "title": "Sidang Komite Talenta I", "agenda": "Kalibrasi"})
        assert created.status_code == 201
        sid = created.json()["id"]
        assert_problem(await http.post(f"{committee}/sessions/{sid}/agenda/generate", headers=stranger), 403)
        generated = (await http.post(f"{committee}/sessions/{sid}/agenda/generate", headers=hr)).json()
        assert {(i["kind"], i["nip"], i["position_id"]) for i in generated} == {
            ("placement", star, None), ("placement", strong, None), ("placement", middle, None),
            ("candidate", star, position["id"]), ("candidate", strong, position["id"]),
            ("candidate", star, hard["id"]), ("candidate", strong, hard["id"])}
        assert (await http.post(f"{committee}/sessions/{sid}/agenda/generate", headers=chair)).json() == []
        extra = await http.post(f"{committee}/sessions/{sid}/agenda", headers=chair,
                                json={"kind": "placement", "nip": incumbent, "why": "asked by the chair"})
        assert extra.status_code == 201
        assert (await http.delete(f"{committee}/sessions/{sid}/agenda/{extra.json()['id']}", headers=hr)).status_code == 204
        assert len((await http.get(f"{committee}/sessions/{sid}/agenda", headers=member)).json()) == 7
        assert_problem(await http.get(f"{committee}/sessions/{sid}/agenda", headers=hr_other), 404)

        # decisions: members only
        decisions = f"{committee}/sessions/{sid}/decisions"
        calibrate = {"kind": "calibrate_box", "nip": middle, "value": "7", "reason": "Kinerja nyata di atas ekspektasi",
                     "evidence": ["notulen-1.pdf"]}
        for who in (stranger, hr, outsider):
            assert_problem(await http.post(decisions, headers=who, json=calibrate), 403)
        assert_problem(await http.post(decisions, headers=chair, json={**calibrate, "reason": ""}), 422, "reason")
        assert_problem(await http.post(decisions, headers=chair, json={**calibrate, "value": "10"}), 422)
        first_decision = await http.post(decisions, headers={**chair, "Idempotency-Key": f"cal-{unique}"}, json=calibrate)
        assert first_decision.status_code == 201, first_decision.text
        d1 = first_decision.json()
        retried = await http.post(decisions, headers={**chair, "Idempotency-Key": f"cal-{unique}"}, json=calibrate)
        assert retried.json() == d1 and retried.headers["Idempotent-Replayed"] == "true"  # nothing decided twice
        assert d1["decided_by"] == "chair-1" and d1["evidence"] == ["notulen-1.pdf"]
        assert set(d1["member_subjects"]) == {"chair-1", "member-1", "ppk-1"}
        talent = (await http.get(f"/v1/talents/{middle}", headers=hr)).json()
        assert (talent["current"]["box"], talent["current"]["computed_box"]) == (7, 5)
        assert talent["current"]["calibration_decision_id"] == d1["id"]
        assert talent["history"][1]["box"] == 5  # the computed placement stays in the record
        moved = [e for e in await world.events("talent.reclassified") if e["nip"] == middle]
        assert (moved[-1]["from_box"], moved[-1]["to_box"], moved[-1]["computed_box"]) == (5, 7, 5)
        decided = await world.events("committee.decided")
        assert [(e["kind"], e["decision_id"], e["decided_by"]) for e in decided] == [("calibrate_box", d1["id"], "chair-1")]

        # immutable: no route edits or deletes a decision; a correction supersedes visibly
        one = f"{committee}/decisions/{d1['id']}"
        for method in ("PUT", "PATCH", "DELETE"):
            assert_problem(await http.request(method, one, headers=chair, json=calibrate), 405)
        correction = await http.post(decisions, headers=member, json={**calibrate, "value": "8", "supersedes": d1["id"],
                                                                      "reason": "Koreksi: bukti tambahan"})
        assert correction.status_code == 201 and correction.json()["supersedes"] == d1["id"]
        listed = (await http.get(decisions, headers=hr)).json()
        assert [(d["id"], d["superseded_by"]) for d in listed] == [(d1["id"], correction.json()["id"]),
                                                                    (correction.json()["id"], None)]
        assert (await http.get(one, headers=chair)).json()["value"] == "7"  # the original is unchanged
        assert_problem(await http.post(decisions, headers=member, json={**calibrate, "supersedes": d1["id"]}),
                       409, "supersedes")
        # agency isolation on every reading route of the committee; BKN reads them all
        for url in (f"{committee}/members", f"{committee}/sessions", f"{committee}/sessions/{sid}/agenda", decisions,
                    one, f"/v1/reports/agencies/{agency}/succession-coverage", rules_url):
            assert_problem(await http.get(url, headers=hr_other), 404)
            assert (await http.get(url, headers=bearer(subject="bkn-1", roles=["bkn"]))).status_code == 200
        assert_problem(await http.post(f"{committee}/sessions", headers=hr_other,
                                       json={"held_on": "2026-12-01", "title": "x"}), 404)
        assert_problem(await http.delete(f"{committee}/members/chair-1", headers=hr_other), 404)

        # readiness override with a reason; approve and reject candidates
        override = await http.post(decisions, headers=member, json={
            "kind": "set_readiness", "nip": strong, "position_id": position["id"], "value": "siap_sekarang",
            "reason": "Sudah menjabat Plt selama 6 bulan"})
        assert override.status_code == 201, override.text
        plan = (await http.get(f"/v1/key-positions/{position['id']}/plan", headers=chair)).json()
        strong_now = next(c for c in plan["candidates"] if c["nip"] == strong)
        assert (strong_now["readiness"], strong_now["override_decision_id"]) == ("siap_sekarang", override.json()["id"])
        assert strong_now["computed_readiness"] != "siap_sekarang"
        assert_problem(await http.post(decisions, headers=member, json={
            "kind": "approve_candidate", "nip": incumbent, "position_id": position["id"], "reason": "bukan kandidat"}),
            422, "nip")

        # plan states: draft → reviewed (a member) → set (the PPK); illegal moves are 409
        review = {"kind": "review_plan", "position_id": position["id"], "reason": "Ditelaah dalam sidang I"}
        set_plan = {"kind": "set_plan", "position_id": position["id"], "reason": "Ditetapkan oleh PPK"}
        assert_problem(await http.post(decisions, headers=ppk, json=set_plan), 409, "kind")
        assert (await http.post(decisions, headers=chair, json=review)).status_code == 201
        assert_problem(await http.post(decisions, headers=chair, json=review), 409, "kind")
        assert_problem(await http.post(decisions, headers=chair, json=set_plan), 403)
        assert (await http.post(decisions, headers=ppk, json=set_plan)).status_code == 201
        assert (await http.get(f"/v1/key-positions/{position['id']}/plan", headers=hr)).json()["state"] == "set"
        states = [e["state"] for e in await world.events("plan.changed") if e["position_id"] == position["id"]]
        assert states == ["draft", "reviewed", "set"]

        # a successor who drops out of boxes 7–9 is signalled once
        await world.rate(strong, 6, 2026)
        await world.rate(strong, 6, 2026)  # the same condition again: no second signal
        dropped = [r for r in await world.events("risk.signaled") if r["kind"] == "successor_dropped_out"]
        assert sorted((r["nip"], r["position_id"]) for r in dropped) == sorted([(strong, position["id"]),
                                                                                (strong, hard["id"])])
        assert (await http.get(f"/v1/talents/{strong}", headers=hr)).json()["current"]["box"] == 6
        plan = (await http.get(f"/v1/key-positions/{position['id']}/plan", headers=hr)).json()
        assert strong not in {c["nip"] for c in plan["candidates"]}
        # ...and the set plan it left goes back to draft, saying why, to be reviewed and set again
        assert (plan["state"], plan["set_decision_id"]) == ("draft", None)
        assert plan["reopened_reason"] == f"was set; {strong} is no longer a candidate"
        changed = [e for e in await world.events("plan.changed") if e["position_id"] == position["id"]]
        assert [e["state"] for e in changed] == ["draft", "reviewed", "set", "draft"]
        assert changed[-1]["reason"] == plan["reopened_reason"] and strong not in changed[-1]["candidates"]
        assert (await http.post(decisions, headers=chair, json=review)).status_code == 201
        assert (await http.get(f"/v1/key-positions/{position['id']}/plan", headers=hr)).json()["reopened_reason"] is None


async def test_a_retirement_coming_within_the_warning_window_is_signalled_once_by_the_sweep(
    kafka: LocalKafka, tmp_path: Path, unique: str
) -> None:
    agency = f"kab-s-{unique}"
    hr = bearer(subject="hr-s", roles=["hr_admin"], agency_id=agency)
    async with running(succession_app, _settings(SuccessionSettings, kafka, tmp_path, unique)) as (http, runtime):
        world, sweep = await World.quiet(runtime, agency), next(w for w in runtime.workers if isinstance(w, RiskSweep))
        today = datetime.now(UTC)
        position = {"id": f"kadis-{unique}", "agency_id": agency, "title": "Kepala Dinas", "position_type": "jpt_pratama",
                    "standard": STANDARD, "incumbent_nip": young_nip(),
                    "incumbent_retires_on": (today + timedelta(days=400)).date().isoformat()}
        assert (await http.post("/v1/key-positions", headers=hr, json=position)).status_code == 201

        def retiring(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [e for e in events if e["kind"] == "incumbent_retiring"]

        assert retiring(await world.events("risk.signaled")) == []  # 13 months away: not yet
        assert await sweep.sweep(today + timedelta(days=30)) >= 1
        assert retiring(await world.events("risk.signaled")) == []
        await sweep.sweep(today + timedelta(days=60))  # now within 12 months
        await sweep.sweep(today + timedelta(days=61))  # still: no second signal
        signals = retiring(await world.events("risk.signaled"))
        assert [(s["position_id"], s["nip"]) for s in signals] == [(position["id"], position["incumbent_nip"])]
