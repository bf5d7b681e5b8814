"""Benchmark of the assessment service's bulk imports, with real Kafka and PostgreSQL started here.

    .venv/bin/python -m tests.bench.bench_assessment_import [--rows 100000]

Runs the assessment service in this process (its import runner and outbox relay, as in production), seeds
`--rows` ASN into its read model with a position standard of nine competencies, writes two files to disk —
an assessment centre's batch (CSV, a column per competency) and an agency's SKP ratings for a year (CSV) —
uploads each (streamed), and measures rows/s until the job is done (the relay paused) and events/s until the
relay has published them to Kafka (acks=all), and the two together. Baseline in the same run: the same rows inserted into a copy of the table with no validation, no
computation and no events (SQLAlchemy Core executemany in chunks of 1,000, the import's chunk size).
Memory: the process's resident set is sampled while each import runs; the files are never held in memory.
Last, a policy change re-evaluates all those ASN in the background job (batches of 500): ASN/s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text

from deploy.local.kafka import LocalKafka
from deploy.local.postgres import LocalPostgres
from services.assessment.app import create_app
from services.assessment.models import Assessment, KnownAsn, PerformanceRating
from services.assessment.settings import AssessmentSettings
from shared.auth import mint_token
from tests.bench.procstat import own_peak_rss_mb

AGENCY = "kab-bench"
COMPETENCIES = ["Integritas", "Kerjasama", "Komunikasi", "Orientasi pada Hasil", "Pelayanan Publik",
                "Pengembangan Diri dan Orang Lain", "Mengelola Perubahan", "Pengambilan Keputusan", "Perekat Bangsa"]
HR = {"Authorization": "Bearer " + mint_token(subject="hr-bench", roles=["hr_admin"], agency_id=AGENCY)}


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _nips(rows: int) -> list[str]:
    """18-digit identifiers, distinct (the import checks the NIP's form and the read model, not its dates)."""
    return [str(196001012005010000 + n) for n in range(rows)]


def _write_files(directory: Path, nips: list[str]) -> tuple[Path, Path]:
    rng = random.Random(7)
    assessments, ratings = directory / "assessments.csv", directory / "ratings.csv"
    with assessments.open("w") as out:
        out.write("nip,assessed_on,method,assessor," + ",".join(COMPETENCIES) + "\n")
        for nip in nips:
            out.write(f"{nip},2026-05-04,assessment_centre,UPT Penilaian Kompetensi,"
                      + ",".join(str(rng.randint(2, 5)) for _ in COMPETENCIES) + "\n")
    judgements = ("below", "meets", "above")
    with ratings.open("w") as out:
        out.write("nip,year,hasil_kerja,perilaku_kerja\n")
        for nip in nips:
            out.write(f"{nip},2025,{rng.choice(judgements)},{rng.choice(judgements)}\n")
    return assessments, ratings


async def _stream(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(256 * 1024):
            yield chunk


async def _pending(runtime: Any) -> int:
    outbox = runtime.outbox.table
    async with runtime.sessions() as session:
        return await session.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))) or 0


async def _import(http: httpx.AsyncClient, runtime: Any, kind: str, path: Path, rows: int) -> dict[str, float]:
    """Import with the relay paused (the import's own rate), then publish (the relay's rate): a 2-core machine
    runs the two one after the other anyway, and apart they say where the time goes."""
    peak, sampling = [_rss_mb()], True

    async def sample() -> None:
        while sampling:
            peak.append(_rss_mb())
            await asyncio.sleep(0.25)

    sampler = asyncio.create_task(sample())
    await runtime.relay.stop()
    started = time.perf_counter()
    response = await http.post(f"/v1/imports/{kind}", content=_stream(path), headers={**HR, "content-type": "text/csv"})
    assert response.status_code == 202, response.text
    while True:
        job = (await http.get(response.headers["Location"], headers=HR)).json()
        if job["state"] in ("done", "failed"):
            break
        await asyncio.sleep(0.2)
    imported = time.perf_counter() - started
    assert job["state"] == "done" and job["accepted"] == rows, job
    events = await _pending(runtime)
    runtime.relay.start()
    publishing = time.perf_counter()
    while await _pending(runtime):
        await asyncio.sleep(0.2)
    published = time.perf_counter() - publishing
    sampling = False
    await sampler
    return {"imported": rows / imported, "published": events / published, "overall": rows / (imported + published),
            "rss_start": peak[0], "rss_peak": max(peak), "seconds": imported + published}


async def _reevaluate(http: httpx.AsyncClient, runtime: Any, rows: int) -> dict[str, float]:
    """A policy change over the whole agency (80/68, the last year alone): the background job's rate."""
    started = time.perf_counter()
    response = await http.post(f"/v1/agencies/{AGENCY}/policy/versions", headers=HR, json={
        "potential_high": 80, "potential_medium": 68, "performance_above": 4.5, "performance_meets": 3.5,
        "performance_years": 1, "reason": "benchmark"})
    assert response.status_code == 202, response.text
    while True:
        job = (await http.get(response.headers["Location"], headers=HR)).json()
        if job["state"] != "queued" and job["state"] != "running":
            break
        await asyncio.sleep(0.5)
    seconds = time.perf_counter() - started
    assert job["state"] == "succeeded" and job["processed"] == rows, job
    return {"asn_per_second": rows / seconds, "seconds": seconds, "changed": job["assessments_changed"],
            "events": job["events_emitted"]}


async def _baseline(runtime: Any, model: Any, rows: list[dict[str, Any]]) -> float:
    table = model.__table__
    async with runtime.sessions() as session, session.begin():
        await session.execute(text(f"CREATE TABLE baseline_{table.name} (LIKE {table.name} INCLUDING ALL)"))
    copy = table.to_metadata(type(table.metadata)(), name=f"baseline_{table.name}")
    started = time.perf_counter()
    for start in range(0, len(rows), 1000):
        async with runtime.sessions() as session, session.begin():
            await session.execute(insert(copy), rows[start:start + 1000])
    return len(rows) / (time.perf_counter() - started)


async def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        kafka, postgres = LocalKafka(directory / "kafka"), LocalPostgres(directory / "pg")
        kafka.start()
        postgres.start()
        try:
            postgres.create_database("assessment")
            settings = AssessmentSettings(database_url=postgres.url("assessment"),
                                          kafka_bootstrap_servers=kafka.bootstrap_servers,
                                          kafka_group_prefix=f"bench-{uuid.uuid4().hex[:6]}", data_dir=directory / "var")
            nips = _nips(rows)
            assert len(set(nips)) == rows
            assessments, ratings = _write_files(directory, nips)
            app = create_app(settings)
            async with app.router.lifespan_context(app):
                runtime = app.state.runtime
                now = datetime.now(UTC)
                for start in range(0, rows, 5000):
                    async with runtime.sessions() as session, session.begin():
                        await session.execute(insert(KnownAsn), [
                            {"nip": nip, "agency_id": AGENCY, "name": f"ASN {nip[-6:]}", "position_code": "staf",
                             "updated_at": now} for nip in nips[start:start + 5000]])
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                             timeout=60) as http:
                    put = await http.put(f"/v1/agencies/{AGENCY}/standards/staf", headers=HR,
                                         json={"requirements": {c: 4 for c in COMPETENCIES}})
                    assert put.status_code == 201, put.text
                    size = {p.name: p.stat().st_size / 2**20 for p in (assessments, ratings)}
                    print(f"{rows:,} rows per file (assessments {size['assessments.csv']:.1f} MB, "
                          f"ratings {size['ratings.csv']:.1f} MB); chunk {settings.import_chunk_rows} rows; "
                          "2 cores shared with other work")
                    results = {kind: await _import(http, runtime, kind, path, rows)
                               for kind, path in (("assessments", assessments), ("performance-ratings", ratings))}
                    reevaluation = await _reevaluate(http, runtime, rows)
                base = {
                    "assessments": await _baseline(runtime, Assessment, [
                        {"id": str(uuid.uuid4()), "assessment_id": str(uuid.uuid4()), "nip": nip, "agency_id": AGENCY,
                         "assessed_on": date(2026, 5, 4), "method": "cact", "assessor": "x", "competencies": [],
                         "standard": [], "jpm": 80.0, "potential_level": "menengah", "valid_until": date(2029, 5, 4),
                         "policy_version": "default-1", "recorded_by": "bench", "recorded_at": now} for nip in nips]),
                    "performance-ratings": await _baseline(runtime, PerformanceRating, [
                        {"id": str(uuid.uuid4()), "nip": nip, "agency_id": AGENCY, "year": 2025, "rating": "baik",
                         "recorded_by": "bench", "recorded_at": now} for nip in nips]),
                }
            for kind, r in results.items():
                print(f"{kind:20} import {r['imported']:>7,.0f} rows/s   then publish {r['published']:>7,.0f} events/s   "
                      f"overall {r['overall']:>7,.0f} rows/s ({r['seconds']:.1f} s)   RSS {r['rss_start']:.0f} → "
                      f"peak {r['rss_peak']:.0f} MB   baseline bare insert {base[kind]:>7,.0f} rows/s")
            print(f"policy change re-evaluating {rows:,} ASN: {reevaluation['asn_per_second']:,.0f} ASN/s "
                  f"({reevaluation['seconds']:.1f} s; {reevaluation['changed']:,} results changed, "
                  f"{reevaluation['events']:,} events)")
            print(f"peak RSS of this process: {own_peak_rss_mb():.0f} MB (includes the baseline's rows in memory)")
        finally:
            postgres.stop()
            kafka.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().rows))
