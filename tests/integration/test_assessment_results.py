"""Assessment results against position standards: JPM and level boundaries, gaps, the target position,
duplicates, re-assessment (supersession) and corrections (new versions), SKP levels, agency isolation."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from deploy.local.kafka import LocalKafka
from services.assessment.app import create_app
from services.assessment.settings import AssessmentSettings
from shared.events import Envelope
from shared.events.schemas import ProfileRegistered, ProfileUpdated
from shared.events.topics import PROFILE_EVENTS
from services.assessment.models import KnownAsn
from tests.integration.assessment_helpers import NATIONAL_NINE, Agency, bearer, outbox_events, seed_asn
from tests.integration.kafka_helpers import eventually
from tests.integration.test_http_api import NIP_NEVER_REGISTERED, _settings, assert_problem, fresh_nip, running

pytestmark = pytest.mark.infra
BKN = bearer(subject="bkn-1", roles=["bkn"])
TEN = [*NATIONAL_NINE, "Literasi Digital"]  # a standard of ten competencies, each required at 5: Σ required = 50


def assessment(nip: str, achieved: dict[str, int], **extra: Any) -> dict[str, Any]:
    return {"nip": nip, "assessed_on": "2026-03-02", "method": "assessment_centre", "assessor": "UPT Penilaian",
            "competencies": [{"competency": c, "achieved": level} for c, level in achieved.items()], **extra}


async def post(http: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    response = await http.post("/v1/assessments", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_jpm_against_the_positions_standard_with_level_boundaries(kafka: LocalKafka, tmp_path: Path,
                                                                       unique: str) -> None:
    a = Agency(unique, "a")
    async with running(create_app, _settings(AssessmentSettings, kafka, tmp_path, unique)) as (http, runtime):
        ok = await http.put(f"/v1/agencies/{a.id}/standards/kabid", headers=a.hr,
                            json={"requirements": {c: 5 for c in TEN}})
        assert ok.status_code == 201
        cases = {  # Σ min(achieved, required) of 50 → JPM, level
            45: (90.0, "tinggi"), 44: (88.0, "menengah"), 39: (78.0, "menengah"), 38: (76.0, "rendah"),
        }
        for total, (jpm, level) in cases.items():
            nip = await seed_asn(runtime, a.id, position_code="kabid")
            fives = total - 4 * len(TEN)  # every competency at 4 (=40), and `fives` of them at 5
            achieved = {c: (5 if i < fives else 4) for i, c in enumerate(TEN)} if fives >= 0 else \
                {c: (3 if i < -fives else 4) for i, c in enumerate(TEN)}
            result = await post(http, assessment(nip, achieved), a.hr)
            assert (result["jpm"], result["potential_level"]) == (jpm, level), total
            assert result["standard_source"] == "position:kabid" and result["valid_until"] == "2029-03-02"

        # a competency of the standard not assessed counts 0, and shows as a gap; a surplus hides nothing
        nip = await seed_asn(runtime, a.id, position_code="kabid")
        partial = await post(http, assessment(nip, {c: 5 for c in TEN[:9]}), a.hr)
        assert partial["jpm"] == 90.0
        assert [g for g in partial["gaps"] if g["gap"]] == [
            {"competency": "Literasi Digital", "group": "managerial_socio_cultural", "required": 5, "achieved": 0,
             "gap": 5}]
        completed = (await outbox_events(runtime, "assessment.completed", a.id))[-1]
        assert completed["gaps"][-1] == {"competency": "Literasi Digital", "required": 5, "achieved": 0, "gap": 5}
        assert (completed["version"], completed["standard_source"], completed["policy_version"]) == (
            1, "position:kabid", "default-1")


async def test_which_standard_applies_and_bad_input(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    a, b = Agency(unique, "a"), Agency(unique, "b")
    async with running(create_app, _settings(AssessmentSettings, kafka, tmp_path, unique)) as (http, runtime):
        await http.post(f"/v1/agencies/{a.id}/competencies", json={"name": "Pengadaan Barang/Jasa"}, headers=a.hr)
        for path, requirements in (("standards/kabid", {"Integritas": 4, "Pengadaan Barang/Jasa": 4}),
                                   ("standards/kadis", {"Integritas": 5, "Pengambilan Keputusan": 5}),
                                   ("default-standards/pengawas", {"Integritas": 3, "Kerjasama": 3})):
            assert (await http.put(f"/v1/agencies/{a.id}/{path}", json={"requirements": requirements},
                                   headers=a.hr)).status_code == 201
        kabid = await seed_asn(runtime, a.id, position_code="kabid")
        pengawas = await seed_asn(runtime, a.id, position_code="no-standard", position_type="pengawas")
        unplaced = await seed_asn(runtime, a.id)

        own = await post(http, assessment(kabid, {"Integritas": 4, "Pengadaan Barang/Jasa": 3}), a.hr)
        assert own["jpm"] == 87.5 and [g["group"] for g in own["gaps"]] == ["managerial_socio_cultural", "technical"]
        target = await post(http, assessment(kabid, {"Integritas": 4, "Pengambilan Keputusan": 5},
                                             method="cact", target_position_code="kadis"), a.hr)
        assert (target["jpm"], target["standard_source"], target["target_position_code"]) == (90.0, "position:kadis",
                                                                                              "kadis")
        typed = await post(http, assessment(pengawas, {"Integritas": 3, "Kerjasama": 2}), a.hr)
        assert (typed["jpm"], typed["standard_source"]) == (83.33, "position_type:pengawas")
        given = await post(http, {**assessment(unplaced, {}), "competencies": [
            {"competency": "Integritas", "required": 3, "achieved": 3}]}, a.hr)
        assert (given["jpm"], given["standard_source"]) == (100.0, "request")

        # bad input: a clear 422 naming the field
        base = assessment(kabid, {"Integritas": 4}, assessed_on="2026-01-05")
        assert_problem(await http.post("/v1/assessments", json={**base, "nip": NIP_NEVER_REGISTERED}, headers=a.hr),
                       422, "nip")
        body = assert_problem(await http.post("/v1/assessments", json=base, headers=b.hr), 422, "nip")
        assert kabid in body["detail"]
        assert_problem(await http.post("/v1/assessments", json={**base, **assessment(kabid, {"Menyanyi": 4}, assessed_on="2026-01-05")}, headers=a.hr),
                       422, "competencies.0.competency")
        assert_problem(await http.post("/v1/assessments", json=assessment(kabid, {"Integritas": 0}, assessed_on="2026-01-05"), headers=a.hr),
                       422, "competencies.0.achieved")
        assert_problem(await http.post("/v1/assessments", json=assessment(kabid, {"Integritas": 6}, assessed_on="2026-01-05"), headers=a.hr),
                       422, "competencies.0.achieved")
        assert_problem(await http.post("/v1/assessments", json={**base, "assessed_on": "2999-01-01"}, headers=a.hr),
                       422, "assessed_on")
        assert_problem(await http.post("/v1/assessments", json={**base, "potential_score": 120}, headers=a.hr),
                       422, "potential_score")
        assert_problem(await http.post("/v1/assessments", json={**base, "target_position_code": "nope"}, headers=a.hr),
                       422, "target_position_code")
        disagrees = {**base, "competencies": [{"competency": "Integritas", "required": 2, "achieved": 4}]}
        assert_problem(await http.post("/v1/assessments", json=disagrees, headers=a.hr), 422, "competencies.0.required")
        no_standard = assessment(unplaced, {"Integritas": 3}, assessed_on="2026-01-05")
        assert_problem(await http.post("/v1/assessments", json=no_standard, headers=a.hr), 422, "competencies.0.required")
        # another agency's technical competency is unknown here
        other = await seed_asn(runtime, b.id)
        assert_problem(await http.post("/v1/assessments", headers=b.hr, json={**assessment(other, {}), "competencies": [
            {"competency": "Pengadaan Barang/Jasa", "required": 3, "achieved": 3}]}), 422, "competencies.0.competency")


async def test_duplicates_reassessment_and_corrections(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    a, b = Agency(unique, "a"), Agency(unique, "b")
    async with running(create_app, _settings(AssessmentSettings, kafka, tmp_path, unique)) as (http, runtime):
        await http.put(f"/v1/agencies/{a.id}/standards/kabid", json={"requirements": {"Integritas": 4, "Kerjasama": 4}},
                       headers=a.hr)
        nip = await seed_asn(runtime, a.id, position_code="kabid")
        colleague = await seed_asn(runtime, a.id, position_code="kabid")
        first_body = assessment(nip, {"Integritas": 4, "Kerjasama": 2}, assessed_on="2024-05-01")
        first = await post(http, first_body, a.hr)
        assert (first["jpm"], first["potential_level"], first["current"], first["version"]) == (75.0, "rendah", True, 1)

        # the same assessment twice: no duplicate; other content for the same NIP, date and method: a clear 409
        again = await http.post("/v1/assessments", json=first_body, headers=a.hr)
        assert again.status_code == 200 and again.json()["id"] == first["id"]
        changed = {**first_body, "assessor": "Another body"}
        body = assert_problem(await http.post("/v1/assessments", json=changed, headers=a.hr), 409, "assessed_on")
        assert f"/v1/assessments/{first['id']}/corrections" in body["detail"]

        # a re-assessment supersedes the previous one; history is kept
        second = await post(http, assessment(nip, {"Integritas": 4, "Kerjasama": 4}, assessed_on="2026-02-01"), a.hr)
        assert second["current"] and second["potential_level"] == "tinggi"
        old = (await http.get(f"/v1/assessments/{first['id']}", headers=a.hr)).json()
        assert (old["current"], old["superseded_by"], old["jpm"]) == (False, second["id"], 75.0)
        # an older assessment entered late is history at once
        late = await post(http, assessment(nip, {"Integritas": 3, "Kerjasama": 3}, assessed_on="2025-01-10",
                                           method="cact"), a.hr)
        assert (late["current"], late["superseded_by"]) == (False, second["id"])

        # a correction is a new version with its reason; the corrected version stays, superseded
        assert_problem(await http.post(f"/v1/assessments/{second['id']}/corrections", json={"reason": "typo"},
                                       headers=a.hr), 422)
        correction = {"reason": "Kerjasama was entered as 4; the report says 3",
                      "competencies": [{"competency": "Integritas", "achieved": 4}, {"competency": "Kerjasama", "achieved": 3}]}
        corrected = await http.post(f"/v1/assessments/{second['id']}/corrections", json=correction, headers=a.hr)
        assert corrected.status_code == 201, corrected.text
        v2 = corrected.json()
        assert (v2["assessment_id"], v2["version"], v2["change"], v2["reason"]) == (
            second["id"], 2, "correction", correction["reason"])
        assert (v2["jpm"], v2["potential_level"], v2["current"], v2["assessed_on"]) == (87.5, "menengah", True,
                                                                                        "2026-02-01")
        versions = (await http.get(f"/v1/assessments/{v2['id']}/versions", headers=a.hr)).json()
        assert [(v["version"], v["jpm"], v["current"]) for v in versions] == [(1, 100.0, False), (2, 87.5, True)]
        assert versions[0]["superseded_by"] == v2["id"]
        stale = await http.post(f"/v1/assessments/{second['id']}/corrections", json=correction, headers=a.hr)
        assert_problem(stale, 409, "id")
        # the same original sent again still finds it, and is no duplicate
        resent = await http.post("/v1/assessments", headers=a.hr,
                                 json=assessment(nip, {"Integritas": 4, "Kerjasama": 4}, assessed_on="2026-02-01"))
        assert resent.status_code == 200 and resent.json()["id"] == v2["id"]

        history = (await http.get("/v1/assessments", headers=a.hr, params={"nip": nip})).json()["items"]
        assert [(h["assessed_on"], h["version"], h["current"]) for h in history] == [
            ("2024-05-01", 1, False), ("2025-01-10", 1, False), ("2026-02-01", 1, False), ("2026-02-01", 2, True)]
        page = (await http.get("/v1/assessments", headers=a.hr, params={"nip": nip, "limit": 3})).json()
        rest = (await http.get("/v1/assessments", headers=a.hr,
                               params={"nip": nip, "limit": 3, "cursor": page["next_cursor"]})).json()
        assert [h["id"] for h in page["items"] + rest["items"]] == [h["id"] for h in history]
        current = (await http.get("/v1/assessments", headers=a.hr, params={"current_only": True})).json()["items"]
        assert [h["id"] for h in current] == [v2["id"]]

        # events: one per result, each naming what it supersedes
        events = [e for e in await outbox_events(runtime, "assessment.completed", a.id) if e["nip"] == nip]
        assert [(e["version"], e["change"], e["supersedes"]) for e in events] == [
            (1, "original", None), (1, "original", first["id"]), (1, "original", None),
            (2, "correction", second["id"])]
        assert events[-1]["reason"] == correction["reason"] and events[-1]["assessment_id"] == second["id"]

        # a result matched against the levels its request gave keeps them when a correction does not restate them
        unplaced = await seed_asn(runtime, a.id)
        given = await post(http, {**assessment(unplaced, {}), "competencies": [
            {"competency": "Integritas", "required": 4, "achieved": 2}]}, a.hr)
        fixed = await http.post(f"/v1/assessments/{given['id']}/corrections", headers=a.hr, json={
            "reason": "Integritas was 4", "competencies": [{"competency": "Integritas", "achieved": 4}]})
        assert fixed.status_code == 201 and fixed.json()["jpm"] == 100.0, fixed.text

        # who sees what
        assert (await http.get(f"/v1/assessments/{v2['id']}", headers=a.asn(nip))).status_code == 200
        mine = (await http.get("/v1/assessments", headers=a.asn(nip))).json()["items"]
        assert len(mine) == 4
        for outsider in (b.hr, a.asn(colleague)):
            assert_problem(await http.get(f"/v1/assessments/{v2['id']}", headers=outsider), 404)
            assert_problem(await http.get(f"/v1/assessments/{v2['id']}/versions", headers=outsider), 404)
        assert (await http.get("/v1/assessments", headers=b.hr)).json()["items"] == []
        assert (await http.get("/v1/assessments", headers=a.asn(colleague))).json()["items"] == []
        assert_problem(await http.get("/v1/assessments", headers=b.hr, params={"agency_id": a.id}), 422, "agency_id")
        assert_problem(await http.post(f"/v1/assessments/{v2['id']}/corrections", json=correction, headers=b.hr), 404)
        assert_problem(await http.post(f"/v1/assessments/{v2['id']}/corrections", json=correction,
                                       headers=a.asn(nip)), 403)
        assert len((await http.get("/v1/assessments", headers=BKN, params={"agency_id": a.id})).json()["items"]) == 6


async def test_skp_ratings_and_the_performance_level(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    a, b = Agency(unique, "a"), Agency(unique, "b")
    async with running(create_app, _settings(AssessmentSettings, kafka, tmp_path, unique)) as (http, runtime):
        nip = await seed_asn(runtime, a.id)

        async def rate(year: int, **judgement: str) -> None:
            response = await http.post("/v1/performance-ratings", json={"nip": nip, "year": year, **judgement},
                                       headers=a.hr)
            assert response.status_code == 201, response.text

        async def level() -> dict[str, Any]:
            return (await http.get(f"/v1/performance-levels/{nip}", headers=a.hr)).json()

        assert_problem(await http.get(f"/v1/performance-levels/{nip}", headers=a.hr), 404)
        await rate(2023, rating="sangat_kurang")
        await rate(2025, hasil_kerja="above", perilaku_kerja="above")  # Sangat Baik; 2024 missing → 2025 alone
        one = await level()
        assert (one["performance_level"], one["years_considered"]) == ("di_atas_ekspektasi", [2025])
        await rate(2024, hasil_kerja="meets", perilaku_kerja="below")  # Kurang: two years now, (5 + 2) / 2
        two = await level()
        assert (two["performance_level"], two["years_considered"], two["average_score"]) == (
            "sesuai_ekspektasi", [2025, 2024], 3.5)
        assert_problem(await http.post("/v1/performance-ratings", json={"nip": nip, "year": 2025, "rating": "baik"},
                                       headers=a.hr), 409, "year")
        assert_problem(await http.post("/v1/performance-ratings", json={"nip": nip, "year": 2999, "rating": "baik"},
                                       headers=a.hr), 422, "year")
        assert_problem(await http.post("/v1/performance-ratings", json={"nip": nip, "year": 2022, "rating": "baik",
                                                                        "hasil_kerja": "above"}, headers=a.hr), 422)
        ratings = (await http.get("/v1/performance-ratings", params={"nip": nip}, headers=a.asn(nip))).json()
        assert [(r["year"], r["rating"]) for r in ratings] == [(2025, "sangat_baik"), (2024, "kurang"),
                                                               (2023, "sangat_kurang")]
        events = await outbox_events(runtime, "performance.rated", a.id)
        # the late 2024 rating is published under 2025, the year the level stands for, naming 2024
        assert [(e["year"], e["rating"], e["performance_level"], e["recorded_year"]) for e in events] == [
            (2023, "sangat_kurang", "di_bawah_ekspektasi", None), (2025, "sangat_baik", "di_atas_ekspektasi", None),
            (2025, "sangat_baik", "sesuai_ekspektasi", 2024)]
        colleague = await seed_asn(runtime, a.id)
        for outsider in (b.hr, a.asn(colleague)):
            assert_problem(await http.get(f"/v1/performance-levels/{nip}", headers=outsider), 404)
            assert_problem(await http.get("/v1/performance-ratings", params={"nip": nip}, headers=outsider), 404)
        assert_problem(await http.post("/v1/performance-ratings", json={"nip": nip, "year": 2022, "rating": "baik"},
                                       headers=b.hr), 422, "nip")


async def test_the_profile_snapshot_names_the_position_whose_standard_applies(
    kafka: LocalKafka, tmp_path: Path, unique: str
) -> None:
    """Profile events on the real broker keep the read model's current position; the standard follows it."""
    a = Agency(unique, "a")
    nip = fresh_nip()
    snapshot = dict(nip=nip, agency_id=a.id, name="Rina", sex="female", birth_date=date(1980, 1, 1),
                    position_type="pengawas", position_code="kasubbag-umum", position_title="Kasubbag Umum")
    async with running(create_app, _settings(AssessmentSettings, kafka, tmp_path, unique)) as (http, runtime):
        for path, requirements in (("standards/kasubbag-umum", {"Integritas": 3, "Kerjasama": 3}),
                                   ("standards/kabag-umum", {"Integritas": 4, "Kerjasama": 4})):
            assert (await http.put(f"/v1/agencies/{a.id}/{path}", json={"requirements": requirements},
                                   headers=a.hr)).status_code == 201
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, enable_idempotence=True)
        await producer.start()
        try:
            for data in (ProfileRegistered(**snapshot),
                         ProfileUpdated(**{**snapshot, "position_type": "administrator",
                                           "position_code": "kabag-umum", "position_title": "Kabag Umum"})):
                envelope = Envelope.wrap(data, source="profile", subject=nip)
                await producer.send_and_wait(PROFILE_EVENTS, envelope.to_bytes(), key=nip.encode())
        finally:
            await producer.stop()

        async def promoted() -> bool:
            async with runtime.sessions() as session:
                asn = await session.get(KnownAsn, nip)
                return asn is not None and (asn.position_code, asn.position_title) == ("kabag-umum", "Kabag Umum")
        await eventually(promoted, what="the profile update to reach the read model")
        result = await post(http, assessment(nip, {"Integritas": 4, "Kerjasama": 3}), a.hr)
        assert (result["standard_source"], result["jpm"]) == ("position:kabag-umum", 87.5)


async def test_the_agencys_weights_and_thresholds_apply_to_new_results(kafka: LocalKafka, tmp_path: Path,
                                                                      unique: str) -> None:
    a = Agency(unique, "a")
    async with running(create_app, _settings(AssessmentSettings, kafka, tmp_path, unique)) as (http, runtime):
        assert (await http.post(f"/v1/agencies/{a.id}/competencies", json={"name": "Pengelolaan Keuangan"},
                                headers=a.hr)).status_code == 201
        assert (await http.put(f"/v1/agencies/{a.id}/standards/bendahara", headers=a.hr, json={"requirements": {
            "Integritas": 4, "Kerjasama": 4, "Pengelolaan Keuangan": 5}})).status_code == 201
        policy = await http.post(f"/v1/agencies/{a.id}/policy/versions", headers=a.hr, json={
            "potential_high": 80, "potential_medium": 68, "performance_above": 4.5, "performance_meets": 3.5,
            "weight_managerial_socio_cultural": 40, "weight_technical": 60, "assessment_valid_years": 2,
            "reason": "Perbup 3/2026: bendahara weighted to the technical side"})
        assert policy.status_code == 202, policy.text
        version = policy.json()["policy"]["version"]
        nip = await seed_asn(runtime, a.id, position_code="bendahara")
        # managerial 6/8 = 75 %, technical 5/5 = 100 %: 0.4 × 75 + 0.6 × 100 = 90 (unweighted 11/13 = 84.6)
        result = await post(http, assessment(nip, {"Integritas": 4, "Kerjasama": 2, "Pengelolaan Keuangan": 5}), a.hr)
        assert (result["jpm"], result["potential_level"], result["policy_version"], result["valid_until"]) == (
            90.0, "tinggi", version, "2028-03-02")
        # exactly the agency's own thresholds: Kerjasama not assessed (managerial 4/8 = 50 %), then
        # 0.4 × 50 + 0.6 × 100 = 80 → tinggi and 0.4 × 50 + 0.6 × 80 = 68 → menengah
        for technical, (jpm, level) in ((5, (80.0, "tinggi")), (4, (68.0, "menengah"))):
            other = await seed_asn(runtime, a.id, position_code="bendahara")
            scored = await post(http, assessment(other, {"Integritas": 4, "Pengelolaan Keuangan": technical}), a.hr)
            assert (scored["jpm"], scored["potential_level"]) == (jpm, level)
        event = (await outbox_events(runtime, "assessment.completed", a.id))[0]
        assert event["weights"] == {"managerial_socio_cultural": 40.0, "technical": 60.0}
        assert event["policy_version"] == version and event["jpm"] == 90.0
