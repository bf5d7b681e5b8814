"""Upload a file to a service's import endpoint and follow the job with a progress bar.

    .venv/bin/python -m shared.imports.cli --url http://127.0.0.1:8001 --kind profiles --token "$HR" asn.csv

The format comes from the file name (.csv, .ndjson/.jsonl). Rejected rows are listed at the end (all of
them with --errors FILE, as CSV: row, field, message). Exit status: 0 when the job finished, 1 when it failed."""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import httpx

BAR_WIDTH = 30


def bar(fraction: float, label: str) -> str:
    filled = int(BAR_WIDTH * min(max(fraction, 0.0), 1.0))
    return f"\r{label:<8} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {100 * fraction:5.1f}%"


def _chunks(path: Path, out: TextIO, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    size, sent = path.stat().st_size, 0
    with path.open("rb") as file:
        while chunk := file.read(chunk_size):
            sent += len(chunk)
            out.write(bar(sent / size if size else 1.0, "upload"))
            out.flush()
            yield chunk
    out.write("\n")


def upload(client: httpx.Client, kind: str, path: Path, out: TextIO = sys.stderr) -> dict[str, Any]:
    fmt = "csv" if path.suffix.lower() == ".csv" else "ndjson"
    response = client.post(f"/v1/imports/{kind}", params={"format": fmt, "file_name": path.name},
                           content=_chunks(path, out), headers={"content-type": "application/octet-stream"})
    if response.status_code != 202:
        raise SystemExit(f"upload refused ({response.status_code}): {response.text}")
    return response.json()


def follow(client: httpx.Client, job: dict[str, Any], out: TextIO = sys.stderr, poll_seconds: float = 0.5) -> dict[str, Any]:
    while job["state"] in ("queued", "running"):
        rate = f" {job['rows_per_second']:,.0f} rows/s" if job.get("rows_per_second") else ""
        out.write(bar(job["progress_percent"] / 100, "import") +
                  f"  rows {job['rows_done']:,} (accepted {job['accepted']:,}, unchanged {job['unchanged']:,}, "
                  f"rejected {job['rejected']:,}){rate}   ")
        out.flush()
        time.sleep(poll_seconds)
        job = client.get(f"/v1/imports/{job['id']}").raise_for_status().json()
    out.write(bar(1.0 if job["state"] == "done" else job["progress_percent"] / 100, "import") + "\n")
    return job


def rejected_rows(client: httpx.Client, job: dict[str, Any]) -> Iterator[dict[str, Any]]:
    cursor = None
    while True:
        page = client.get(job["errors_url"], params={"limit": 500, **({"cursor": cursor} if cursor else {})})
        body = page.raise_for_status().json()
        yield from body["items"]
        if not (cursor := body["next_cursor"]):
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--url", required=True, help="the service, e.g. http://127.0.0.1:8001")
    parser.add_argument("--kind", required=True, help="what the file holds, e.g. profiles or portfolio")
    parser.add_argument("--token", required=True, help="a bearer token (HR admin of the agency, or BKN)")
    parser.add_argument("--errors", type=Path, help="write every rejected row to this CSV file")
    args = parser.parse_args(argv)
    with httpx.Client(base_url=args.url, headers={"Authorization": f"Bearer {args.token}"}, timeout=300) as client:
        job = follow(client, upload(client, args.kind, args.file))
        print(f"job {job['id']}: {job['state']}; {job['rows_done']:,} rows: {job['accepted']:,} accepted, "
              f"{job['unchanged']:,} unchanged, {job['rejected']:,} rejected"
              + (f"; {job['error']}" if job["error"] else ""))
        if job["rejected"]:
            rows = rejected_rows(client, job)
            if args.errors:
                with args.errors.open("w", newline="") as file:
                    writer = csv.writer(file)
                    writer.writerow(["row", "field", "message"])
                    writer.writerows([r["row_number"], r["field"], r["message"]] for r in rows)
                print(f"rejected rows written to {args.errors}")
            else:
                for row in (r for _, r in zip(range(20), rows)):
                    print(f"  row {row['row_number']}: {row['field']}: {row['message']}")
    return 0 if job["state"] == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
