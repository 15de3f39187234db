"""The platform host: landing page with sign-up, health, API token pages."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django_scopes import scope

from helpdesk.models import ApiToken, Tenant
from helpdesk.platform.encryption import generate_key
from tests.conftest import client_for

PLATFORM = "localhost"


def signup(**overrides):
    data = {
        "name": "Initech",
        "slug": "initech",
        "admin_email": "boss@initech.test",
        "password": "a-long-enough-pass",
        "time_zone": "Asia/Shanghai",
        "default_language": "en",
    }
    return client_for(None, PLATFORM).post("/", {**data, **overrides})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", "www", "is reserved"),
        ("slug", "Not A Slug", "Use lower-case letters"),
        ("time_zone", "Mars/Olympus", "not a known time zone"),
        ("admin_email", "not-an-email", "valid email"),
    ],
)
def test_it_explains_every_bad_sign_up_field(field, value, message):
    response = signup(**{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Tenant.objects.exists()


def test_it_refuses_a_taken_address(tenant_a):
    assert "This address is taken" in signup(slug="acme").content.decode()


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(settings):
    response = client_for(None, PLATFORM).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}


@pytest.mark.django_db
def test_healthz_says_degraded_when_the_broker_is_unreachable(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client_for(None, PLATFORM).get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"


def test_it_shows_a_new_api_key_once_and_stores_only_its_hash(admin_client_a, admin_a, tenant_a):
    response = admin_client_a.post(
        "/settings/api-tokens/", {"name": "ERP", "membership": admin_a.pk}
    )
    key = response.context["new_key"]
    assert key in response.content.decode()
    page = admin_client_a.get("/settings/api-tokens/").content.decode()
    assert key not in page and key[:8] in page
    with scope(tenant=tenant_a):
        token = ApiToken.objects.get()
    admin_client_a.post(f"/settings/api-tokens/{token.pk}/revoke/")
    assert client_for().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {
        **os.environ,
        "HELPDESK_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "HELPDESK_ENCRYPTION_KEYS": generate_key(),
        "DJANGO_ALLOWED_HOSTS": ".helpdesk.example.com",
        "HELPDESK_BASE_DOMAIN": "helpdesk.example.com",
        "HELPDESK_VAR_DIR": str(tmp_path),
    }
    env.pop("DJANGO_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
