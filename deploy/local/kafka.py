"""A real single-node Kafka broker (KRaft, broker+controller in one JVM) on 127.0.0.1.

The broker's jars come from Maven Central through ``kafka/pom.xml`` and are kept in
``$TALENTA_CACHE`` (default ``~/.cache/talenta``), never in the repository. Needs
``java`` (17+) and ``mvn`` on PATH.

Kafka 4.x dropped the oldest protocol versions; aiokafka 0.14 negotiates newer ones
and works with it (idempotent producer, consumer groups, admin client).

    python -m deploy.local.kafka fetch
    python -m deploy.local.kafka run --port 9092 --data-dir /tmp/kafka
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import hashlib
import shutil
import socket
import struct
import subprocess
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from deploy.local.server import JVM_FLAGS, LocalServer, cache_dir, free_port, java, serve_until_interrupted

__all__ = ["KAFKA_VERSION", "LocalKafka", "broker_ready", "ensure_jars", "free_port"]

KAFKA_VERSION = "4.4.0"

_HERE = Path(__file__).resolve().parent / "kafka"
POM = _HERE / "pom.xml"
LOG4J2_CONFIG = _HERE / "log4j2.properties"


def ensure_jars(version: str = KAFKA_VERSION) -> Path:
    """Download the broker's jars once (per version and pom) and return the libs dir."""
    home = cache_dir() / f"kafka-{version}"
    libs, marker = home / "libs", home / ".complete"
    stamp = hashlib.sha256(POM.read_bytes()).hexdigest()
    if marker.exists() and marker.read_text() == stamp:
        return libs
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be downloading too
        if marker.exists() and marker.read_text() == stamp:
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise RuntimeError("Maven (mvn) is needed to download the Kafka jars")
        shutil.rmtree(libs, ignore_errors=True)
        result = subprocess.run(
            [mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(POM),
             "dependency:copy-dependencies", "-DincludeScope=runtime",
             f"-DoutputDirectory={libs}", f"-Dkafka.version={version}"],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"mvn could not fetch Kafka {version}:\n{result.stdout}{result.stderr}")
        marker.write_text(stamp)
    return libs


def _cluster_id() -> str:
    """A random KRaft cluster id: a UUID in unpadded base64url (22 chars), not starting with '-'."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        data += chunk
    return data


def broker_ready(host: str, port: int, timeout: float = 2.0) -> bool:
    """True once the broker answers a Metadata request (v4, no topics) that lists a broker."""
    client_id = b"talenta-probe"
    request = struct.pack(">hhih", 3, 4, 1, len(client_id)) + client_id + struct.pack(">i?", 0, False)
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(request)) + request)
            (size,) = struct.unpack(">i", _recv_exact(sock, 4))
            response = _recv_exact(sock, size)
    except OSError:
        return False
    # correlation_id, throttle_time_ms, then the length of the brokers array
    correlation_id, _, brokers = struct.unpack_from(">iii", response)
    return bool(correlation_id == 1 and brokers > 0)


class LocalKafka(LocalServer):
    """One KRaft node (broker and controller) with its data, config and log in ``data_dir``."""

    name = "Kafka"

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        controller_port: int | None = None,
        heap: str = "512m",
    ) -> None:
        super().__init__(data_dir, port)
        self.controller_port = controller_port or free_port(avoid=self.port)
        self.heap = heap

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _ports(self) -> dict[int, str]:
        return {self.port: "Kafka", self.controller_port: "the Kafka controller"}

    def _prepare(self) -> tuple[Sequence[str], Mapping[str, str] | None]:
        """Fetch the jars, write the config and format the storage (first time only)."""
        classpath, java_path, config = f"{ensure_jars()}/*", java(), self._write_config()
        if not (self.data_dir / "logs" / "meta.properties").exists():
            result = subprocess.run(
                [java_path, *JVM_FLAGS, "-cp", classpath, f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
                 "kafka.tools.StorageTool", "format", "-t", _cluster_id(), "-c", str(config)],
                capture_output=True, text=True,
            )
            if result.returncode != 0:
                raise RuntimeError(f"formatting Kafka storage failed:\n{result.stdout}{result.stderr}")
        cmd = [java_path, f"-Xmx{self.heap}", "-Xms64m", *JVM_FLAGS, "-cp", classpath,
               f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}", "kafka.Kafka", str(config)]
        return cmd, None

    def _ready(self) -> bool:
        return broker_ready("127.0.0.1", self.port)

    def _write_config(self) -> Path:
        settings: dict[str, object] = {
            "process.roles": "broker,controller",
            "node.id": 1,
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": self.data_dir / "logs",
            "num.partitions": 3,
            "auto.create.topics.enable": "true",
            "default.replication.factor": 1,
            "min.insync.replicas": 1,
            "offsets.topic.replication.factor": 1,
            "offsets.topic.num.partitions": 1,
            "transaction.state.log.replication.factor": 1,
            "transaction.state.log.min.isr": 1,
            "transaction.state.log.num.partitions": 1,
            "share.coordinator.state.topic.replication.factor": 1,
            "share.coordinator.state.topic.min.isr": 1,
            "group.initial.rebalance.delay.ms": 0,
            "log.cleaner.dedupe.buffer.size": 2 * 1024 * 1024,  # the minimum is "over 1 MiB"
        }
        path = self.data_dir / "server.properties"
        path.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        return path


def _main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.local.kafka", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("fetch", help="only download the broker's jars")
    run = commands.add_parser("run", help="run a broker until Ctrl-C")
    run.add_argument("--port", type=int, default=9092)
    run.add_argument("--controller-port", type=int)
    run.add_argument("--data-dir", type=Path, help="default: a new temporary directory")
    args = parser.parse_args()

    if args.command == "fetch":
        print(ensure_jars())
        return
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="talenta-kafka-"))
    kafka = LocalKafka(data_dir, args.port, args.controller_port)
    serve_until_interrupted(kafka, [f"Kafka {KAFKA_VERSION} ready: bootstrap servers {kafka.bootstrap_servers} "
                                    f"(data in {kafka.data_dir})"])


if __name__ == "__main__":
    _main()
