"""Under the production profile every response carries the security headers and the cookies
are Secure: the settings module is loaded as production reads it (HELPDESK_ENV=production)
and its security settings applied to requests through the real middleware."""

import importlib.util
import secrets
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.conftest import client_for
from tests.factories import PASSWORD

SECURITY_SETTINGS = (
    "DEBUG",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "X_FRAME_OPTIONS",
)


def production_settings(monkeypatch, tmp_path):
    """The settings module as a production process evaluates it."""
    monkeypatch.setenv("HELPDESK_ENV", "production")
    monkeypatch.setenv("DJANGO_SECRET_KEY", secrets.token_urlsafe(60))
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", ".localhost")
    monkeypatch.setenv("HELPDESK_VAR_DIR", str(tmp_path))
    for name in ("DJANGO_DEBUG", "DJANGO_HSTS_SECONDS", "DJANGO_SECURE_SSL_REDIRECT"):
        monkeypatch.delenv(name, raising=False)
    path = Path(django_settings.BASE_DIR) / "config" / "settings.py"
    spec = importlib.util.spec_from_file_location("production_settings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def production(settings, monkeypatch, tmp_path):
    profile = production_settings(monkeypatch, tmp_path)
    for name in SECURITY_SETTINGS:
        setattr(settings, name, getattr(profile, name))
    return profile


def test_the_production_profile_sets_every_security_setting(production):
    assert production.DEBUG is False
    assert production.SECURE_SSL_REDIRECT is True
    assert production.SECURE_HSTS_SECONDS >= 31536000
    assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE


def test_it_redirects_plain_http_to_https(production, tenant_a):
    response = client_for().get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://acme.localhost/accounts/login/"


def test_a_production_page_carries_every_security_header(production, tenant_a):
    response = client_for().get("/accounts/login/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    csrf_cookie = response.cookies[django_settings.CSRF_COOKIE_NAME]
    assert csrf_cookie["secure"] is True


def test_the_session_cookie_is_secure_and_hidden_from_script(production, agent_a):
    response = client_for().post(
        "/accounts/login/", {"username": "agent@acme.test", "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True and cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
