"""The WSGI application as waitress serves it (`make run`, the Procfile's ``web``).

waitress reads requests in its main thread, asynchronously, and hands only complete requests to
its thread pool, so a client that sends its headers or body slowly holds a socket, not a thread
(docs/security.md, "Slow clients"). waitress writes no access log of its own: ``AccessLog``
writes one line per request, after the last byte of the response, to the ``helpdesk.access``
logger (standard output through the root handler of ``config.settings``).
"""

import logging
import time

from config.wsgi import application as django_application

logger = logging.getLogger("helpdesk.access")


class AccessLog:
    """``address "METHOD /path?query PROTOCOL" status bytes duration_ms``."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.monotonic()
        seen = {"status": "-"}

        def recording_start_response(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        body = self.app(environ, recording_start_response)
        return _LoggedBody(body, environ, seen, started)


class _LoggedBody:
    """The response iterable, logging once it is closed (i.e. once it was sent)."""

    def __init__(self, body, environ, seen, started):
        self.body = body
        self.environ = environ
        self.seen = seen
        self.started = started
        self.sent = 0

    def __iter__(self):
        for chunk in self.body:
            self.sent += len(chunk)
            yield chunk

    def close(self):
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            env = self.environ
            target = env.get("PATH_INFO", "")
            if env.get("QUERY_STRING"):
                target += "?" + env["QUERY_STRING"]
            logger.info(
                '%s "%s %s %s" %s %s %.0fms',
                env.get("REMOTE_ADDR", "-"),
                env.get("REQUEST_METHOD", "-"),
                target,
                env.get("SERVER_PROTOCOL", "-"),
                self.seen["status"],
                self.sent,
                (time.monotonic() - self.started) * 1000,
            )


application = AccessLog(django_application)
