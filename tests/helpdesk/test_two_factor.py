"""Two-factor authentication: enrolment, the code after the password, replays, recovery codes,
the tenant's policy, and the lockout that bounds guessing."""

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope

from helpdesk.models import Authenticator, ConfigurationEvent, Tenant, TwoFactorPolicy
from helpdesk.services import api_token_create
from helpdesk.two_factor import recovery_code_stored
from tests.conftest import HOST_A
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/verify/"
ENROL = "/accounts/two-factor/enrol/"


def current_code(device: Authenticator) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def signed_in_with_password(membership, ip="10.0.0.1") -> Client:
    client = Client(HTTP_HOST=HOST_A)
    response = client.post(
        LOGIN, {"username": membership.user.email, "password": PASSWORD}, REMOTE_ADDR=ip
    )
    assert response.status_code == 302
    return client


def enrolled(membership) -> Authenticator:
    return Authenticator.objects.create(user=membership.user, name="phone", confirmed=True)


def require(tenant: Tenant, policy: str) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(two_factor_required_for=policy)


def test_it_keeps_a_member_out_of_pages_and_session_api_until_the_code(admin_a, tenant_a):
    require(tenant_a, TwoFactorPolicy.ADMINS)
    device = enrolled(admin_a)
    client = signed_in_with_password(admin_a)

    page = client.get("/tickets/")
    assert page.status_code == 302
    assert page["Location"].startswith(VERIFY)
    assert client.get("/api/v1/me/").status_code in (401, 403)

    response = client.post(VERIFY, {"code": current_code(device), "next": "/tickets/"})
    assert response.status_code == 302
    assert response["Location"] == "/tickets/"
    assert client.get("/tickets/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_it_sends_a_member_without_an_authenticator_to_enrol_first(agent_a, tenant_a):
    require(tenant_a, TwoFactorPolicy.EVERYONE)
    client = signed_in_with_password(agent_a)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL)


def test_it_lets_a_role_the_policy_does_not_cover_in_with_the_password(agent_a, tenant_a):
    require(tenant_a, TwoFactorPolicy.MANAGERS)
    client = signed_in_with_password(agent_a)
    assert client.get("/").status_code == 200


def test_it_leaves_api_tokens_working_for_a_member_who_owes_a_code(admin_a, tenant_a):
    require(tenant_a, TwoFactorPolicy.EVERYONE)
    with scope(tenant=tenant_a):
        _token, key = api_token_create(membership=admin_a, name="integration")
    client = Client(HTTP_HOST=HOST_A, HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").status_code == 200


def test_it_enrols_with_a_qr_code_a_first_code_and_shows_recovery_codes_once(admin_a):
    client = signed_in_with_password(admin_a)
    assert client.post(ENROL, {"start": "1"}).status_code == 302
    page = client.get(ENROL)
    assert "<svg" in page.content.decode()
    device = Authenticator.objects.get(user=admin_a.user)
    assert not device.confirmed

    response = client.post(ENROL, {"code": current_code(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]{10})</code></li>", response.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert "no-store" in response["Cache-Control"]
    assert client.get("/").status_code == 200  # this session passed the second factor
    with scope(tenant=admin_a.tenant):
        assert ConfigurationEvent.objects.filter(action="2fa_enabled", actor=admin_a).exists()


def test_it_does_not_confirm_an_authenticator_with_a_wrong_code(admin_a):
    client = signed_in_with_password(admin_a)
    client.post(ENROL, {"start": "1"})
    assert client.post(ENROL, {"code": "000000"}).status_code == 400
    assert not Authenticator.objects.get(user=admin_a.user).confirmed


def test_it_refuses_the_same_totp_code_twice(admin_a, tenant_a):
    require(tenant_a, TwoFactorPolicy.ADMINS)
    device = enrolled(admin_a)
    code = current_code(device)
    first = signed_in_with_password(admin_a)
    assert first.post(VERIFY, {"code": code}).status_code == 302

    second = signed_in_with_password(admin_a, ip="10.0.0.2")
    assert second.post(VERIFY, {"code": code}).status_code == 400
    assert second.get("/").status_code == 302


def test_it_accepts_each_recovery_code_once(admin_a, tenant_a):
    require(tenant_a, TwoFactorPolicy.ADMINS)
    device = enrolled(admin_a)
    client = signed_in_with_password(admin_a)
    client.post(VERIFY, {"code": current_code(device)})
    response = client.post("/accounts/two-factor/recovery-codes/")
    code = re.findall(r"<li><code>([a-z0-9]{10})</code></li>", response.content.decode())[0]

    fresh = signed_in_with_password(admin_a, ip="10.0.0.2")
    assert fresh.post(VERIFY, {"code": code.upper()}).status_code == 302
    assert fresh.get("/").status_code == 200
    assert not StaticToken.objects.filter(token=recovery_code_stored(code)).exists()

    again = signed_in_with_password(admin_a, ip="10.0.0.3")
    assert again.post(VERIFY, {"code": code}).status_code == 400
    assert again.get("/").status_code == 302


def test_it_locks_out_after_repeated_wrong_codes(admin_a, tenant_a, settings):
    require(tenant_a, TwoFactorPolicy.ADMINS)
    device = enrolled(admin_a)
    client = signed_in_with_password(admin_a)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(VERIFY, {"code": "000000"}).status_code == 400
    assert client.post(VERIFY, {"code": "000000"}).status_code == 429
    locked = client.post(VERIFY, {"code": current_code(device)})  # the right code is no help
    assert locked.status_code == 429
    assert client.get("/").status_code == 302
    with scope(tenant=tenant_a):
        failures = ConfigurationEvent.objects.filter(action="2fa_failed", actor=admin_a)
        assert failures.count() == settings.AXES_FAILURE_LIMIT


def test_it_asks_an_enrolled_member_for_the_code_even_where_not_required(agent_a):
    enrolled(agent_a)
    client = signed_in_with_password(agent_a)
    assert client.get("/").status_code == 302


def test_it_does_not_let_the_password_alone_replace_an_authenticator(agent_a):
    enrolled(agent_a)
    client = signed_in_with_password(agent_a)
    response = client.post(ENROL, {"start": "1"})
    assert response["Location"].startswith(VERIFY)
    assert Authenticator.objects.filter(user=agent_a.user).count() == 1


def test_it_turns_off_with_the_password_and_a_code(agent_a):
    device = enrolled(agent_a)
    client = signed_in_with_password(agent_a)
    client.post(VERIFY, {"code": current_code(device)})
    refused = client.post("/accounts/two-factor/disable/", {"password": "wrong", "code": "123456"})
    assert refused.status_code == 400
    assert Authenticator.objects.filter(user=agent_a.user).exists()
    recovery = client.post("/accounts/two-factor/recovery-codes/").content.decode()
    code = re.findall(r"<li><code>([a-z0-9]{10})</code></li>", recovery)[0]
    response = client.post("/accounts/two-factor/disable/", {"password": PASSWORD, "code": code})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=agent_a.user).exists()


def test_it_lets_the_admin_set_the_policy_with_an_audit_row(admin_client_a, tenant_a, admin_a):
    response = admin_client_a.post(
        "/settings/security/", {"two_factor_required_for": TwoFactorPolicy.MANAGERS}
    )
    assert response.status_code == 302
    tenant_a.refresh_from_db()
    assert tenant_a.two_factor_required_for == TwoFactorPolicy.MANAGERS
    with scope(tenant=tenant_a):
        row = ConfigurationEvent.objects.get(field="two_factor_required_for")
    assert (row.old_value, row.new_value, row.actor) == ("nobody", "managers", admin_a)


@pytest.mark.parametrize("who", ["agent", "outsider"])
def test_it_hides_the_security_settings_from_non_admins(who, agent_client_a, outsider_client):
    client = agent_client_a if who == "agent" else outsider_client
    assert client.get("/settings/security/").status_code == 404


def test_it_shows_the_outsider_no_two_factor_pages_of_another_tenant(outsider_client):
    assert outsider_client.get(VERIFY).status_code == 404
    assert outsider_client.get(ENROL).status_code == 404


# --- secrets at rest -------------------------------------------------------------------------


def test_it_stores_the_authenticator_seed_encrypted(admin_a):
    device = enrolled(admin_a)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM helpdesk_authenticator WHERE id = %s", [device.pk])
        (stored,) = cursor.fetchone()
    assert len(device.secret) == 40
    assert device.secret not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert Authenticator.objects.get(pk=device.pk).bin_key == bytes.fromhex(device.secret)


def test_it_keeps_only_keyed_hashes_of_recovery_codes(admin_a, tenant_a):
    device = enrolled(admin_a)
    client = signed_in_with_password(admin_a)
    client.post(VERIFY, {"code": current_code(device)})
    page = client.post("/accounts/two-factor/recovery-codes/").content.decode()
    codes = re.findall(r"<li><code>([a-z0-9]{10})</code></li>", page)
    stored = set(StaticToken.objects.values_list("token", flat=True))

    assert len(codes) == len(stored) > 0
    assert not stored & set(codes)
    assert stored == {recovery_code_stored(code) for code in codes}


def test_recovery_codes_survive_a_rotated_secret_key(admin_a, tenant_a, settings):
    device = enrolled(admin_a)
    client = signed_in_with_password(admin_a)
    client.post(VERIFY, {"code": current_code(device)})
    page = client.post("/accounts/two-factor/recovery-codes/").content.decode()
    code = re.findall(r"<li><code>([a-z0-9]{10})</code></li>", page)[0]

    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    fresh = signed_in_with_password(admin_a, ip="10.0.0.9")
    assert fresh.post(VERIFY, {"code": code}).status_code == 302
    assert fresh.get("/").status_code == 200


def test_the_migration_seals_existing_devices_and_codes(admin_a):
    user = admin_a.user
    old = TOTPDevice.objects.create(user=user, name="phone", confirmed=True, last_t=12345)
    static = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    StaticToken.objects.create(device=static, token="abcdefghjk")
    migration = importlib.import_module("helpdesk.migrations.0013_second_factor_secrets_at_rest")

    migration.seal(django_apps, None)

    assert not TOTPDevice.objects.exists()
    moved = Authenticator.objects.get(user=user)
    assert (moved.secret, moved.last_t, moved.confirmed) == (old.key, 12345, True)
    assert list(static.token_set.values_list("token", flat=True)) == [
        recovery_code_stored("abcdefghjk")
    ]
