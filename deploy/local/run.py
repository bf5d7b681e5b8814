"""Run the whole system on one machine: a real Kafka broker, the Zipkin trace UI and the four services
on SQLite.

    make run            (or: python -m deploy.local.run)

Prints the URLs; Ctrl-C stops everything. The end-to-end tests start the services with the same
`start_services`, pointed at PostgreSQL or SQLite.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy.local.kafka import LocalKafka
from deploy.local.mailsink import MailSink
from deploy.local.zipkin import LocalZipkin
from shared.auth import mint_token

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("profile", "assessment", "succession", "notification")
DEFAULT_PORTS = {"profile": 8001, "assessment": 8002, "succession": 8003, "notification": 8004}


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    workers: int = 1  # uvicorn worker processes (each one a full instance: relay, consumers, HTTP)
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "uvicorn", "--factory", f"services.{self.name}.app:create_app",
                   "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}:\n"
                                   + self.log_path.read_text(errors="replace")[-3000:])
            try:
                if httpx.get(f"{self.url}/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)  # polling interval while waiting for readiness, bounded by the deadline
        raise TimeoutError(f"{self.name} not ready on {self.url}; see {self.log_path}")

    def stop(self, timeout: float = 15) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_services(
    *,
    bootstrap_servers: str,
    data_dir: Path,
    database_urls: Mapping[str, str] | None = None,
    ports: Mapping[str, int] = DEFAULT_PORTS,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 90,
) -> list[ServiceProcess]:
    """Start the four services as processes and wait until each is ready; stops them all on failure."""
    data_dir.mkdir(parents=True, exist_ok=True)
    processes = []
    for name in SERVICES:
        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers, "DATA_DIR": str(data_dir),
               "OTEL_SERVICE_NAME": name, **(extra_env or {})}
        if database_urls:
            env["DATABASE_URL"] = database_urls[name]
        else:
            env.pop("DATABASE_URL", None)
        processes.append(ServiceProcess(name, ports[name], env, data_dir / f"{name}.log"))
    try:
        for process in processes:
            process.start()
        deadline = time.monotonic() + timeout
        for process in processes:
            process.wait_ready(deadline)
    except BaseException:
        stop_services(processes)
        raise
    return processes


def stop_services(processes: list[ServiceProcess]) -> None:
    for process in reversed(processes):
        process.stop()


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO / "var", help="SQLite files, Kafka data, logs")
    parser.add_argument("--kafka-port", type=int, default=9092)
    parser.add_argument("--zipkin-port", type=int, default=9411)
    args = parser.parse_args()
    data_dir: Path = args.data_dir.resolve()

    started = time.monotonic()
    kafka = LocalKafka(data_dir / "kafka", port=args.kafka_port)
    zipkin = LocalZipkin(data_dir / "zipkin", port=args.zipkin_port)
    processes: list[ServiceProcess] = []
    mail = MailSink(1025, mbox=data_dir / "mail.mbox", keep=False)  # where the notification service's email goes locally
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        mail.start()
        # One after the other: on two cores, two JVMs starting side by side take longer in all.
        for server in (kafka, zipkin):
            server.start()
            print(f"{type(server).__name__.removeprefix('Local')} ready after {time.monotonic() - started:.1f}s",
                  flush=True)
        tracing = {"OTEL_TRACES_EXPORTER": "zipkin", "OTEL_EXPORTER_ZIPKIN_ENDPOINT": zipkin.spans_endpoint}
        processes = start_services(bootstrap_servers=kafka.bootstrap_servers, data_dir=data_dir, extra_env=tracing)
        print(f"\nTalenta is running (ready after {time.monotonic() - started:.1f}s):")
        for process in processes:
            print(f"  {process.name:<13} {process.url}/docs   (AsyncAPI: {process.url}/asyncapi)")
        print(f"  traces        {zipkin.url}/zipkin/   (Zipkin)")
        print("  metrics       /metrics on each service (Prometheus format, operator token)")
        print(f"  kafka         {kafka.bootstrap_servers}")
        print(f"  mail          smtp://127.0.0.1:{mail.port} (a local sink; messages kept in {data_dir / 'mail.mbox'})")
        print(f"\nlogs and SQLite files: {data_dir}")
        token = mint_token(subject="hr-demo", roles=["hr_admin"], agency_id="kab-demo")
        print(f"an HR admin token for agency kab-demo (python -m shared.auth --help for others):\n  {token}")
        print("\nCtrl-C stops everything.", flush=True)
        signal.signal(signal.SIGTERM, _interrupt)
        while True:
            time.sleep(1)
            for process in processes:
                if process.process is not None and process.process.poll() is not None:
                    print(f"{process.name} stopped unexpectedly; see {process.log_path}", flush=True)
                    processes.remove(process)
    except KeyboardInterrupt:
        pass
    finally:
        print("\nstopping ...", flush=True)
        stop_services(processes)
        mail.stop()
        zipkin.stop()
        kafka.stop()


if __name__ == "__main__":
    main()
