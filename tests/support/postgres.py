"""A real PostgreSQL server for tests: initdb into a temporary folder, listen on 127.0.0.1, remove it after.

The server binaries come from the system (Debian's `postgresql` package, which
scripts/install-system-packages.sh installs). PostgreSQL refuses to run as root, so as root the
cluster belongs to the `postgres` user the package creates. Missing under CI=true is a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.support.net import free_port


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("postgres")
    return Path(on_path).parent if on_path else None


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresServer:
    def __init__(self):
        self.bin = _bin_dir()
        self.folder = Path(tempfile.mkdtemp(prefix="tpmkit-postgres-"))
        self.data = self.folder / "data"
        self.port = free_port()

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run([str(self.bin / "initdb"), "-D", str(self.data), "-U", "tpm", "--auth=trust", "-E", "UTF8",
                   "--no-sync"])
        # `tpm` (the superuser) stays trusted; every other role must give its password, as on a real server.
        hba = self.data / "pg_hba.conf"
        hba.write_text("host all tpm 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                   "-w", "-t", "60", "start"])

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(_as_owner(command), capture_output=True, text=True, cwd=self.folder)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(command[0]).name} failed: {(done.stderr or done.stdout).strip()[-500:]}")

    def url(self, database: str) -> str:
        return f"postgresql://tpm@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, *, password: str | None = None) -> str:
        """A new empty database; with `password`, owned by a new role `NAME_owner` that must log in with it."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            if password is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                return self.url(name)
            role = sql.Identifier(f"{name}_owner")
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(role, sql.Literal(password)))
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), role))
        return f"postgresql://{name}_owner:{password}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(_as_owner([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
                           capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    """A running PostgreSQL server; `postgres.create_database(name)` gives a URL to a new empty database."""
    server = PostgresServer()
    if server.bin is None:
        reason = "PostgreSQL is not installed: run scripts/install-system-packages.sh (Debian package postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    try:
        server.start()
    except (RuntimeError, OSError) as exc:
        server.stop()
        pytest.fail(f"PostgreSQL is installed but did not start: {exc}")
    yield server
    server.stop()
