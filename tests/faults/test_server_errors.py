"""``handler500``: a database that cannot be reached is a 503 to retry; anything else a 500.
(The same under a real PostgreSQL restart: tests/faults/test_database_restart.py.)"""

import json
import logging

from django.db import InterfaceError, OperationalError

from helpdesk.platform.server_errors import server_error


def answer_to(request, error: Exception):
    """What Django's handler returns for a request that raised ``error``."""
    try:
        raise error
    except Exception:
        return server_error(request)


def test_it_answers_a_short_503_page_when_the_database_is_unreachable(rf, caplog):
    caplog.set_level(logging.WARNING, logger="helpdesk.database")
    request = rf.get("/tickets/")
    response = answer_to(request, OperationalError("connection refused\n  is it running?"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "temporarily unavailable" in response.content.decode()
    assert caplog.messages == [
        "database unavailable, answered 503 to GET /tickets/: connection refused is it running?"
    ]


def test_it_answers_json_503_to_the_api_when_the_connection_is_gone(rf):
    response = answer_to(rf.post("/api/v1/tickets/"), InterfaceError("the connection is closed"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "temporarily unavailable" in json.loads(response.content)["detail"]


def test_it_keeps_other_errors_a_500(rf):
    assert answer_to(rf.get("/tickets/"), ZeroDivisionError()).status_code == 500
    api = answer_to(rf.get("/api/v1/tickets/"), KeyError("x"))
    assert (api.status_code, json.loads(api.content)) == (500, {"detail": "Server error."})
