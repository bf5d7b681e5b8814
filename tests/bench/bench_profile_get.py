"""GET one profile under load: the profile service as a process on PostgreSQL, driven by wrk (Debian).

    .venv/bin/python -m tests.bench.bench_profile_get [--profiles 2000] [--seconds 15]

Runs wrk paced at about 500 requests/s (25 connections, each waiting 46 ms between requests through wrk's
Lua `delay()`, as Debian's wrk has no -R), then closed-loop at its own pace; each against GET /health (no
auth, no database) as the baseline in the same run. Prints wrk's latency distribution (p50/p90/p99),
throughput, and the service's CPU time per request (user + system, from /proc).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from deploy.local.kafka import LocalKafka, free_port
from deploy.local.postgres import LocalPostgres
from deploy.local.run import ServiceProcess
from shared.auth import mint_token
from tests.bench.procstat import tree_cpu_seconds

LUA = """
local nips = {}
for line in io.lines("%s") do nips[#nips + 1] = line end
request = function()
  return wrk.format("GET", "/v1/profiles/" .. nips[math.random(#nips)], {["Authorization"] = "Bearer %s"})
end
"""
PACED = """
delay = function() return 46 end
"""


def main(profiles: int, seconds: int, workers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        kafka, postgres = LocalKafka(root / "kafka"), LocalPostgres(root / "pg")
        kafka.start()
        postgres.start()
        postgres.create_database("profile")
        service = ServiceProcess("profile", free_port(), {**os.environ, "DATABASE_URL": postgres.url("profile"),
                                                          "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
                                                          "LOG_LEVEL": "WARNING"}, root / "profile.log", workers=workers)
        try:
            service.start()
            service.wait_ready(time.monotonic() + 90)
            bkn = {"Authorization": "Bearer " + mint_token(subject="bkn", roles=["bkn"])}
            hr = {"Authorization": "Bearer " + mint_token(subject="hr", roles=["hr_admin"], agency_id="kab-bench")}
            with httpx.Client(base_url=service.url, timeout=30) as http:
                http.post("/v1/agencies", headers=bkn, json={"id": "kab-bench", "name": "Bench", "kind": "regency",
                                                               "time_zone": "WIB"}).raise_for_status()
                nips = []
                for i in range(profiles):
                    birth = f"19{60 + i % 35:02d}0{1 + i % 9}1{i % 9}"
                    nip = f"{birth}2015051{i % 1000:03d}"
                    response = http.post("/v1/profiles", headers=hr, json={
                        "nip": nip, "agency_id": "kab-bench", "name": f"ASN {i}", "sex": "male",
                        "birth_date": f"{birth[0:4]}-{birth[4:6]}-{birth[6:8]}"})
                    if response.status_code == 201:
                        nips.append(nip)
            (root / "nips.txt").write_text("\n".join(nips) + "\n")
            token = hr["Authorization"].removeprefix("Bearer ")
            (root / "get.lua").write_text(LUA % (root / "nips.txt", token))
            print(f"{len(nips)} profiles registered; wrk for {seconds}s each")
            (root / "paced.lua").write_text(PACED)
            (root / "get-paced.lua").write_text(LUA % (root / "nips.txt", token) + PACED)
            assert service.process is not None
            subprocess.run(["wrk", "-t1", "-c10", "-d3s", "-s", str(root / "get.lua"), service.url + "/"],
                           capture_output=True)  # warm-up: every worker started, connections pooled
            for mode, scripts in (("paced ~500/s", (root / "paced.lua", root / "get-paced.lua")),
                                  ("closed loop", (None, root / "get.lua"))):
                for title, path, script in (("GET /health (baseline)", "/health", scripts[0]),
                                            ("GET /v1/profiles/{nip}", "/", scripts[1])):
                    command = ["wrk", "-t1", "-c25" if script and script.name.endswith("paced.lua") else "-c10", f"-d{seconds}s", "--latency"] + (["-s", str(script)] if script else [])
                    cpu_before = tree_cpu_seconds(service.process.pid)
                    output = subprocess.run([*command, service.url + path], capture_output=True, text=True).stdout
                    cpu = tree_cpu_seconds(service.process.pid) - cpu_before
                    requests = int(next((l.split()[0] for l in output.splitlines() if "requests in" in l), "0"))
                    lines = [l.strip() for l in output.splitlines()
                             if l.strip().startswith(("50%", "90%", "99%", "Requests/sec", "Non-2xx"))]
                    print(f"{title:<24} {mode:<13}: " + " | ".join(lines)
                          + (f" | service CPU {1000 * cpu / requests:.2f} ms/request" if requests else ""))
        finally:
            service.stop()
            postgres.stop()
            kafka.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes of the service")
    args = parser.parse_args()
    main(args.profiles, args.seconds, args.workers)
