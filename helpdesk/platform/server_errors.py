"""``handler500``: an unreachable database is a short 503 the client may retry, not a crash.

While PostgreSQL restarts or fails over, a request in flight loses its connection and a new one
cannot open; either raises ``OperationalError`` or ``InterfaceError``. Such a request gets 503
with ``Retry-After`` (JSON under ``/api/``, a page without template or query elsewhere, since
both would need the database), and the log gets one line instead of a traceback per request.
Nothing half-done stays behind: the request's transaction died with its connection. The next
request reconnects by itself (``CONN_HEALTH_CHECKS``). Any other error is the usual 500.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger("helpdesk.database")

RETRY_AFTER_SECONDS = 5


def server_error(request: HttpRequest) -> HttpResponse:
    """Called by Django inside the ``except`` block of the failed request (``sys.exc_info``
    is the error)."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        return database_unavailable(request, error)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    return defaults.server_error(request)


def database_unavailable(request: HttpRequest, error: Exception) -> HttpResponse:
    logger.warning(
        "database unavailable, answered 503 to %s %s: %s",
        request.method,
        request.path,
        " ".join(str(error).split()),
    )
    text = _("The service is temporarily unavailable. Please try again in a moment.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": text}, status=503)
    else:
        title = _("Temporarily unavailable")
        page = format_html(
            "<!doctype html><title>{}</title><h1>{}</h1><p>{}</p>", title, title, text
        )
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Django would log it again with a traceback; the line above is the whole story.
    response._has_been_logged = True
    return response
