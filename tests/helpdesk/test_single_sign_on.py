"""Single sign-on through a tenant's OpenID Connect provider, against a fake issuer on
127.0.0.1: the assertion lands in the tenant whose flow and client it was made for, and only
there."""

from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from django_scopes import scope

from helpdesk.models import ConfigurationEvent, Membership, OidcProvider, Role, TwoFactorPolicy
from tests.conftest import HOST_A, HOST_B
from tests.factories import MembershipFactory, UserFactory
from tests.helpdesk.fake_oidc import FakeIssuer, new_key

START = "/accounts/oidc/start/"


@pytest.fixture
def issuer(settings):
    settings.HELPDESK_OIDC_ALLOW_LOOPBACK_HTTP = True
    with FakeIssuer() as fake:
        yield fake


def provider_for(tenant, issuer, client_id, **extra) -> OidcProvider:
    issuer.register(client_id, f"secret-of-{client_id}")
    values = {
        "display_name": "Corp ID",
        "issuer": issuer.url,
        "client_id": client_id,
        "client_secret": f"secret-of-{client_id}",
        "default_role": Role.AGENT,
        "allowed_email_domains": "acme.test, globex.test",
        **extra,
    }
    with scope(tenant=tenant):
        return OidcProvider.objects.create(tenant=tenant, **values)


def sign_in_through(issuer, client: Client, host: str, callback_host: str | None = None):
    """Press the button on ``host``, let the provider approve, return to ``callback_host``."""
    start = client.post(START, {"next": "/tickets/"}, HTTP_HOST=host)
    assert start.status_code == 302, start
    approved = requests.get(start["Location"], allow_redirects=False, timeout=5)
    callback = urlsplit(approved.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}", HTTP_HOST=callback_host or host)


def membership_in(tenant, email):
    with scope(tenant=tenant):
        return Membership.objects.filter(user__email=email).first()


def test_it_signs_a_new_person_in_to_the_tenant_with_its_default_role(issuer, tenant_a, tenant_b):
    provider_for(tenant_a, issuer, "acme-desk", default_role=Role.TEAM_LEAD)
    issuer.email = "new.person@acme.test"
    client = Client(HTTP_HOST=HOST_A)
    response = sign_in_through(issuer, client, HOST_A)
    assert response.status_code == 302
    assert response["Location"] == "/tickets/"
    assert client.get("/").status_code == 200
    assert membership_in(tenant_a, "new.person@acme.test").role == Role.TEAM_LEAD
    assert membership_in(tenant_b, "new.person@acme.test") is None


def test_it_lets_an_existing_user_join_with_their_account(issuer, tenant_a, outsider):
    provider_for(tenant_a, issuer, "acme-desk")
    issuer.email = "outsider@globex.test"
    client = Client(HTTP_HOST=HOST_A)
    sign_in_through(issuer, client, HOST_A)
    assert membership_in(tenant_a, "outsider@globex.test").user == outsider.user


def test_it_refuses_a_token_issued_for_another_tenants_client(issuer, tenant_a, tenant_b, caplog):
    provider_for(tenant_a, issuer, "acme-desk")
    provider_for(tenant_b, issuer, "globex-desk")
    issuer.email = "new.person@globex.test"
    issuer.audience_override = "acme-desk"  # a valid token, but for A's client
    client = Client(HTTP_HOST=HOST_B)
    response = sign_in_through(issuer, client, HOST_B)
    assert response["Location"].startswith("/accounts/login/")
    assert "Audience doesn't match" in caplog.text
    assert client.get("/").status_code == 302
    assert membership_in(tenant_b, "new.person@globex.test") is None


def test_it_refuses_a_state_from_another_tenants_flow(issuer, tenant_a, tenant_b, caplog):
    provider_for(tenant_a, issuer, "acme-desk")
    provider_for(tenant_b, issuer, "globex-desk")
    issuer.email = "new.person@acme.test"
    client = Client(HTTP_HOST=HOST_A)
    response = sign_in_through(issuer, client, HOST_A, callback_host=HOST_B)
    assert response["Location"].startswith("/accounts/login/")
    # Refused for its state: the flow names tenant A (or, where sessions are bound to their
    # host, B's session does not know the flow at all).
    assert "state of another tenant's flow" in caplog.text or "unknown or used state" in caplog.text
    assert client.get("/", HTTP_HOST=HOST_B).status_code == 302
    assert membership_in(tenant_b, "new.person@acme.test") is None


def test_it_refuses_a_token_signed_with_a_key_outside_the_jwks(issuer, tenant_a):
    provider_for(tenant_a, issuer, "acme-desk")
    issuer.email = "new.person@acme.test"
    issuer.signing_key = new_key()
    client = Client(HTTP_HOST=HOST_A)
    sign_in_through(issuer, client, HOST_A)
    assert client.get("/").status_code == 302
    assert membership_in(tenant_a, "new.person@acme.test") is None


def test_it_refuses_a_token_with_another_flows_nonce(issuer, tenant_a):
    provider_for(tenant_a, issuer, "acme-desk")
    issuer.email = "new.person@acme.test"
    issuer.nonce_override = "a-nonce-from-elsewhere"
    client = Client(HTTP_HOST=HOST_A)
    sign_in_through(issuer, client, HOST_A)
    assert client.get("/").status_code == 302


def test_it_refuses_a_replayed_callback(issuer, tenant_a):
    provider_for(tenant_a, issuer, "acme-desk")
    issuer.email = "new.person@acme.test"
    client = Client(HTTP_HOST=HOST_A)
    start = client.post(START)
    callback = urlsplit(
        requests.get(start["Location"], allow_redirects=False, timeout=5).headers["Location"]
    )
    assert client.get(f"{callback.path}?{callback.query}")["Location"] == "/"
    client.post("/accounts/logout/")
    replay = client.get(f"{callback.path}?{callback.query}")
    assert replay["Location"].startswith("/accounts/login/")


def test_it_refuses_an_email_outside_the_allowed_domains(issuer, tenant_a):
    provider_for(tenant_a, issuer, "acme-desk", allowed_email_domains="acme.test")
    issuer.email = "someone@elsewhere.test"
    client = Client(HTTP_HOST=HOST_A)
    sign_in_through(issuer, client, HOST_A)
    assert client.get("/").status_code == 302
    assert membership_in(tenant_a, "someone@elsewhere.test") is None


def test_it_keeps_a_deactivated_membership_deactivated(issuer, tenant_a):
    provider_for(tenant_a, issuer, "acme-desk")
    MembershipFactory(tenant=tenant_a, user=UserFactory(email="gone@acme.test"), is_active=False)
    issuer.email = "gone@acme.test"
    client = Client(HTTP_HOST=HOST_A)
    sign_in_through(issuer, client, HOST_A)
    assert client.get("/").status_code == 302
    assert not membership_in(tenant_a, "gone@acme.test").is_active


@pytest.mark.parametrize(("idp_mfa", "status"), [(False, 302), (True, 200)])
def test_it_asks_for_the_second_factor_unless_the_tenant_trusts_the_provider(
    issuer, tenant_a, idp_mfa, status
):
    type(tenant_a).objects.filter(pk=tenant_a.pk).update(
        two_factor_required_for=TwoFactorPolicy.EVERYONE
    )
    provider_for(tenant_a, issuer, "acme-desk", idp_enforces_mfa=idp_mfa)
    issuer.email = "new.person@acme.test"
    client = Client(HTTP_HOST=HOST_A)
    sign_in_through(issuer, client, HOST_A)
    assert client.get("/").status_code == status


def test_it_offers_the_provider_on_its_tenants_sign_in_page_only(issuer, tenant_a, tenant_b):
    provider_for(tenant_a, issuer, "acme-desk")
    assert (
        "Sign in with Corp ID" in Client(HTTP_HOST=HOST_A).get("/accounts/login/").content.decode()
    )
    assert "Sign in with" not in Client(HTTP_HOST=HOST_B).get("/accounts/login/").content.decode()


def test_it_lets_the_sign_in_page_lead_to_the_provider(issuer, tenant_a):
    provider_for(tenant_a, issuer, "acme-desk")
    policy = Client(HTTP_HOST=HOST_A).get("/accounts/login/")["Content-Security-Policy"]
    assert f"form-action 'self' {issuer.url};" in policy


def test_it_lets_the_admin_configure_the_provider_without_auditing_the_secret(
    issuer, admin_client_a, tenant_a
):
    data = {
        "display_name": "Corp ID",
        "issuer": issuer.url,
        "client_id": "acme-desk",
        "client_secret": "s3cret-value",
        "default_role": Role.AGENT,
        "allowed_email_domains": "acme.test",
        "is_active": "on",
    }
    assert admin_client_a.post("/settings/security/sso/", data).status_code == 302
    assert (
        admin_client_a.post("/settings/security/sso/", {**data, "client_secret": "n3w"}).status_code
        == 302
    )
    with scope(tenant=tenant_a):
        provider = OidcProvider.objects.get()
        rows = list(ConfigurationEvent.objects.filter(target_type="helpdesk.oidcprovider"))
    assert provider.client_secret == "n3w"
    assert [row.field for row in rows] == ["", "client_secret"]
    assert not any("s3cret" in str(row.data) or "n3w" in row.new_value for row in rows)


@pytest.mark.parametrize("who", ["agent", "outsider"])
def test_it_hides_the_sso_settings_from_non_admins(who, agent_client_a, outsider_client):
    client = agent_client_a if who == "agent" else outsider_client
    assert client.get("/settings/security/sso/").status_code == 404


def test_it_refuses_an_account_locked_out_by_failed_passwords(issuer, tenant_a, agent_a, settings):
    provider_for(tenant_a, issuer, "acme-desk")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        Client(HTTP_HOST=HOST_A).post(
            "/accounts/login/",
            {"username": "agent@acme.test", "password": "wrong"},
            REMOTE_ADDR=f"10.0.6.{attempt}",
        )
    issuer.email = "agent@acme.test"
    client = Client(HTTP_HOST=HOST_A)
    response = sign_in_through(issuer, client, HOST_A)
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 302
