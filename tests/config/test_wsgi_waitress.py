"""The access log that `make run`'s waitress server writes (waitress has none of its own)."""

import logging

from config.wsgi_waitress import AccessLog


def _app(environ, start_response):
    start_response("201 Created", [("Content-Type", "text/plain")])
    return [b"hello ", b"world"]


def test_one_line_per_request_after_the_body_is_sent(caplog):
    environ = {
        "REMOTE_ADDR": "192.0.2.7",
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/tickets/",
        "QUERY_STRING": "page=2",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    body = AccessLog(_app)(environ, lambda status, headers, exc_info=None: None)
    with caplog.at_level(logging.INFO, logger="helpdesk.access"):
        assert b"".join(body) == b"hello world"
        assert not caplog.records  # nothing until the server closes the response
        body.close()
    (record,) = caplog.records
    assert record.getMessage().startswith('192.0.2.7 "POST /tickets/?page=2 HTTP/1.1" 201 11 ')
