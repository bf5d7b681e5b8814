"""Load the synthetic regency through the public HTTP APIs of profile, assessment and succession.

    make demo            (with `make run` going; or: python -m deploy.demo.load --size 700)

Registers the agency, its units and ~700 ASN (with education and training), their SKP ratings and
assessments; then, once succession has placed them, the talent committee, eligibility rules, a dozen
key positions and a committee session with its agenda. Prints what there is to look at.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from deploy.demo.regency import Person, Regency, generate
from deploy.local.run import DEFAULT_PORTS
from shared.auth import mint_token


@dataclass(frozen=True)
class Urls:
    profile: str = f"http://127.0.0.1:{DEFAULT_PORTS['profile']}"
    assessment: str = f"http://127.0.0.1:{DEFAULT_PORTS['assessment']}"
    succession: str = f"http://127.0.0.1:{DEFAULT_PORTS['succession']}"
    notification: str = f"http://127.0.0.1:{DEFAULT_PORTS['notification']}"


def _auth(subject: str, role: str, agency: str | None = None, nip: str | None = None) -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_token(subject=subject, roles=[role], agency_id=agency, nip=nip)}


class DemoFailed(RuntimeError):
    pass


async def _ok(response: Awaitable[httpx.Response], *accept: int) -> httpx.Response:
    answer = await response
    if answer.status_code not in (accept or (200, 201)):
        raise DemoFailed(f"{answer.request.method} {answer.request.url} → {answer.status_code}: {answer.text[:500]}")
    return answer


async def _each(items: Iterable[Any], work: Callable[[Any], Awaitable[None]], concurrency: int = 16) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(item: Any) -> None:
        async with gate:
            await work(item)

    await asyncio.gather(*(one(item) for item in items))


async def _until(check: Callable[[], Awaitable[bool]], deadline: float, what: str) -> None:
    while not await check():
        if time.monotonic() > deadline:
            raise DemoFailed(f"timed out waiting for {what}")
        await asyncio.sleep(0.5)


async def load(regency: Regency, urls: Urls = Urls(), *, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    agency = regency.agency_id
    bkn, hr = _auth("bkn-demo", "bkn"), _auth("hr-demo", "hr_admin", agency)
    async with httpx.AsyncClient(timeout=30) as http:
        await _ok(http.post(f"{urls.profile}/v1/agencies", headers=bkn, json={
            "id": agency, "name": regency.name, "kind": "regency", "time_zone": "WIB"}), 201, 409)
        for unit in regency.units:
            await _ok(http.post(f"{urls.profile}/v1/agencies/{agency}/units", headers=hr,
                                json={"id": unit, "name": unit.upper()}), 201, 409)

        async def register(person: Person) -> None:
            await _ok(http.post(f"{urls.profile}/v1/profiles", headers=hr, json={
                "nip": person.nip, "agency_id": agency, "unit_id": person.unit_id, "name": person.name,
                "sex": person.sex, "birth_date": person.birth_date.isoformat(), "position_type": person.position_type,
                "golongan": person.golongan, "email": f"{person.nip}@demo.example"}), 201, 409)
            portfolio = f"{urls.profile}/v1/profiles/{person.nip}/portfolio"
            await _ok(http.post(portfolio, headers=hr, json={"kind": "education", "level": person.education,
                                                             "major": "Administrasi Publik", "institution": "Universitas Demo",
                                                             "year": person.birth_date.year + 23}))
            if person.training_hours:
                await _ok(http.post(portfolio, headers=hr, json={
                    "kind": "training", "name": "Diklat teknis", "hours": person.training_hours,
                    "completed_on": f"{max(person.ratings)}-06-01"}))

        await _each(regency.people, register)

        async def assess(person: Person) -> None:
            for year, rating in sorted(person.ratings.items()):
                while True:  # the assessment service learns of the profile from its event, a moment later
                    answer = await http.post(f"{urls.assessment}/v1/performance-ratings", headers=hr,
                                             json={"nip": person.nip, "year": year, "rating": rating.value})
                    if answer.status_code != 422 or "known" not in answer.text or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.5)
                if answer.status_code not in (200, 201):
                    raise DemoFailed(f"rating {person.nip} {year} → {answer.status_code}: {answer.text[:300]}")
            await _ok(http.post(f"{urls.assessment}/v1/assessments", headers=hr, json={
                "nip": person.nip, "assessed_on": person.assessed_on.isoformat(), "method": "cact",
                "assessor": "UPT Penilaian Kompetensi BKN", "competencies": [
                    {"competency": c, "required": r, "achieved": a} for c, r, a in person.competencies]}))

        await _each(regency.people, assess)

        async def placed() -> bool:
            boxes = (await _ok(http.get(f"{urls.succession}/v1/reports/agencies/{agency}/boxes", headers=hr))).json()
            return boxes["total"] >= len(regency.people)

        await _until(placed, deadline, "succession to place everyone")
        return await _succession(http, urls, regency, hr)


async def _succession(http: httpx.AsyncClient, urls: Urls, regency: Regency, hr: dict[str, str]) -> dict[str, Any]:
    agency, base = regency.agency_id, urls.succession
    await _ok(http.post(f"{base}/v1/eligibility-rules/{agency}", headers=hr, json={
        "position_type": "jpt_pratama", "rules": {"min_education": "S1", "max_age": 56,
                                                  "min_skp_rating": {"rating": "baik", "years": 2}}}))
    await _ok(http.post(f"{base}/v1/eligibility-rules/{agency}", headers=hr, json={
        "position_type": "administrator", "rules": {"min_education": "S1",
                                                    "min_skp_rating": {"rating": "baik", "years": 2}}}))
    for spec in regency.key_positions:
        await _ok(http.post(f"{base}/v1/key-positions", headers=hr, json={
            "id": spec.id, "agency_id": agency, "title": spec.title, "position_type": spec.position_type,
            "standard": spec.standard, "incumbent_nip": spec.incumbent_nip}), 201, 409)
    for subject, name, role in regency.committee:
        await _ok(http.post(f"{base}/v1/committees/{agency}/members", headers=hr,
                            json={"subject": subject, "name": name, "role": role}), 201, 409)
    meeting = (await _ok(http.post(f"{base}/v1/committees/{agency}/sessions", headers=hr, json={
        "held_on": time.strftime("%Y-%m-%d"), "title": "Sidang Komite Talenta",
        "agenda": "Kalibrasi kotak 7–9 dan kotak tengah; kandidat suksesor jabatan kunci"}))).json()
    agenda = (await _ok(http.post(f"{base}/v1/committees/{agency}/sessions/{meeting['id']}/agenda/generate",
                                  headers=hr))).json()
    boxes = (await _ok(http.get(f"{base}/v1/reports/agencies/{agency}/boxes", headers=hr))).json()
    pool = (await _ok(http.get(f"{base}/v1/pools/agencies/{agency}", headers=hr))).json()
    coverage = (await _ok(http.get(f"{base}/v1/reports/agencies/{agency}/succession-coverage", headers=hr))).json()
    plan = (await _ok(http.get(f"{base}/v1/key-positions/{regency.key_positions[0].id}/plan", headers=hr))).json()
    star = pool["members"][0]["nip"] if pool["members"] else regency.people[0].nip
    inbox = (await _ok(http.get(f"{urls.notification}/v1/inbox", headers=_auth(star, "asn", agency, star)))).json()
    return {"agency": agency, "people": len(regency.people), "by_box": boxes["by_box"],
            "succession_group": len(pool["members"]), "screened_out": len(pool["screened_out"]),
            "key_positions": coverage["key_positions"], "with_ready_successor": coverage["with_ready_successor"],
            "open_risks": len(coverage["open_risks"]), "session": meeting["id"], "agenda_items": len(agenda),
            "first_plan": {"position": plan["position"]["id"], "candidates": len(plan["candidates"]),
                           "ready_now": plan["ready_now"]},
            "inbox_of": star, "inbox_messages": len(inbox["items"])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Load a synthetic regency through the public APIs.")
    parser.add_argument("--size", type=int, default=700)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args(argv)
    started = time.monotonic()
    summary = asyncio.run(load(generate(args.size, seed=args.seed), timeout=args.timeout))
    print(f"loaded in {time.monotonic() - started:.0f} s")
    for key, value in summary.items():
        print(f"  {key}: {value}")
    hr = "python -m shared.auth --sub hr-demo --role hr_admin --agency " + summary["agency"]
    print(f"look: HR=$(.venv/bin/{hr}); curl -s -H \"Authorization: Bearer $HR\" "
          f"{Urls().succession}/v1/reports/agencies/{summary['agency']}/boxes")


if __name__ == "__main__":
    main()
