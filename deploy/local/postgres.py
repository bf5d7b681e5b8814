"""A real, throwaway PostgreSQL cluster on 127.0.0.1, tuned for tests (no fsync).

Uses the server binaries already installed (Debian's ``postgresql`` package or any
``initdb``/``pg_ctl`` on PATH). PostgreSQL refuses to run as root, so as root the
server runs as the ``postgres`` system user, which then owns ``data_dir``.

    python -m deploy.local.postgres run --port 5432 --data-dir /tmp/pg --db profile --db assessment
"""

from __future__ import annotations

import argparse
import atexit
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from deploy.local.server import free_port

SUPERUSER = "postgres"
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    # a million-ASN benchmark outgrows the default 128 MB of buffers: without room, backends write dirty
    # pages out themselves (the inbox's and the outbox's random UUID keys touch pages everywhere)
    "shared_buffers": "1GB",
    "max_wal_size": "4GB",
}


def bindir() -> Path:
    """The directory of the newest installed PostgreSQL server binaries."""
    candidates = []
    if pg_config := shutil.which("pg_config"):
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        candidates.append(Path(out))
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(versions, key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)], reverse=True)
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).resolve().parent)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")


def _server_user() -> pwd.struct_passwd | None:
    """The account to run the server as: ``postgres`` (created if missing) when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SUPERUSER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SUPERUSER],
                       check=True)
        return pwd.getpwnam(SUPERUSER)


class LocalPostgres:
    """A cluster in ``data_dir/pgdata``, its log and Unix socket in ``data_dir``; superuser postgres, trust auth."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port or free_port()
        self.pgdata = self.data_dir / "pgdata"
        self.log_path = self.data_dir / "postgres.log"
        self._bin = bindir()
        self._user: pwd.struct_passwd | None = None
        self._running = False

    def start(self, timeout: float = 60) -> None:
        """initdb (first time only), then start the server and wait until it accepts connections."""
        self._user = _server_user()
        self._prepare_data_dir()
        if not (self.pgdata / "PG_VERSION").exists():
            self._server_cmd("initdb", "-D", self.pgdata, "-U", SUPERUSER, "--auth=trust",
                             "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions")
            settings = {**SETTINGS, "unix_socket_directories": f"'{self.data_dir}'"}
            with open(self.pgdata / "postgresql.conf", "a") as conf:
                conf.write("\n# talenta local/test settings\n")
                conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        # the port is given on each start, so a kept data_dir can move to another port
        self._server_cmd("pg_ctl", "start", "-D", self.pgdata, "-l", self.log_path,
                         "-o", f"-p {self.port}", "-w", "-t", str(int(timeout)))
        self._running = True
        atexit.register(self.stop)

    def stop(self) -> None:
        """Fast shutdown: roll back open transactions, close connections."""
        atexit.unregister(self.stop)
        was_running, self._running = self._running, False
        if was_running and (self.pgdata / "postmaster.pid").exists():
            self._server_cmd("pg_ctl", "stop", "-D", self.pgdata, "-m", "fast", "-w")

    def create_database(self, name: str) -> None:
        """Create the database unless it exists."""
        sql = ("SELECT format('CREATE DATABASE %I', :'name') "
               "WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \\gexec\n")
        result = subprocess.run(
            [self._bin / "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"name={name}",
             "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, "-d", "postgres"],
            input=sql, capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"could not create database {name!r}: {result.stderr}")

    def url(self, dbname: str, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def _prepare_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._user is None:
            return
        os.chown(self.data_dir, self._user.pw_uid, self._user.pw_gid)
        for parent in self.data_dir.parents:  # the server user must be able to reach data_dir
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH:
                parent.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)

    def _server_cmd(self, program: str, *args: object) -> None:
        cmd = [str(self._bin / program), *map(str, args)]
        if self._user is not None:
            cmd = ["runuser", "-u", self._user.pw_name, "--", *cmd]
        result = subprocess.run(cmd, cwd=self.data_dir, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if result.returncode != 0:
            log = self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""
            raise RuntimeError(f"{program} failed:\n{result.stdout}{result.stderr}\n{log}")

    def __enter__(self) -> LocalPostgres:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.local.postgres", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a server until Ctrl-C")
    run.add_argument("--port", type=int, default=5432)
    run.add_argument("--data-dir", type=Path, help="default: a new temporary directory")
    run.add_argument("--db", action="append", default=[], help="a database to create (repeatable)")
    args = parser.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="talenta-pg-"))
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly on SIGTERM too
    with LocalPostgres(data_dir, args.port) as pg:
        for name in args.db:
            pg.create_database(name)
        print(f"PostgreSQL ready on 127.0.0.1:{pg.port} (data in {data_dir})")
        for name in args.db or ["postgres"]:
            print(f"  {pg.url(name)}")
        print("Ctrl-C to stop", flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            print("stopping PostgreSQL", flush=True)


if __name__ == "__main__":
    _main()
