"""Requests no view can use, answered 400 before any view runs, with a sentence saying why.

* **NUL** in the path, anywhere in the query string (names and values) or anywhere in a JSON
  body (keys and strings). PostgreSQL text cannot hold it, and a filter that passed one on
  failed or cut its answer short. Form bodies are left to their forms: every text field
  already refuses NUL with an error next to the field ("Null characters are not allowed."),
  keeping what was typed, and the few values views read without a form are only compared.
* **A query string that is not UTF-8** once percent-decoded. Browsers always send UTF-8;
  Django would quietly turn the bytes into U+FFFD and filter by that. (Form bodies keep
  Django's lenient decoding: tests/security/test_bad_bodies.py.)
* **An address longer than ``HELPDESK_MAX_URL_LENGTH``** (path and query). Set below the
  front servers' request-line limits (docs/security.md), so a long filter gets this answer
  from the app rather than a bare 414 or 400 from gunicorn or nginx.

Under ``/api/`` the answer is JSON (``{"detail": …}``), elsewhere a short page.
"""

import json
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _

NUL = "\x00"


class BadRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = request_problem(request)
        if problem:
            return bad_request(request, problem)
        return self.get_response(request)


def request_problem(request: HttpRequest) -> str:
    """What makes the request unusable, for the sender; empty when nothing does."""
    limit = settings.HELPDESK_MAX_URL_LENGTH
    query = request.META.get("QUERY_STRING", "")
    if len(request.path) + len(query) > limit:
        return _("The address is longer than %(limit)s characters.") % {"limit": limit}
    decoded = _query_text(query)
    if decoded is None:
        return _("The address is not valid UTF-8.")
    if NUL in request.path or NUL in decoded or _json_has_nul(request):
        return _("Null characters are not allowed.")
    return ""


def _query_text(query: str) -> str | None:
    """The percent-decoded query string, or None when it is not UTF-8. WSGI hands the raw
    bytes over as latin-1 text."""
    try:
        raw = query.encode("latin-1")
    except UnicodeEncodeError:
        raw = query.encode("utf-8")
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _json_has_nul(request: HttpRequest) -> bool:
    """A NUL in a key or string of a JSON body. Only JSON the body limit lets through is read
    (a larger one gets the usual 413), and only when a NUL may be in it; JSON that does not
    parse is left to the API's parser and its own message."""
    if request.content_type != "application/json" and not request.content_type.endswith("+json"):
        return False
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    if not 0 < length <= (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or length):
        return False
    body = request.body
    if b"\\u0000" not in body and b"\x00" not in body:
        return False
    try:
        return _contains_nul(json.loads(body))
    except (ValueError, RecursionError):
        return False


def _contains_nul(document: object) -> bool:
    # A loop rather than recursion: the document may be nested as deep as the parser allowed.
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str) and NUL in value:
            return True
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def bad_request(request: HttpRequest, text: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": text}, status=400)
    title = _("Bad request")
    page = format_html(
        '<!doctype html><title>{}</title><h1>{}</h1><p class="message error">{}</p>',
        title,
        title,
        text,
    )
    return HttpResponse(page, status=400)
