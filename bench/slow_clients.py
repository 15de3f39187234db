"""Slow-client drill (``make slowloris``): can a few hundred dawdling connections stall the desk?

Opens ``--connections`` (200) connections to the server on 127.0.0.1 that send a request's
headers one byte a second and never finish them, keeping that many open (one the server cuts is
opened again and counted), and meanwhile asks ``GET /healthz`` every ``--probe-interval``
seconds as an ordinary client would. It prints how many of those ordinary requests were
answered (200 within ``--probe-timeout``) and how many failed, the latencies it saw and how many
slow connections the server cut; it exits 1 if any ordinary request failed. Bounded: the
connections, the probes (at most one per interval) and the time (``--duration``, 30 s; the whole
run, servers included, ends within about a minute). Loopback only.

Targets (``--target``), each started here on free loopback ports with SQLite in a temporary
``HELPDESK_VAR_DIR`` and stopped at the end:

* ``procfile`` (default): the Procfile's ``web`` line, as ``make run`` starts it (waitress).
* ``nginx``: docker-compose.yml's arrangement — Debian's nginx with docker/nginx.conf (its
  "drill:" lines set to loopback ports and a temporary directory) in front of gunicorn sync
  workers on 127.0.0.1. nginx is installed with apt-get if missing.
* ``gunicorn``: plain gunicorn sync workers, the earlier ``make run`` (finding F4: it fails).
* ``--url http://127.0.0.1:PORT``: a server already running there.

Results and method: docs/security.md, "Slow clients".
"""

import argparse
import contextlib
import getpass
import http.client
import os
import re
import selectors
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
# The request never ends: after the request line, header lines without the closing blank line.
SLOW_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: dawdle\r\n" * 10_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the servers ------------------------------------------------------------------------------


def _app_env(var_dir: Path, **extra: str) -> dict:
    env = {
        **os.environ,
        "HELPDESK_VAR_DIR": str(var_dir),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        **extra,
    }
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "HELPDESK_CACHE_URL", "HELPDESK_ENV"):
        env.pop(name, None)  # the embedded default, as make run has it
    return env


def _start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own commands
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # stopped as a process group
    )


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)  # quick shutdown: gunicorn, waitress, nginx
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_healthy(port: int, processes: list[subprocess.Popen], logs: list[Path]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            break
        with contextlib.suppress(OSError):
            if probe(port, timeout=2)[0] == 200:
                return
        time.sleep(0.3)
    tails = "\n".join(f"--- {log}\n{log.read_text()[-2000:]}" for log in logs)
    raise SystemExit(f"the server on port {port} did not answer /healthz\n{tails}")


def procfile_web_command(port: int) -> list[str]:
    """The Procfile's web line for ``port``, bound to loopback instead of every interface."""
    text = (ROOT / "Procfile").read_text()
    (line,) = re.findall(r"^web:\s*(.+)$", text, re.MULTILINE)
    line = line.replace("${HELPDESK_PORT:-8000}", str(port)).replace("0.0.0.0:", "127.0.0.1:")
    line = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: os.environ.get(m[1], m[2]), line)
    return shlex.split(line)


def gunicorn_command(port: int) -> list[str]:
    """Sync workers, as the Procfile had them (and as compose runs them behind nginx)."""
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    return [
        str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", workers, "--access-logfile", "-",
    ]  # fmt: skip


def ensure_nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found:
        return found
    print("nginx is missing: apt-get update && apt-get install -y nginx", flush=True)
    apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=apt)  # noqa: S607
    subprocess.run(["apt-get", "install", "-y", "nginx"], check=True, env=apt)  # noqa: S607
    return shutil.which("nginx", path="/usr/sbin:/usr/local/sbin:/usr/bin") or "nginx"


def nginx_config(work: Path, *, listen_port: int, upstream_port: int) -> str:
    """docker/nginx.conf with its "drill:" lines pointed at loopback and ``work``."""
    text = (ROOT / "docker" / "nginx.conf").read_text()
    user = "root" if os.geteuid() == 0 else getpass.getuser()
    temp = "".join(
        f"    {kind}_temp_path {work / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    replacements = {
        "user nginx;": f"user {user};",
        "pid /var/run/nginx.pid;": f"pid {work / 'nginx.pid'};",
        "server web:8000;": f"server 127.0.0.1:{upstream_port};",
        "listen 80 default_server;": f"listen 127.0.0.1:{listen_port} default_server;",
        "http {\n": "http {\n" + temp,
    }
    for old, new in replacements.items():
        if old not in text:
            raise SystemExit(f"docker/nginx.conf no longer contains {old!r}: update the drill")
        text = text.replace(old, new, 1)
    return text


@contextlib.contextmanager
def target_server(target: str):
    """Start ``target`` on free loopback ports; yield the port clients use."""
    work = Path(tempfile.mkdtemp(prefix="slow-clients-"))
    processes: list[subprocess.Popen] = []
    try:
        proxy = {"HELPDESK_TRUSTED_PROXIES": "127.0.0.1"} if target == "nginx" else {}
        env = _app_env(work, **proxy)
        # No migrate: /healthz reads no table, and migrating SQLite takes longer than the drill.
        app_port = free_port()
        if target == "procfile":
            command = procfile_web_command(app_port)
        else:
            command = gunicorn_command(app_port)
        print(f"app server: {shlex.join(command)}", flush=True)
        processes.append(_start(command, env, work / "app.log"))
        logs = [work / "app.log"]
        _wait_healthy(app_port, processes, logs)
        port = app_port
        if target == "nginx":
            nginx = ensure_nginx()
            port = free_port()
            conf = work / "nginx.conf"
            conf.write_text(nginx_config(work, listen_port=port, upstream_port=app_port))
            base = [nginx, "-p", str(work), "-e", str(work / "nginx-error.log"), "-c", str(conf)]
            subprocess.run([*base, "-t"], check=True, capture_output=True)  # noqa: S603
            print(f"nginx: {shlex.join(base)} (docker/nginx.conf on 127.0.0.1:{port})", flush=True)
            processes.append(_start([*base, "-g", "daemon off;"], env, work / "nginx.log"))
            logs.append(work / "nginx.log")
            _wait_healthy(port, processes, logs)
        yield port
    finally:
        for process in reversed(processes):
            _stop(process)
        shutil.rmtree(work, ignore_errors=True)


# --- the drill --------------------------------------------------------------------------------


def probe(port: int, timeout: float) -> tuple[int, float]:
    """One ordinary ``GET /healthz``: (status, seconds)."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/healthz", headers={"Host": f"127.0.0.1:{port}"})
        response = connection.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    finally:
        connection.close()


class SlowClients:
    """``count`` connections, each sending the next byte of ``SLOW_REQUEST`` once a second."""

    def __init__(self, port: int, count: int):
        self.port = port
        self.count = count
        self.selector = selectors.DefaultSelector()
        self.sent: dict[socket.socket, int] = {}
        self.opened = 0
        self.cut = 0
        self.refused = 0

    def _open(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(2)
        try:
            sock.connect(("127.0.0.1", self.port))
        except OSError:
            self.refused += 1
            sock.close()
            return
        sock.setblocking(False)
        self.selector.register(sock, selectors.EVENT_READ)
        self.sent[sock] = 0
        self.opened += 1

    def _drop(self, sock: socket.socket) -> None:
        self.selector.unregister(sock)
        del self.sent[sock]
        sock.close()
        self.cut += 1

    def fill(self) -> None:
        for _ in range(self.count - len(self.sent)):
            self._open()

    def tick(self) -> None:
        """Notice connections the server ended or answered, send one byte on the rest."""
        for key, _ in self.selector.select(timeout=0):
            try:
                closed_or_answered = True
                key.fileobj.recv(4096)
            except BlockingIOError:
                closed_or_answered = False
            except OSError:
                pass
            if closed_or_answered:
                self._drop(key.fileobj)
        for sock in list(self.sent):
            position = self.sent[sock]
            try:
                sock.send(SLOW_REQUEST[position : position + 1])
                self.sent[sock] = position + 1
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self._drop(sock)
        self.fill()

    def close(self) -> None:
        for sock in list(self.sent):
            self.selector.unregister(sock)
            sock.close()
        self.sent.clear()
        self.selector.close()


def drill(port: int, *, connections: int, duration: float, interval: float, timeout: float):
    slow = SlowClients(port, connections)
    latencies: list[float] = []
    failures: list[str] = []
    end = 0.0  # set once the slow connections are open

    def ordinary_client() -> None:
        """One ordinary request at a time, ``interval`` seconds apart, until ``end``."""
        while time.monotonic() + interval < end:
            time.sleep(interval)
            try:
                status, seconds = probe(port, timeout=timeout)
                if status == 200:
                    latencies.append(seconds)
                else:
                    failures.append(f"HTTP {status}")
            except OSError as error:
                failures.append(type(error).__name__)

    prober = threading.Thread(target=ordinary_client, daemon=True)
    try:
        slow.fill()
        print(f"{len(slow.sent)} slow connections open on 127.0.0.1:{port}", flush=True)
        end = time.monotonic() + duration
        slow.tick()
        time.sleep(2)  # let the first bytes reach the server before the ordinary requests
        prober.start()
        while time.monotonic() < end:
            slow.tick()
            time.sleep(1)
        prober.join(timeout + 1)
        still_open = len(slow.sent)
    finally:
        slow.close()
    return {
        "answered": len(latencies),
        "failed": len(failures),
        "failures": sorted({f: failures.count(f) for f in failures}.items()),
        "max_ms": max(latencies, default=0) * 1000,
        "median_ms": statistics.median(latencies) * 1000 if latencies else 0,
        "slow_opened": slow.opened,
        "slow_cut": slow.cut,
        "slow_refused": slow.refused,
        "slow_open_at_end": still_open,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slow_clients", description=__doc__)
    parser.add_argument("--target", choices=["procfile", "nginx", "gunicorn"], default="procfile")
    parser.add_argument(
        "--url", help="a server already running on loopback, e.g. http://127.0.0.1:8000"
    )
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds (at most 50)")
    parser.add_argument("--probe-interval", type=float, default=0.5)
    parser.add_argument("--probe-timeout", type=float, default=5.0)
    args = parser.parse_args(argv)
    if not 1 <= args.connections <= 500:
        parser.error("--connections: 1 to 500")
    if not 5 <= args.duration <= 50:
        parser.error("--duration: 5 to 50 seconds")

    if args.url:
        parts = urlsplit(args.url)
        if parts.hostname not in LOOPBACK or not parts.port:
            parser.error("--url: loopback only, with a port (http://127.0.0.1:PORT)")
        server = contextlib.nullcontext(parts.port)
        name = args.url
    else:
        server = target_server(args.target)
        name = args.target
    with server as port:
        result = drill(
            port,
            connections=args.connections,
            duration=args.duration,
            interval=args.probe_interval,
            timeout=args.probe_timeout,
        )
    ok = result["failed"] == 0 and result["answered"] > 0
    print(
        f"{name}: {args.connections} slow clients for {args.duration:.0f} s — "
        f"normal requests answered {result['answered']}, failed {result['failed']}"
        f"{' ' + str(result['failures']) if result['failures'] else ''}; "
        f"latency median {result['median_ms']:.0f} ms, max {result['max_ms']:.0f} ms; "
        f"slow connections opened {result['slow_opened']}, cut by the server "
        f"{result['slow_cut']}, refused {result['slow_refused']}, "
        f"open at the end {result['slow_open_at_end']} — {'PASS' if ok else 'FAIL'}",
        flush=True,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
