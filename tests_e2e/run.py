"""``make e2e``: boot the whole stack on PostgreSQL + Redis, run the browser tests, stop it all.

1. checks for Debian's Chromium (``/usr/bin/chromium``; Playwright never downloads a browser);
2. drops and recreates the database of ``DATABASE_URL`` (default ``helpdesk_e2e``; its name must
   contain ``e2e``), empties the Redis database of ``CELERY_BROKER_URL`` (default db 13),
   migrates, loads the demo tenants and refreshes their report rollups;
3. starts gunicorn, a Celery worker and a single beat, with a one-second SLA sweep and a
   two-second queue refresh so SLA colours move within a test;
4. waits for ``/healthz`` and for the worker, runs ``pytest tests_e2e/`` (extra arguments are
   passed on), then stops every process it started, also on failure or Ctrl-C, and exits with
   pytest's status.

Logs of the three processes go to ``test-results/e2e-logs/``; screenshots to
``test-results/screenshots/``; every e-mail the stack sends to ``test-results/e2e-mail/``
(Django's file-based backend, emptied at the start), where the tests read the customer's links.
``--update-docs-screenshots`` copies the chosen screenshots to ``docs/screenshots/`` after a
passing run.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "test-results"
LOGS = RESULTS / "e2e-logs"
SCREENSHOTS = RESULTS / "screenshots"
MAIL = RESULTS / "e2e-mail"
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_e2e"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/13"
DEFAULT_PORT = "18766"
BOOT_TIMEOUT_SECONDS = 90
# The screenshots shown in the README: test-results name → docs/screenshots name.
DOCS_SCREENSHOTS = {
    "queue-open-en.png": "queue.png",
    "ticket-detail-en.png": "ticket.png",
    "queue-sla-red-en.png": "sla-board.png",
    "notifications-lead-en.png": "notifications.png",
    "queue-zh-hans.png": "queue-zh-hans.png",
    "portal-suggestion-en.png": "portal-suggestion.png",
    "survey-zh-hans.png": "survey-zh-hans.png",
    "dashboard.png": "dashboard.png",
    **{
        f"queue-{size}-{language}.png": f"queue-{size}-{language}.png"
        for size in ("1366", "1920")
        for language in ("en", "zh-hans")
    },
    **{
        f"{page}-{language}-{size}.png": f"{page}-{size}-{language}.png"
        for page in ("ticket-page", "phone-intake")
        for language in ("en", "zh-hans")
        for size in ("1366x768", "1920x1080")
    },
}


def log(text: str) -> None:
    with contextlib.suppress(OSError):  # a closed pipe must not stop the clean-up
        print(f"[e2e] {text}", flush=True)


def require_chromium() -> None:
    if CHROMIUM.exists():
        fc_list = shutil.which("fc-list")
        fonts = fc_list and subprocess.run(
            [fc_list, ":lang=zh"], capture_output=True, text=True, check=False
        )
        if fonts and not fonts.stdout.strip():
            log("note: no Chinese font installed; Chinese text in screenshots shows as boxes")
            log("      (apt-get install -y fonts-wqy-microhei)")
        return
    log(f"{CHROMIUM} is missing. Install Debian's Chromium first:")
    log("    apt-get update && apt-get install -y chromium")
    log("(Playwright's own browser download is not used.)")
    sys.exit(2)


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    # It is dropped: never let an exported DATABASE_URL of real data be taken by mistake.
    if "e2e" not in name or not name.replace("_", "").isalnum():
        sys.exit(
            f"[e2e] refusing to drop and recreate database {name!r}: its name must contain "
            "'e2e' (letters, digits and _ only), e.g. DATABASE_URL=postgres://…/helpdesk_e2e"
        )
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    log(f"database {name} created fresh")


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()
    log(f"redis {url} emptied")


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


class Stack:
    """The web, worker and beat processes, each in its own process group."""

    def __init__(self, env: dict):
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}
        self.bin = Path(sys.executable).parent

    def start(self, name: str, *argv: str) -> None:
        logfile = (LOGS / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=logfile, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        logfile.close()  # the child has its own copy
        log(f"started {name} (pid {self.procs[name].pid})")

    def start_all(self, port: str) -> None:
        self.start(
            "web",
            str(self.bin / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", "3", "--threads", "2", "--access-logfile", "-",
        )  # fmt: skip
        self.start(
            "worker",
            str(self.bin / "celery"), "-A", "config", "worker", "--loglevel", "INFO",
            "--concurrency", "2", "--without-gossip", "--without-mingle",
        )  # fmt: skip
        self.start(
            "beat",
            str(self.bin / "celery"), "-A", "config", "beat", "--loglevel", "INFO",
            "--schedule", str(Path(self.env["HELPDESK_VAR_DIR"]) / "celerybeat-schedule"),
        )  # fmt: skip

    def dead(self) -> list[str]:
        return [name for name, proc in self.procs.items() if proc.poll() is not None]

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop in time; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()
        log("stack stopped")


def port_in_use(port: str) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", int(port))) == 0


def tail(name: str, lines: int = 40) -> str:
    path = LOGS / f"{name}.log"
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_until_ready(stack: Stack, port: str) -> None:
    """/healthz answers 200 (database and broker reachable) and the worker says it is ready."""
    deadline = time.monotonic() + BOOT_TIMEOUT_SECONDS
    healthy = worker_ready = False
    while time.monotonic() < deadline:
        if stack.dead():
            raise RuntimeError(f"process(es) exited during start-up: {', '.join(stack.dead())}")
        if not healthy:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as r:
                    healthy = r.status == 200
            except (urllib.error.URLError, OSError):
                healthy = False
        # The whole log: the demo data's notification mails scroll the banner away at once.
        worker_ready = worker_ready or " ready." in (LOGS / "worker.log").read_text(
            "utf-8", "replace"
        )
        if healthy and worker_ready:
            log("web healthy and worker ready")
            return
        time.sleep(0.5)
    raise RuntimeError(
        f"not ready after {BOOT_TIMEOUT_SECONDS}s (healthy={healthy}, worker={worker_ready})"
    )


def copy_docs_screenshots() -> None:
    target = ROOT / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    for source, name in DOCS_SCREENSHOTS.items():
        path = SCREENSHOTS / source
        if path.exists():
            shutil.copyfile(path, target / name)
            log(f"docs/screenshots/{name} updated")
        else:
            log(f"missing screenshot {source}; docs/screenshots/{name} left as it was")


def main(argv: list[str]) -> int:
    update_docs = "--update-docs-screenshots" in argv
    pytest_args = [a for a in argv if a != "--update-docs-screenshots"]
    require_chromium()
    started = time.monotonic()
    port = os.environ.get("E2E_PORT", DEFAULT_PORT)
    var_dir = tempfile.mkdtemp(prefix="helpdesk-e2e-")
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL") or DEFAULT_BROKER_URL,
        "HELPDESK_ENV": "development",
        # Served like production (no debug pages), still over plain HTTP on localhost.
        "DJANGO_DEBUG": "0",
        "HELPDESK_VAR_DIR": var_dir,
        "HELPDESK_SLA_SWEEP_SECONDS": "1",
        "HELPDESK_QUEUE_POLL_SECONDS": "2",
        "HELPDESK_LOG_LEVEL": "WARNING",
        "HELPDESK_PORT": port,
        "E2E_PORT": port,
        "E2E_SCREENSHOTS": str(SCREENSHOTS),
        "E2E_CHROMIUM": str(CHROMIUM),
        # Web, worker and beat write every e-mail here; the journeys read the customer's links.
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(MAIL),
        "E2E_MAIL": str(MAIL),
        "PYTHONUNBUFFERED": "1",
    }
    (Path(var_dir) / "static").mkdir()
    LOGS.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(MAIL, ignore_errors=True)
    MAIL.mkdir(parents=True, exist_ok=True)

    recreate_database(env["DATABASE_URL"])
    flush_redis(env["CELERY_BROKER_URL"])
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed_demo")
    # The dashboard reads only the rollups, which beat first refreshes after five minutes.
    manage(env, "refresh_reports")

    if port_in_use(port):
        sys.exit(f"[e2e] port {port} is already in use (a leftover run?); set E2E_PORT to another")
    stack = Stack(env)
    status = 1
    # SIGTERM (CI timeout, make interrupted) stops the stack like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        stack.start_all(port)
        wait_until_ready(stack, port)
        command = [sys.executable, "-m", "pytest", "tests_e2e", "-p", "no:cacheprovider"]
        status = subprocess.run([*command, *pytest_args], cwd=ROOT, env=env).returncode
        if stack.dead():
            log(f"process(es) died during the tests: {', '.join(stack.dead())}")
            status = status or 1
    except RuntimeError as error:
        log(str(error))
    except KeyboardInterrupt:
        log("interrupted")
        status = 130
    finally:
        # Stop first: printing may fail (a closed pipe) and must not leave the stack running.
        stack.stop()
        shutil.rmtree(var_dir, ignore_errors=True)
        if status:
            for name in ("web", "worker", "beat"):
                log(f"--- last lines of {name}.log ---\n{tail(name)}")
    if status == 0 and update_docs:
        copy_docs_screenshots()
    log(f"pytest exit status {status}; {time.monotonic() - started:.0f}s in all")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
