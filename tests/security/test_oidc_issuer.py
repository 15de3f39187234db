"""The single sign-on issuer and the endpoints it names are fetched by the server: none may
reach a private, loopback or link-local address (server-side request forgery)."""

import pytest

from helpdesk.oidc import OidcError, _get_json, oidc_issuer_url_allowed
from helpdesk.platform import pinned_http, public_addresses
from tests.conftest import client_for


@pytest.fixture(autouse=True)
def no_loopback_exemption(settings):
    settings.HELPDESK_OIDC_ALLOW_LOOPBACK_HTTP = False


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/realms/acme",
        "https://169.254.169.254/latest/meta-data",
        "https://127.0.0.1:8443",
        "https://localhost",
        "https://[::1]/",
        "https://[64:ff9b::a00:5]/",  # NAT64 of 10.0.0.5
        "http://93.184.215.14",  # public, but not HTTPS
        "https://does-not-resolve.invalid",
    ],
)
def test_it_refuses_an_issuer_that_is_not_https_to_a_public_host(url):
    assert not oidc_issuer_url_allowed(url)
    with pytest.raises(OidcError):
        _get_json(url + "/.well-known/openid-configuration")


def test_it_accepts_https_to_a_public_address():
    assert oidc_issuer_url_allowed("https://93.184.215.14/realms/acme")


def test_it_refuses_to_save_an_internal_issuer(tenant_a, admin_a):
    response = client_for(admin_a).post(
        "/settings/security/sso/",
        {
            "display_name": "Acme ID",
            "issuer": "https://169.254.169.254",
            "client_id": "desk",
            "client_secret": "s3cret",
            "default_role": "agent",
            "allowed_email_domains": "",
        },
    )
    assert response.status_code in (200, 400)
    assert "whose host is public" in response.content.decode()


def test_it_connects_to_the_address_it_checked_not_to_a_second_dns_answer(monkeypatch):
    """DNS rebinding: the first answer is public, any later one private. The request must go
    to the checked address, and the name must be looked up once."""
    lookups, connections = [], []

    def rebinding_dns(host, port):
        lookups.append(host)
        return ["93.184.215.14"] if len(lookups) == 1 else ["10.0.0.5"]

    def refused(address, timeout=None, *args):
        connections.append(address)
        raise ConnectionRefusedError("no network in tests")

    monkeypatch.setattr(public_addresses, "resolve", rebinding_dns)
    monkeypatch.setattr(pinned_http.socket, "create_connection", refused)

    with pytest.raises(OidcError):
        _get_json("https://idp.example.com/.well-known/openid-configuration")

    assert lookups == ["idp.example.com"]
    assert connections == [("93.184.215.14", 443)]
