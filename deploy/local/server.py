"""What the local servers share: ports, Java, and a child process run until it is ready.

A ``LocalServer`` subclass says how to run its server (``_prepare``) and when it is
ready (``_ready``); the base class starts it, waits for it and stops it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

# Small heap, serial GC and C1-only JIT: a JVM starts faster and idles smaller.
JVM_FLAGS = (
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)


def cache_dir() -> Path:
    """Where downloaded jars live: ``$TALENTA_CACHE`` or ``~/.cache/talenta``."""
    return Path(os.environ.get("TALENTA_CACHE") or Path.home() / ".cache" / "talenta")


def free_port(avoid: int | None = None) -> int:
    """A TCP port on 127.0.0.1 that is free right now (and is not ``avoid``)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port != avoid:
            return port


def ensure_port_free(port: int, what: str) -> None:
    """Fail clearly when something already listens on ``port`` (say, a server left running)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT leftovers are fine
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise RuntimeError(f"port {port} for {what} is already in use: is another one still running?") from None


def java() -> str:
    """The ``java`` executable: ``$JAVA_HOME/bin/java``, else the one on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    path = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if path is None:
        raise RuntimeError("Java 17+ is needed (JAVA_HOME or java on PATH)")
    return path


class LocalServer(ABC):
    """A server run as a child process, with its files and its log (``<name>.log``) in ``data_dir``."""

    name: str  # for messages and the log's name, e.g. "Kafka"

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port or free_port()
        self.log_path = self.data_dir / f"{self.name.lower()}.log"
        self._proc: subprocess.Popen[bytes] | None = None

    def _ports(self) -> dict[int, str]:
        """The ports that must be free before starting, with what each is for."""
        return {self.port: self.name}

    @abstractmethod
    def _prepare(self) -> tuple[Sequence[str], Mapping[str, str] | None]:
        """Get ready to start (downloads, config): the command line and environment (None: ours)."""

    @abstractmethod
    def _ready(self) -> bool:
        """True once the started server serves requests."""

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 90) -> None:
        """Start the server and return once it is ready; raise with the log's tail if not."""
        if self._proc is not None:
            raise RuntimeError(f"this {self.name} server is already started")
        for port, what in self._ports().items():
            ensure_port_free(port, what)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd, env = self._prepare()
        deadline = time.monotonic() + timeout  # the first download is not counted
        with open(self.log_path, "ab") as log:
            proc = self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=True,  # Ctrl-C reaches us, and we stop the server cleanly
            )
        atexit.register(self.stop)
        while not self._ready():
            if proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"{self.name} exited while starting:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM the server (a clean shutdown), SIGKILL it if that takes over ``timeout``."""
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
        """The last ``lines`` lines of the server's log."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_until_interrupted(server: LocalServer, banner_lines: Sequence[str]) -> None:
    """Run ``server`` until Ctrl-C or SIGTERM, printing ``banner_lines`` once it is ready; exit if it dies."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly on SIGTERM too
    with server:
        print(*banner_lines, f"log in {server.log_path}; Ctrl-C to stop", sep="\n", flush=True)
        try:
            while server.running:
                time.sleep(1)
            raise SystemExit(f"{server.name} exited:\n{server.log_tail()}")
        except KeyboardInterrupt:
            print(f"stopping {server.name}", flush=True)
