"""A throw-away PostgreSQL server on 127.0.0.1 for the test session.

Uses the Debian `postgresql` package (installed by `make test` / `.ci/run`). The server
runs as the `postgres` user when the tests run as root, since initdb refuses root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    data_dir: Path
    port: int
    bin_dir: Path
    as_user: str | None

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start() -> PostgresServer | None:
    """Start a server, or return None when PostgreSQL is not installed."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        return None
    as_user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return None
        as_user = "postgres"
    root = Path(tempfile.mkdtemp(prefix="cruscotto-pg-"))
    data_dir = root / "data"
    data_dir.mkdir()
    if as_user:
        shutil.chown(root, as_user)
        shutil.chown(data_dir, as_user)
    server = PostgresServer(data_dir, _free_port(), bin_dir, as_user)
    server._run("initdb", "-D", str(data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = f"-h 127.0.0.1 -p {server.port} -k {root} -c fsync=off -c full_page_writes=off"
    server._run(
        "pg_ctl", "-D", str(data_dir), "-o", options, "-l", str(root / "log"), "-w", "start"
    )
    for _ in range(50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", server.port)) == 0:
                return server
        time.sleep(0.1)
    raise RuntimeError(f"PostgreSQL did not start; see {root / 'log'}")
