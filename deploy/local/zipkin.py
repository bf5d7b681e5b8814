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
import atexit
import fcntl
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from deploy.local.kafka import JVM_FLAGS, _java, cache_dir, ensure_port_free, free_port

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


def _health_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200 and bool(json.load(response).get("status") == "UP")
    except (OSError, ValueError):  # refused, 503 while starting, or not JSON yet
        return False


class LocalZipkin:
    """One Zipkin server with in-memory storage; its log is ``data_dir/zipkin.log``."""

    def __init__(self, data_dir: Path, port: int | None = None, heap: str = "256m") -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port or free_port()
        self.heap = heap
        self.log_path = self.data_dir / "zipkin.log"
        self._proc: subprocess.Popen[bytes] | None = None

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

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 90) -> None:
        """Start the server and return once ``/health`` is UP; raise with the log's tail if not."""
        if self._proc is not None:
            raise RuntimeError("this Zipkin server is already started")
        ensure_port_free(self.port, "Zipkin")
        jar, java = ensure_jar(), _java()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Zipkin reads many environment variables (KAFKA_BOOTSTRAP_SERVERS, which this
        # project's services use, turns on a Kafka collector), so it gets a clean one.
        env = {"PATH": os.environ.get("PATH", os.defpath), "STORAGE_TYPE": "mem"}
        deadline = time.monotonic() + timeout  # the first download is not counted
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                [java, f"-Xmx{self.heap}", "-Xms32m", *JVM_FLAGS, "-jar", str(jar),
                 # replaces Zipkin's only listener (QUERY_PORT on all interfaces)
                 "--armeria.ports[0].ip=127.0.0.1", f"--armeria.ports[0].port={self.port}",
                 "--armeria.ports[0].protocols=http"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=True,  # Ctrl-C reaches us, and we stop the server cleanly
            )
        atexit.register(self.stop)
        while not _health_up(self.url):
            if self._proc.poll() is not None:
                self._proc = None
                raise RuntimeError(f"Zipkin exited while starting:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"Zipkin not ready after {timeout}s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM the server, SIGKILL it if that takes over ``timeout``."""
        atexit.unregister(self.stop)
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> LocalZipkin:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


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
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly on SIGTERM too
    with LocalZipkin(data_dir, args.port) as zipkin:
        print(f"Zipkin {ZIPKIN_VERSION} ready: UI {zipkin.url}/zipkin/, spans to {zipkin.spans_endpoint}")
        print(f"log in {zipkin.log_path}; Ctrl-C to stop", flush=True)
        try:
            while zipkin.running:
                time.sleep(1)
            raise SystemExit(f"Zipkin exited:\n{zipkin.log_tail()}")
        except KeyboardInterrupt:
            print("stopping Zipkin", flush=True)


if __name__ == "__main__":
    _main()
