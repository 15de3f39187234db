"""Helpers for tests that run real Celery processes against the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


def require_postgres_and_redis() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL); CI runs it")
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
        pytest.skip("needs Redis (set CELERY_BROKER_URL=redis://…); CI runs it")


def process_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a child process pointed at *this* test database."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HELPDESK_VAR_DIR": str(tmp_path),
        # Every process of one deployment shares the encryption keys: a child reading the rows
        # this test wrote must decrypt their secrets (its own var/ would generate another key).
        "HELPDESK_ENCRYPTION_KEYS": ",".join(settings.HELPDESK_ENCRYPTION_KEYS),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(condition, *, timeout: float, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    return condition()


def start_workers_and_beat(tmp_path: Path, env: dict, name: str = "sweeper") -> list:
    """Two Celery worker processes (two threads each, named ``<name>1``, ``<name>2``) and
    beat, logging to ``tmp_path``; stop them with ``stop``."""
    celery = ["-m", "celery", "-A", "config"]
    quiet = ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"]
    processes = [
        start(
            [*celery, "worker", "-c", "2", "-n", f"{name}{i}@%h", *quiet],
            env,
            tmp_path / f"worker{i}.log",
        )
        for i in (1, 2)
    ]
    processes.append(
        start(
            [*celery, "beat", "-s", str(tmp_path / "beat"), "-l", "INFO"],
            env,
            tmp_path / "beat.log",
        )
    )
    return processes
