"""The processes a benchmark starts next to itself (Celery worker(s) and one beat), stopping
them, and the CPU time processes used (Linux /proc).

Preconditions: Django is set up; ``env`` names a reachable broker (``CELERY_BROKER_URL``) that
belongs to the benchmark alone, because it is purged before the start and after the stop.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

from django.conf import settings

CELERY = [sys.executable, "-m", "celery", "-A", "config"]
QUIET = ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"]


def celery_purge(env: dict) -> None:
    """Drop every queued task: a previous run's leftovers must not run in this one."""
    subprocess.run([*CELERY, "purge", "-f"], env=env, check=False, capture_output=True)  # noqa: S603


def celery_start(
    *, env: dict, log_dir: Path, name: str, workers: int, concurrency: int
) -> list[subprocess.Popen]:
    """Purge the queue, then start ``workers`` worker processes (``concurrency`` each, named
    ``<name><i>@host``) and one beat, each logging to ``log_dir/process<n>.log``."""
    celery_purge(env)
    commands = [
        [*CELERY, "worker", "-c", str(concurrency), "-n", f"{name}{i}@%h", *QUIET]
        for i in range(1, workers + 1)
    ]
    commands.append([*CELERY, "beat", "-s", str(log_dir / "beat"), "-l", "WARNING"])
    return [
        subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=(log_dir / f"process{n}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for n, command in enumerate(commands)
    ]


def celery_stop(processes: list[subprocess.Popen], env: dict) -> None:
    """Stop the processes and purge what is still queued."""
    stop(processes)
    celery_purge(env)


def stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM (gunicorn and Celery shut down gracefully on it), then SIGKILL after 30 s."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def cpu_seconds(stack: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds (user + system) so far of each process tree in ``stack`` (Linux /proc; a
    process that exited meanwhile takes its share with it, so the figures are a lower bound)."""
    times, children = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # exited while we looked
            continue
        pid = int(stat.parent.name)
        times[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        children.setdefault(int(fields[1]), []).append(pid)
    totals = {}
    for name, pids in stack.items():
        pending, totals[name] = list(pids), 0.0
        while pending:
            pid = pending.pop()
            totals[name] += times.get(pid, 0.0)
            pending += children.get(pid, [])
    return totals


def machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have used since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


BENCH_CACHE_URL = "redis://127.0.0.1:6379/12"


def server_cache() -> str:
    """Point the servers this process starts at the shared cache production uses, and say
    which: ``HELPDESK_CACHE_URL`` when set; else Redis database 12, emptied first (a data set
    loaded since the last run must not meet tenants and lists cached from the previous one);
    else, without Redis on 127.0.0.1:6379, the file-based cache."""
    if os.environ.get("HELPDESK_CACHE_URL"):
        return os.environ["HELPDESK_CACHE_URL"]
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return "file-based cache (no Redis on 127.0.0.1:6379)"
    import redis

    redis.Redis.from_url(BENCH_CACHE_URL).flushdb()
    os.environ["HELPDESK_CACHE_URL"] = BENCH_CACHE_URL
    return BENCH_CACHE_URL
