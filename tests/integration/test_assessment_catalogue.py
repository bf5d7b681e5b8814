"""The competency catalogue and position standards: national seeds, agencies' technical competencies,
standards per position code and per position type, and agency isolation."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.local.kafka import LocalKafka
from services.assessment.app import create_app
from services.assessment.settings import AssessmentSettings
from tests.integration.assessment_helpers import NATIONAL_NINE, Agency, bearer, seed_asn
from tests.integration.test_http_api import _settings, assert_problem, running

pytestmark = pytest.mark.infra
BKN = bearer(subject="bkn-1", roles=["bkn"])


async def test_the_catalogue_is_seeded_and_agencies_add_technical_competencies(
    kafka: LocalKafka, tmp_path: Path, unique: str
) -> None:
    a, b = Agency(unique, "a"), Agency(unique, "b")
    async with running(create_app, _settings(AssessmentSettings, kafka, tmp_path, unique)) as (http, runtime):
        national = (await http.get("/v1/competencies", headers=a.hr)).json()
        kinds = {c["name"]: c["kind"] for c in national}
        assert [n for n in kinds if kinds[n] in ("managerial", "socio_cultural")] == NATIONAL_NINE
        assert kinds["Perekat Bangsa"] == "socio_cultural"
        assert {n for n, k in kinds.items() if k == "cact"} == {"Literasi Digital", "Emerging Skills"}
        assert all(c["owner"] == "national" for c in national)

        technical = {"name": "Pengelolaan Keuangan Daerah", "description": "APBD, akuntansi"}
        added = await http.post(f"/v1/agencies/{a.id}/competencies", json=technical, headers=a.hr)
        assert added.status_code == 201 and added.json()["kind"] == "technical" and added.json()["owner"] == a.id
        assert_problem(await http.post(f"/v1/agencies/{a.id}/competencies", json=technical, headers=a.hr), 409, "name")
        assert_problem(await http.post(f"/v1/agencies/{a.id}/competencies", json={"name": "Integritas"},
                                       headers=a.hr), 409, "name")
        assert_problem(await http.post(f"/v1/agencies/{a.id}/competencies", json={"name": "x"}, headers=a.hr),
                       422, "name")
        # another agency neither sees nor changes it; BKN sees it; nobody but HR adds
        assert_problem(await http.post(f"/v1/agencies/{a.id}/competencies", json=technical, headers=b.hr), 404)
        assert "Pengelolaan Keuangan Daerah" not in (await http.get("/v1/competencies", headers=b.hr)).text
        assert_problem(await http.get("/v1/competencies", headers=b.hr, params={"agency_id": a.id}), 404)
        mine = (await http.get("/v1/competencies", headers=a.hr, params={"kind": "technical"})).json()
        assert [c["name"] for c in mine] == ["Pengelolaan Keuangan Daerah"]
        assert "Pengelolaan Keuangan Daerah" in (await http.get("/v1/competencies", headers=BKN,
                                                                params={"agency_id": a.id})).text
        assert_problem(await http.post(f"/v1/agencies/{a.id}/competencies", json=technical, headers=BKN), 403)
        assert_problem(await http.post(f"/v1/agencies/{a.id}/competencies", json=technical, headers=a.committee), 403)
        assert_problem(await http.get("/v1/competencies"), 401)
        nip = await seed_asn(runtime, a.id)
        assert (await http.get("/v1/competencies", headers=a.asn(nip))).status_code == 200


async def test_standards_per_position_and_per_position_type(kafka: LocalKafka, tmp_path: Path, unique: str) -> None:
    a, b = Agency(unique, "a"), Agency(unique, "b")
    async with running(create_app, _settings(AssessmentSettings, kafka, tmp_path, unique)) as (http, _):
        assert (await http.post(f"/v1/agencies/{a.id}/competencies", json={"name": "Perencanaan Pembangunan"},
                                headers=a.hr)).status_code == 201
        standard = {"title": "Kepala Bidang Perencanaan",
                    "requirements": {"Integritas": 4, "Pengambilan Keputusan": 4, "Perencanaan Pembangunan": 4}}
        created = await http.put(f"/v1/agencies/{a.id}/standards/bappeda.kabid-renc", json=standard, headers=a.hr)
        assert created.status_code == 201, created.text
        replaced = await http.put(f"/v1/agencies/{a.id}/standards/bappeda.kabid-renc",
                                  json={**standard, "requirements": {**standard["requirements"], "Integritas": 5}},
                                  headers=a.hr)
        assert replaced.status_code == 200 and replaced.json()["requirements"]["Integritas"] == 5
        default = await http.put(f"/v1/agencies/{a.id}/default-standards/pengawas",
                                 json={"requirements": {"Integritas": 3, "Kerjasama": 3}}, headers=a.hr)
        assert default.status_code == 201 and default.json()["scope"] == "position_type"

        # bad input names the field
        assert_problem(await http.put(f"/v1/agencies/{a.id}/standards/x", json={"requirements": {"Integritas": 6}},
                                      headers=a.hr), 422)
        assert_problem(await http.put(f"/v1/agencies/{a.id}/standards/x", json={"requirements": {"Menyanyi": 3}},
                                      headers=a.hr), 422, "requirements.Menyanyi")
        assert_problem(await http.put(f"/v1/agencies/{a.id}/standards/x", json={"requirements": {}}, headers=a.hr),
                       422, "requirements")
        # another agency's technical competency is not in this agency's catalogue
        assert_problem(await http.put(f"/v1/agencies/{b.id}/standards/x",
                                      json={"requirements": {"Perencanaan Pembangunan": 3}}, headers=b.hr),
                       422, "requirements.Perencanaan Pembangunan")

        listed = (await http.get(f"/v1/agencies/{a.id}/standards", headers=a.committee)).json()
        assert [(s["scope"], s["key"]) for s in listed] == [("position", "bappeda.kabid-renc"),
                                                            ("position_type", "pengawas")]
        assert len((await http.get(f"/v1/agencies/{a.id}/standards", headers=BKN)).json()) == 2
        # isolation: agency B neither reads nor writes A's standards
        assert_problem(await http.get(f"/v1/agencies/{a.id}/standards", headers=b.hr), 404)
        assert_problem(await http.put(f"/v1/agencies/{a.id}/standards/y", json=standard, headers=b.hr), 404)
        assert_problem(await http.put(f"/v1/agencies/{a.id}/default-standards/pengawas", json=standard,
                                      headers=b.hr), 404)
        assert_problem(await http.put(f"/v1/agencies/{a.id}/standards/y", json=standard, headers=a.committee), 403)
        assert_problem(await http.put(f"/v1/agencies/{a.id}/standards/y", json=standard, headers=BKN), 403)
