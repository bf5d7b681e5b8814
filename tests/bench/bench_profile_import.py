"""Bulk import of ASN profiles into the profile service (a process, on PostgreSQL), events published to Kafka.

    .venv/bin/python -m tests.bench.bench_profile_import [--rows 100000] [--rows 1000000]

For each size: writes a CSV of valid, distinct ASN (half with a current position and rank), then
  baseline: PostgreSQL's COPY of the same file into a bare table (the database's raw ingest, no checks);
  import:   POST /v1/imports/profiles (streamed upload) → job done, and every event (profile.registered and
            data_quality.changed per row) published to Kafka;
and prints rows/s for both, the time to the job's end and to the last event, and the service's peak RSS
(VmHWM of the process, which must not grow with the file). Set TRACES=jsonl to also count the spans.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from deploy.local.kafka import LocalKafka, free_port
from deploy.local.postgres import LocalPostgres
from deploy.local.run import ServiceProcess
from shared.auth import mint_token
from shared.events.topics import PROFILE_EVENTS
from shared.imports.cli import follow, upload
from tests.bench.procstat import peak_rss_mb, process_cpu_seconds

AGENCY = "kab-bench"
HEADER = "nip,agency_id,unit_id,name,sex,birth_date,email,position_type,position_title,position_code,position_start,golongan,golongan_tmt\n"


def write_csv(path: Path, rows: int) -> None:
    first = date(1965, 1, 1)
    with path.open("w") as file:
        file.write(HEADER)
        for i in range(rows):
            birth = first + timedelta(days=i // 2000)
            sex = 1 + (i // 1000) % 2
            nip = f"{birth:%Y%m%d}201001{sex}{i % 1000:03d}"
            extra = (f"pelaksana,Analis SDM Aparatur,{AGENCY}.analis-sdm,2015-01-02,III/a,2011-04-01" if i % 2 else ",,,,,")
            file.write(f"{nip},{AGENCY},{AGENCY}-bkpsdm,ASN {i},{'male' if sex == 1 else 'female'},{birth:%Y-%m-%d},"
                       f"asn{i}@bench.go.id,{extra}\n")


async def copy_baseline(dsn: str, path: Path) -> float:
    connection = await asyncpg.connect(dsn)
    try:
        columns = HEADER.strip().split(",")
        await connection.execute(f"CREATE TABLE copy_baseline ({', '.join(c + ' text' for c in columns)})")
        started = time.perf_counter()
        await connection.copy_to_table("copy_baseline", source=str(path), format="csv", header=True)
        return time.perf_counter() - started
    finally:
        await connection.execute("DROP TABLE IF EXISTS copy_baseline")
        await connection.close()


async def events_on_topic(bootstrap: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(PROFILE_EVENTS) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(PROFILE_EVENTS) or set()
        ends = await consumer.end_offsets([TopicPartition(PROFILE_EVENTS, p) for p in partitions])
        return sum(ends.values())
    finally:
        await consumer.stop()


def run(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        kafka, postgres = LocalKafka(root / "kafka"), LocalPostgres(root / "pg")
        kafka.start()
        postgres.start()
        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers, "LOG_LEVEL": "WARNING",
               "DATA_DIR": str(root / "var"), "OTEL_TRACES_EXPORTER": os.environ.get("TRACES", "none"),
               "TALENTA_TRACES_FILE": str(root / "spans.jsonl")}
        try:
            for rows in sizes:
                database = f"profile{rows}"
                postgres.create_database(database)
                service = ServiceProcess("profile", free_port(), {**env, "DATABASE_URL": postgres.url(database),
                                                                  "KAFKA_GROUP_PREFIX": database},
                                         root / f"profile-{rows}.log")
                csv_path = root / f"asn-{rows}.csv"
                write_csv(csv_path, rows)
                dsn = postgres.url(database).replace("postgresql+asyncpg", "postgresql")
                copy_seconds = asyncio.run(copy_baseline(dsn, csv_path))
                service.start()
                try:
                    service.wait_ready(time.monotonic() + 90)
                    assert service.process is not None
                    rss_idle = peak_rss_mb(service.process.pid)
                    bkn = {"Authorization": "Bearer " + mint_token(subject="bkn", roles=["bkn"])}
                    hr = {"Authorization": "Bearer " + mint_token(subject="hr", roles=["hr_admin"], agency_id=AGENCY)}
                    events_before = asyncio.run(events_on_topic(kafka.bootstrap_servers))
                    with httpx.Client(base_url=service.url, timeout=600) as http:
                        http.post("/v1/agencies", headers=bkn, json={"id": AGENCY, "name": "Bench", "kind": "regency",
                                                                       "time_zone": "WIB"}).raise_for_status()
                        http.post(f"/v1/agencies/{AGENCY}/units", headers=hr,
                                  json={"id": f"{AGENCY}-bkpsdm", "name": "BKPSDM"}).raise_for_status()
                        http.headers.update(hr)
                        started, cpu_before = time.perf_counter(), process_cpu_seconds(service.process.pid)
                        job = follow(http, upload(http, "profiles", csv_path), poll_seconds=1.0)
                        job_seconds = time.perf_counter() - started
                    expected = events_before + 2 * job["accepted"]
                    while asyncio.run(events_on_topic(kafka.bootstrap_servers)) < expected:
                        time.sleep(0.5)  # polling Kafka's end offsets until every event is out
                    all_seconds = time.perf_counter() - started
                    cpu = process_cpu_seconds(service.process.pid) - cpu_before
                    rss = peak_rss_mb(service.process.pid)
                finally:
                    service.stop()
                size_mb = csv_path.stat().st_size / 1e6
                print(f"\n== {rows:,} rows ({size_mb:.0f} MB CSV) ==")
                print(f"baseline  PostgreSQL COPY into a bare table     {rows / copy_seconds:>10,.0f} rows/s ({copy_seconds:.1f} s)")
                print(f"import    job done (state {job['state']}, accepted {job['accepted']:,}, rejected {job['rejected']:,})"
                      f"  {rows / job_seconds:>10,.0f} rows/s ({job_seconds:.1f} s)")
                print(f"import    + all {2 * job['accepted']:,} events published to Kafka  {rows / all_seconds:>10,.0f} rows/s"
                      f" ({all_seconds:.1f} s)")
                print(f"service   peak RSS {rss:.0f} MB (after start-up {rss_idle:.0f} MB); "
                      f"CPU {1e6 * cpu / rows:.0f} µs per row (import, outbox, relay)")
                spans = root / "spans.jsonl"
                if spans.exists():
                    print(f"traces    {sum(1 for _ in spans.open()):,} spans recorded")
                    spans.unlink()
        finally:
            postgres.stop()
            kafka.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="rows per run (repeatable); default 100000")
    args = parser.parse_args()
    run(args.rows or [100_000])
