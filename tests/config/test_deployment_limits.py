"""The proxy and the app servers refuse exactly what the app would refuse, and nothing less.

docker/nginx.conf's client_max_body_size and the Procfile's waitress --max-request-body-size are
written out by hand; they must follow the app's own limits, and the compose file must keep the
app server behind nginx with forwarded headers trusted from nginx alone.
"""

import re
from pathlib import Path

import yaml
from django.conf import settings

from bench.slow_clients import nginx_config, procfile_web_command
from helpdesk.platform.uploads import upload_cap

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
MULTIPART_SLACK = 5 * MIB  # boundaries and part headers


def _largest_accepted_request() -> int:
    return (
        settings.DATA_UPLOAD_MAX_NUMBER_FILES * upload_cap() + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )


def _nginx_body_limit() -> int:
    text = (ROOT / "docker" / "nginx.conf").read_text()
    (value,) = re.findall(r"^\s*client_max_body_size\s+(\d+)m;", text, re.MULTILINE)
    return int(value) * MIB


def test_nginx_accepts_the_largest_request_the_app_accepts_and_little_more():
    largest = _largest_accepted_request()
    assert largest <= _nginx_body_limit() <= largest + MULTIPART_SLACK


def test_waitress_body_limit_is_nginx_s():
    procfile = (ROOT / "Procfile").read_text()
    (value,) = re.findall(r"--max-request-body-size=(\d+)", procfile)
    assert int(value) == _nginx_body_limit()


def test_only_nginx_is_published_and_only_it_is_trusted():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert "ports" not in services["web"]
    proxy_address = services["proxy"]["networks"]["edge"]["ipv4_address"]
    assert services["web"]["environment"]["HELPDESK_TRUSTED_PROXIES"] == proxy_address
    assert f"--forwarded-allow-ips {proxy_address}" in services["web"]["command"]
    assert services["proxy"]["volumes"] == ["./docker/nginx.conf:/etc/nginx/nginx.conf:ro"]


def test_the_slow_client_drill_runs_this_nginx_config_on_loopback(tmp_path):
    text = nginx_config(tmp_path, listen_port=18001, upstream_port=18002)
    assert "listen 127.0.0.1:18001 default_server;" in text
    assert "server 127.0.0.1:18002;" in text
    assert "web:8000" not in text
    assert "client_max_body_size 110m;" in text  # everything else as compose runs it
    command = procfile_web_command(18003)
    assert command[0] == "waitress-serve"
    assert "--listen=127.0.0.1:18003" in command
