"""A real web server (gunicorn) in a child process, and a small cookie-keeping HTTP client."""

import http.cookiejar
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from pathlib import Path

from tests.sla.live import start, stop, wait_for


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebServer:
    def __init__(self, env: dict, log: Path, *, threads: int = 1):
        """One worker process; ``threads`` > 1 lets it serve requests side by side."""
        self.port = free_port()
        self.process = start(
            [
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                str(threads),
                "--timeout",
                "30",
            ],
            env,
            log,
        )
        self.log = log

    def __enter__(self) -> "WebServer":
        up = wait_for(lambda: self._answers(), timeout=30)
        assert up, self.log.read_text()[-3000:]
        return self

    def __exit__(self, *exc) -> None:
        stop([self.process])

    def _answers(self) -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
        except urllib.error.HTTPError:
            return True  # 503 is an answer too
        except OSError:
            return False
        return True

    def client(self, host: str) -> "Browser":
        return Browser(f"http://127.0.0.1:{self.port}", host=f"{host}:{self.port}")


class _KeepRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # let the caller see 302s
        return None


class Browser:
    """Enough of a browser for form posts: cookies, CSRF tokens, no JavaScript."""

    def __init__(self, base: str, host: str):
        self.base = base
        self.host = host  # tenant hosts need no DNS: connect to 127.0.0.1, name the host
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _KeepRedirect()
        )

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        headers = {"Host": self.host, **(headers or {})}
        req = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def csrf(self, path: str) -> str:
        _status, page, _headers = self.request(path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match, page[:500]
        return match.group(1)

    def post_form(self, path: str, fields: dict):
        token = self.csrf(path)
        return self.request(
            path, {**fields, "csrfmiddlewaretoken": token}, {"Referer": self.base + path}
        )

    def login(self, email: str, password: str) -> None:
        status, _page, _headers = self.post_form(
            "/accounts/login/", {"username": email, "password": password}
        )
        assert status == 302, f"login as {email} failed: {status}"
