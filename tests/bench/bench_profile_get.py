"""GET one profile under load: the profile service as a process on PostgreSQL, driven by wrk (Debian).

    .venv/bin/python -m tests.bench.bench_profile_get [--profiles 2000] [--seconds 15]

Runs wrk twice — at 500 requests/s if the installed wrk paces requests (wrk2's -R), and closed-loop at
its own pace — with a baseline in the same run: GET /health (no auth, no database). Prints wrk's latency
distribution (p50/p90/p99) and throughput.
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

LUA = """
local nips = {}
for line in io.lines("%s") do nips[#nips + 1] = line end
request = function()
  return wrk.format("GET", "/v1/profiles/" .. nips[math.random(#nips)], {["Authorization"] = "Bearer %s"})
end
"""


def main(profiles: int, seconds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        kafka, postgres = LocalKafka(root / "kafka"), LocalPostgres(root / "pg")
        kafka.start()
        postgres.start()
        postgres.create_database("profile")
        service = ServiceProcess("profile", free_port(), {**os.environ, "DATABASE_URL": postgres.url("profile"),
                                                          "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
                                                          "LOG_LEVEL": "WARNING"}, root / "profile.log")
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
            paced = subprocess.run(["wrk", "-R", "500"], capture_output=True, text=True).returncode != 1
            runs = [("GET /health (baseline)", ["-t1", "-c10"], "/health", None),
                    ("GET /v1/profiles/{nip}", ["-t1", "-c10"], "/", root / "get.lua")]
            for title, args, path, script in runs:
                command = ["wrk", *args, f"-d{seconds}s", "--latency"] + (["-s", str(script)] if script else [])
                if paced:
                    command += ["-R", "500"]
                output = subprocess.run([*command, service.url + path], capture_output=True, text=True).stdout
                lines = [l.strip() for l in output.splitlines()
                         if l.strip().startswith(("50%", "90%", "99%", "Requests/sec", "Non-2xx"))]
                print(f"{title:<26} {'paced 500/s' if paced else 'closed loop, 10 connections'}: " + " | ".join(lines))
        finally:
            service.stop()
            postgres.stop()
            kafka.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    main(args.profiles, args.seconds)
