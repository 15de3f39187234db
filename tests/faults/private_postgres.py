"""A throwaway PostgreSQL server of our own, to stop and start under a running web server
without touching the shared cluster other tests use.

Runs the server binaries as the ``postgres`` OS user (they refuse root), with the data
directory and the unix socket in a temporary directory, trust authentication on 127.0.0.1 and a
free port. Skips the test when that is impossible (not root, binaries missing).
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.faults.web import free_port

BIN = Path(os.environ.get("HELPDESK_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
DATABASE = "helpdesk"


def require_private_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): the test database is copied; CI runs it")
    if os.geteuid() != 0:
        pytest.skip("needs root, to run a private PostgreSQL server as the postgres user")
    if not all((BIN / tool).exists() for tool in ("initdb", "pg_ctl", "pg_dump", "psql")):
        pytest.skip(f"needs the PostgreSQL server binaries in {BIN}")
    if shutil.which("runuser") is None:
        pytest.skip("needs runuser, to run the server as the postgres user")


class PrivatePostgres:
    """``with PrivatePostgres() as pg:`` a running server; ``pg.stop()`` / ``pg.start()`` in
    between; removed, data and all, on exit."""

    def __init__(self):
        self.port = free_port()
        self.home = Path(tempfile.mkdtemp(prefix="helpdesk-pg-"))
        self.data = self.home / "data"
        self.log = self.home / "server.log"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"
        self.options = (
            f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"  # throwaway data: durability is not tested
        )

    def __enter__(self) -> "PrivatePostgres":
        try:
            shutil.chown(self.home, user="postgres", group="postgres")
            self._as_postgres(
                "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                "--locale=C.UTF-8", "--no-sync",
            )  # fmt: skip
            self.start()
            self._as_postgres("createdb", "-h", "127.0.0.1", "-p", self.port, DATABASE)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(RuntimeError):  # not running (any more)
            self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.home, ignore_errors=True)

    def copy_of_test_database(self) -> None:
        """Schema and rows of this test run's database (migrated, fixtures committed)."""
        db = connection.settings_dict
        source = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        # --enable-row-security: without it pg_dump refuses forced row-level security tables
        # when the test database role is not a superuser (no tenant set: every row is dumped).
        dump = subprocess.run(  # noqa: S603
            [
                BIN / "pg_dump",
                "--no-owner",
                "--no-privileges",
                "--enable-row-security",
                f"{source}/{db['NAME']}",
            ],
            capture_output=True,
            check=True,
        )
        restore = subprocess.run(  # noqa: S603
            [BIN / "psql", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", self.url],
            input=dump.stdout,
            capture_output=True,
            check=False,
        )
        assert restore.returncode == 0, restore.stderr.decode()[-2000:]

    def stop(self) -> None:
        """Fast shutdown: every session, in flight or idle, is terminated."""
        self._pg_ctl("stop", "-m", "fast")

    def start(self) -> None:
        self._pg_ctl("start", "-o", self.options, "-l", self.log)

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url.replace("postgres://", "postgresql://"))

    def _pg_ctl(self, *args) -> None:
        self._as_postgres("pg_ctl", "-D", self.data, "-w", "-t", "30", *args)

    def _as_postgres(self, tool: str, *args) -> None:
        command = ["runuser", "-u", "postgres", "--", BIN / tool, *map(str, args)]
        result = subprocess.run(command, cwd=self.home, capture_output=True, check=False)  # noqa: S603
        if result.returncode:
            raise RuntimeError(f"{tool} {args}: {result.stderr.decode()[-2000:]}")
