"""A real Zipkin server (span collector, query API and web UI) on 127.0.0.1.

The server is Zipkin's executable jar from Maven Central
(``io.zipkin:zipkin-server:<version>:jar:exec``, about 130 MB), fetched once with
``mvn dependency:copy`` into ``$TALENTA_CACHE`` (default ``~/.cache/talenta``), never
into the repository. Spans are kept in memory only and are gone when it stops. Needs
``java`` (17+) and ``mvn`` on PATH.

Export spans (Zipkin v2 JSON) to ``spans_endpoint``; open ``trace_url(trace_id)`` or
``<url>/zipkin/`` in a browser.

    python -m deploy.local.zipkin fetch
    python -m deploy.local.zipkin run --port 9411
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from deploy.local.server import JVM_FLAGS, LocalServer, cache_dir, java, serve_until_interrupted

ZIPKIN_VERSION = "3.6.1"  # the newest 3.x on Maven Central
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"


def ensure_jar(version: str = ZIPKIN_VERSION) -> Path:
    """Download Zipkin's executable jar once (per version) and return its path."""
    home = cache_dir() / f"zipkin-{version}"
    jar = home / "zipkin.jar"  # renamed into place only when complete, so it is its own marker
    if jar.exists():
        return jar
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be downloading too
        if jar.exists():
            return jar
        mvn = shutil.which("mvn")
        if mvn is None:
            raise RuntimeError("Maven (mvn) is needed to download the Zipkin server")
        with tempfile.TemporaryDirectory(dir=home) as tmp:
            result = subprocess.run(
                [mvn, "-q", "-B", "-Dstyle.color=never", f"{DEPENDENCY_PLUGIN}:copy",
                 f"-Dartifact=io.zipkin:zipkin-server:{version}:jar:exec", f"-DoutputDirectory={tmp}",
                 "-Dmdep.stripVersion=true", "-Dmdep.stripClassifier=true"],
                capture_output=True, text=True, cwd=tmp,  # no pom.xml here: a project-less goal
            )
            if result.returncode != 0:
                raise RuntimeError(f"mvn could not fetch Zipkin {version}:\n{result.stdout}{result.stderr}")
            os.replace(Path(tmp) / "zipkin-server.jar", jar)
    return jar


class LocalZipkin(LocalServer):
    """One Zipkin server with in-memory storage; its log is ``data_dir/zipkin.log``."""

    name = "Zipkin"

    def __init__(self, data_dir: Path, port: int | None = None, heap: str = "256m") -> None:
        super().__init__(data_dir, port)
        self.heap = heap

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def spans_endpoint(self) -> str:
        """Where exporters POST spans (Zipkin v2 JSON or proto3)."""
        return f"{self.url}/api/v2/spans"

    def trace_url(self, trace_id: str) -> str:
        """The web UI's page of one trace (``trace_id`` in lowercase hex)."""
        return f"{self.url}/zipkin/traces/{trace_id}"

    def _prepare(self) -> tuple[Sequence[str], Mapping[str, str] | None]:
        """Fetch the jar; the server listens on 127.0.0.1 only and keeps spans in memory."""
        cmd = [java(), f"-Xmx{self.heap}", "-Xms32m", *JVM_FLAGS, "-jar", str(ensure_jar()),
               # replaces Zipkin's only listener (QUERY_PORT on all interfaces)
               "--armeria.ports[0].ip=127.0.0.1", f"--armeria.ports[0].port={self.port}",
               "--armeria.ports[0].protocols=http"]
        # Zipkin reads many environment variables (KAFKA_BOOTSTRAP_SERVERS, which this
        # project's services use, turns on a Kafka collector), so it gets a clean one.
        return cmd, {"PATH": os.environ.get("PATH", os.defpath), "STORAGE_TYPE": "mem"}

    def _ready(self) -> bool:
        """True once ``/health`` says UP."""
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                return response.status == 200 and bool(json.load(response).get("status") == "UP")
        except (OSError, ValueError):  # refused, 503 while starting, or not JSON yet
            return False


def _main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.local.zipkin", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("fetch", help="only download the server's jar")
    run = commands.add_parser("run", help="run a server until Ctrl-C")
    run.add_argument("--port", type=int, default=9411)
    run.add_argument("--data-dir", type=Path, help="where its log goes; default: a new temporary directory")
    args = parser.parse_args()

    if args.command == "fetch":
        print(ensure_jar())
        return
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="talenta-zipkin-"))
    zipkin = LocalZipkin(data_dir, args.port)
    serve_until_interrupted(zipkin, [f"Zipkin {ZIPKIN_VERSION} ready: UI {zipkin.url}/zipkin/, "
                                     f"spans to {zipkin.spans_endpoint}"])


if __name__ == "__main__":
    _main()
