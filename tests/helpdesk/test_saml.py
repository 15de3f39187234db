"""Single sign-on through a tenant's SAML 2.0 identity provider, against pysaml2's own IdP
side with a key and certificate made in the test (tests/helpdesk/fake_saml.py): real signed
responses, verified by the service desk as they would be in production. A response lands in
the tenant whose request, audience and IdP it belongs to, once, and nowhere else."""

import shutil

import pytest
from defusedxml import ElementTree
from django.test import Client
from django_scopes import scope

from helpdesk.models import ConfigurationEvent, Membership, Role, SamlProvider, TwoFactorPolicy
from helpdesk.saml import REQUESTS_SESSION_KEY
from tests.conftest import HOST_A, HOST_B
from tests.factories import MembershipFactory, UserFactory
from tests.helpdesk.fake_saml import IDP_SSO_URL, FakeIdp, key_and_certificate

START, ACS, METADATA = "/sso/saml/start/", "/sso/saml/acs/", "/sso/saml/metadata/"
ENTITY_A = "https://acme.localhost/sso/saml/metadata/"
ACS_A = "https://acme.localhost/sso/saml/acs/"
ENTITY_B = "https://globex.localhost/sso/saml/metadata/"
ACS_B = "https://globex.localhost/sso/saml/acs/"
REFUSED = "Single sign-on failed. Ask your administrator for access."
NO_XMLSEC1 = "SAML needs the xmlsec1 program to check signatures (apt-get install xmlsec1)"


@pytest.fixture
def idp(tmp_path):
    if shutil.which("xmlsec1") is None:
        pytest.skip(NO_XMLSEC1)
    return FakeIdp(tmp_path)


def provider_for(tenant, idp: FakeIdp, **extra) -> SamlProvider:
    values = {
        "display_name": "Corp SAML",
        "entity_id": idp.entity_id,
        "sso_url": IDP_SSO_URL,
        "certificate": idp.certificate_pem,
        "default_role": Role.AGENT,
        "allowed_email_domains": "acme.test, globex.test",
        **extra,
    }
    with scope(tenant=tenant):
        provider = SamlProvider.objects.create(tenant=tenant, **values)
    host = HOST_A if tenant.slug == "acme" else HOST_B
    idp.trust(Client(HTTP_HOST=host).get(METADATA).content.decode())
    return provider


def start(idp: FakeIdp, client: Client, host: str = HOST_A) -> str:
    """Press the button; return the ID of the AuthnRequest the IdP received."""
    response = client.post(START, {"next": "/tickets/"}, HTTP_HOST=host)
    assert response.status_code == 302
    assert response["Location"].startswith(IDP_SSO_URL + "?SAMLRequest=")
    return idp.request_id_of(response["Location"])


def post(client: Client, saml_response: str, host: str = HOST_A):
    return client.post(ACS, {"SAMLResponse": saml_response}, HTTP_HOST=host)


def membership_in(tenant, email):
    with scope(tenant=tenant):
        return Membership.objects.filter(user__email=email).first()


def assert_refused(client: Client, response, host: str = HOST_A) -> None:
    """Sent back to the sign-in page with the message, and signed in nowhere."""
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    page = client.get(response["Location"], HTTP_HOST=host)
    assert REFUSED in page.content.decode()
    assert client.get("/", HTTP_HOST=host).status_code == 302
    assert "_auth_user_id" not in client.session


def sign_in(idp: FakeIdp, client: Client, email: str, **response_options):
    request_id = start(idp, client)
    options = {"audience": ENTITY_A, "acs_url": ACS_A, **response_options}
    return post(client, idp.response(in_response_to=request_id, email=email, **options))


def test_it_signs_a_new_person_in_to_the_tenant_with_its_default_role(idp, tenant_a, tenant_b):
    provider_for(tenant_a, idp, default_role=Role.TEAM_LEAD)
    client = Client(HTTP_HOST=HOST_A)
    response = sign_in(idp, client, "new.person@acme.test")
    assert response.status_code == 302
    assert response["Location"] == "/tickets/"
    assert client.get("/").status_code == 200
    membership = membership_in(tenant_a, "new.person@acme.test")
    assert membership.role == Role.TEAM_LEAD
    assert membership.user.full_name == "Single Sign-On Person"
    assert membership_in(tenant_b, "new.person@acme.test") is None
    with scope(tenant=tenant_a):
        row = ConfigurationEvent.objects.get(action="signed_in_sso")
    assert row.target_id == str(membership.pk)
    assert row.data["protocol"] == "saml"
    assert row.data["subject"] == "new.person@acme.test"


def test_it_lets_an_existing_member_in_with_their_role(idp, tenant_a, agent_a):
    provider_for(tenant_a, idp, default_role=Role.MANAGER)
    client = Client(HTTP_HOST=HOST_A)
    sign_in(idp, client, "agent@acme.test")
    assert client.get("/").status_code == 200
    assert membership_in(tenant_a, "agent@acme.test").role == Role.AGENT


def test_it_accepts_a_signed_response_around_an_unsigned_assertion(idp, tenant_a):
    provider_for(tenant_a, idp)
    client = Client(HTTP_HOST=HOST_A)
    sign_in(idp, client, "new.person@acme.test", sign_response=True, sign_assertion=False)
    assert client.get("/").status_code == 200


def test_it_refuses_a_response_signed_nowhere(idp, tenant_a, caplog):
    provider_for(tenant_a, idp)
    client = Client(HTTP_HOST=HOST_A)
    response = sign_in(
        idp, client, "new.person@acme.test", sign_response=False, sign_assertion=False
    )
    assert_refused(client, response)
    assert "Neither the response nor the assertions are signed" in caplog.text
    assert membership_in(tenant_a, "new.person@acme.test") is None


def test_it_refuses_a_replayed_response(idp, tenant_a):
    provider_for(tenant_a, idp)
    client = Client(HTTP_HOST=HOST_A)
    request_id = start(idp, client)
    saml_response = idp.response(
        in_response_to=request_id, email="new.person@acme.test", audience=ENTITY_A, acs_url=ACS_A
    )
    assert post(client, saml_response)["Location"] == "/tickets/"
    client.post("/accounts/logout/")
    start(idp, client)  # a request of its own pending: the old answer does not answer it
    assert_refused(client, post(client, saml_response))
    client.post("/accounts/logout/")
    assert post(client, saml_response).status_code == 200  # nothing pending: the re-post page
    assert_refused(client, _resubmit(client, saml_response))


def _resubmit(client: Client, saml_response: str):
    """The second, same-site POST the continue page makes (what the browser does next)."""
    return client.post(ACS, {"SAMLResponse": saml_response, "resubmitted": "1"})


def test_it_remembers_an_assertion_even_while_its_request_is_still_pending(idp, tenant_a, caplog):
    """Two workers, or a request left pending by a race: the assertion itself is used once."""
    provider = provider_for(tenant_a, idp)
    client = Client(HTTP_HOST=HOST_A)
    request_id = start(idp, client)
    saml_response = idp.response(
        in_response_to=request_id, email="new.person@acme.test", audience=ENTITY_A, acs_url=ACS_A
    )
    assert post(client, saml_response)["Location"] == "/tickets/"
    # Another browser whose session, somehow, still waits for the same request.
    other = Client(HTTP_HOST=HOST_A)
    start(idp, other)
    session = other.session
    session[REQUESTS_SESSION_KEY] = {
        request_id: {"tenant": tenant_a.pk, "provider": provider.pk, "next": "/"}
    }
    session.save()
    assert_refused(other, post(other, saml_response))
    assert "assertion replayed" in caplog.text


def test_it_refuses_a_response_signed_with_another_key(idp, tenant_a, caplog):
    provider_for(tenant_a, idp)
    client = Client(HTTP_HOST=HOST_A)
    request_id = start(idp, client)
    forged = idp.rekeyed().response(
        in_response_to=request_id, email="new.person@acme.test", audience=ENTITY_A, acs_url=ACS_A
    )
    assert_refused(client, post(client, forged))
    assert "Signature" in caplog.text
    assert membership_in(tenant_a, "new.person@acme.test") is None


def test_it_refuses_an_assertion_made_for_another_tenant_at_the_same_idp(
    idp, tenant_a, tenant_b, caplog
):
    provider_for(tenant_a, idp)
    provider_for(tenant_b, idp)
    client = Client(HTTP_HOST=HOST_A)
    request_id = start(idp, client)
    for_b = idp.response(
        in_response_to=request_id, email="new.person@acme.test", audience=ENTITY_B, acs_url=ACS_A
    )
    assert_refused(client, post(client, for_b))
    assert "AudienceRestrictions conditions not satisfied" in caplog.text
    assert membership_in(tenant_a, "new.person@acme.test") is None


def test_it_refuses_a_response_signed_by_another_tenants_idp(
    idp, tenant_a, tenant_b, tmp_path, caplog
):
    provider_for(tenant_a, idp)
    idp_of_b = FakeIdp(tmp_path, entity_id="https://idp.globex.test/saml/metadata", name="b")
    provider_for(tenant_b, idp_of_b)
    idp_of_b.trust(Client(HTTP_HOST=HOST_A).get(METADATA).content.decode())
    client = Client(HTTP_HOST=HOST_A)
    request_id = start(idp, client)
    from_b = idp_of_b.response(
        in_response_to=request_id, email="new.person@acme.test", audience=ENTITY_A, acs_url=ACS_A
    )
    assert_refused(client, post(client, from_b))
    assert "MissingKey: https://idp.globex.test/saml/metadata" in caplog.text
    assert membership_in(tenant_a, "new.person@acme.test") is None


def test_it_refuses_a_response_sent_to_another_tenants_acs(idp, tenant_a, caplog):
    provider_for(tenant_a, idp)
    client = Client(HTTP_HOST=HOST_A)
    request_id = start(idp, client)
    elsewhere = idp.response(
        in_response_to=request_id, email="new.person@acme.test", audience=ENTITY_A, acs_url=ACS_B
    )
    assert_refused(client, post(client, elsewhere))
    assert "not for this ACS" in caplog.text


def test_it_refuses_an_expired_assertion(idp, tenant_a, caplog):
    provider_for(tenant_a, idp)
    client = Client(HTTP_HOST=HOST_A)
    issued_long_ago = sign_in(idp, client, "new.person@acme.test", issued_minutes_ago=20)
    assert_refused(client, issued_long_ago)
    assert "too old" in caplog.text
    assert membership_in(tenant_a, "new.person@acme.test") is None


def test_it_refuses_a_response_to_a_request_this_session_did_not_send(idp, tenant_a, caplog):
    provider_for(tenant_a, idp)
    client = Client(HTTP_HOST=HOST_A)
    start(idp, client)
    other = idp.response(
        in_response_to="id-of-another-request",
        email="new.person@acme.test",
        audience=ENTITY_A,
        acs_url=ACS_A,
    )
    assert_refused(client, post(client, other))
    assert "UnsolicitedResponse" in caplog.text


def test_it_refuses_an_unsolicited_response_after_the_same_site_repost(idp, tenant_a):
    provider_for(tenant_a, idp)
    client = Client(HTTP_HOST=HOST_A)
    unsolicited = idp.response(
        in_response_to="id-never-sent",
        email="new.person@acme.test",
        audience=ENTITY_A,
        acs_url=ACS_A,
    )
    # No request pending (as when the browser left out the SameSite=Lax cookie): the page
    # posts the response again from this host, and verifies nothing itself.
    page = post(client, unsolicited)
    assert page.status_code == 200
    assert 'name="resubmitted" value="1"' in page.content.decode()
    assert client.get("/").status_code == 302
    assert_refused(client, _resubmit(client, unsolicited))
    assert membership_in(tenant_a, "new.person@acme.test") is None


@pytest.mark.parametrize("garbage", ["", "not base64 at all!", "PHhtbD48L3htbD4=", "\u00e9" * 50])
def test_it_refuses_a_response_that_is_not_saml_without_an_error_page(idp, tenant_a, garbage):
    provider_for(tenant_a, idp)
    client = Client(HTTP_HOST=HOST_A)
    start(idp, client)
    assert_refused(client, post(client, garbage))


def test_it_refuses_an_email_outside_the_allowed_domains(idp, tenant_a):
    provider_for(tenant_a, idp, allowed_email_domains="acme.test")
    client = Client(HTTP_HOST=HOST_A)
    assert_refused(client, sign_in(idp, client, "someone@elsewhere.test"))
    assert membership_in(tenant_a, "someone@elsewhere.test") is None


def test_it_reads_the_email_from_the_attribute_the_admin_names(idp, tenant_a):
    provider_for(tenant_a, idp, email_attribute="workEmail", allowed_email_domains="acme.test")
    client = Client(HTTP_HOST=HOST_A)
    attributes = {"workEmail": ["Work.Person@ACME.test"]}
    sign_in(idp, client, "opaque-id@idp.test", attributes=attributes)
    assert client.get("/").status_code == 200
    assert membership_in(tenant_a, "work.person@acme.test") is not None


def test_it_keeps_a_deactivated_membership_deactivated(idp, tenant_a):
    provider_for(tenant_a, idp)
    MembershipFactory(tenant=tenant_a, user=UserFactory(email="gone@acme.test"), is_active=False)
    client = Client(HTTP_HOST=HOST_A)
    assert_refused(client, sign_in(idp, client, "gone@acme.test"))
    assert not membership_in(tenant_a, "gone@acme.test").is_active


def test_it_refuses_an_account_locked_out_by_failed_passwords(idp, tenant_a, agent_a, settings):
    provider_for(tenant_a, idp)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        Client(HTTP_HOST=HOST_A).post(
            "/accounts/login/",
            {"username": "agent@acme.test", "password": "wrong"},
            REMOTE_ADDR=f"10.0.7.{attempt}",
        )
    client = Client(HTTP_HOST=HOST_A)
    assert_refused(client, sign_in(idp, client, "agent@acme.test"))


@pytest.mark.parametrize(("idp_mfa", "status"), [(False, 302), (True, 200)])
def test_it_asks_for_the_second_factor_unless_the_tenant_trusts_the_idp(
    idp, tenant_a, idp_mfa, status
):
    type(tenant_a).objects.filter(pk=tenant_a.pk).update(
        two_factor_required_for=TwoFactorPolicy.EVERYONE
    )
    provider_for(tenant_a, idp, idp_enforces_mfa=idp_mfa)
    client = Client(HTTP_HOST=HOST_A)
    sign_in(idp, client, "new.person@acme.test")
    home = client.get("/")
    assert home.status_code == status
    if not idp_mfa:
        assert home["Location"].startswith("/accounts/two-factor/")


def test_it_binds_the_session_to_the_tenants_host(idp, tenant_a, tenant_b, outsider):
    provider_for(tenant_a, idp)
    client = Client(HTTP_HOST=HOST_A)
    sign_in(idp, client, "outsider@globex.test")
    assert client.get("/", HTTP_HOST=HOST_A).status_code == 200
    assert client.get("/", HTTP_HOST=HOST_B).status_code == 302


def test_it_publishes_metadata_with_the_tenants_entity_id_and_acs(idp, tenant_a):
    provider_for(tenant_a, idp)
    response = Client(HTTP_HOST=HOST_A).get(METADATA)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/samlmetadata+xml"
    root = ElementTree.fromstring(response.content)
    md = "{urn:oasis:names:tc:SAML:2.0:metadata}"
    assert root.tag == f"{md}EntityDescriptor"
    assert root.get("entityID") == ENTITY_A
    (acs,) = root.iter(f"{md}AssertionConsumerService")
    assert acs.get("Location") == ACS_A
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


def test_it_has_no_metadata_or_button_on_a_tenant_without_a_provider(idp, tenant_a, tenant_b):
    provider_for(tenant_a, idp)
    assert Client(HTTP_HOST=HOST_B).get(METADATA).status_code == 404
    assert Client(HTTP_HOST=HOST_B).post(START).status_code == 404
    assert "Sign in with" not in Client(HTTP_HOST=HOST_B).get("/accounts/login/").content.decode()
    assert (
        "Sign in with Corp SAML"
        in Client(HTTP_HOST=HOST_A).get("/accounts/login/").content.decode()
    )


def test_it_lets_the_sign_in_page_lead_to_the_idp_and_nowhere_else(idp, tenant_a, tenant_b):
    """The button POSTs here and is redirected to the IdP; browsers hold that redirect to the
    page's form-action, so the IdP's origin is listed there, on its tenant's page only."""
    provider_for(tenant_a, idp)
    policy_a = Client(HTTP_HOST=HOST_A).get("/accounts/login/")["Content-Security-Policy"]
    policy_b = Client(HTTP_HOST=HOST_B).get("/accounts/login/")["Content-Security-Policy"]
    assert "form-action 'self' https://idp.acme.test;" in policy_a
    assert "form-action 'self';" in policy_b


def test_it_offers_no_saml_where_xmlsec1_is_missing(
    tenant_a, admin_client_a, monkeypatch, tmp_path
):
    _, certificate = key_and_certificate("idp")
    with scope(tenant=tenant_a):
        SamlProvider.objects.create(
            tenant=tenant_a,
            display_name="Corp SAML",
            entity_id="https://idp.acme.test/saml/metadata",
            sso_url=IDP_SSO_URL,
            certificate=certificate,
            allowed_email_domains="acme.test",
        )
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no xmlsec1 on the path
    assert "SAML is unavailable" in admin_client_a.get("/settings/security/saml/").content.decode()
    assert "Sign in with" not in Client(HTTP_HOST=HOST_A).get("/accounts/login/").content.decode()
    assert Client(HTTP_HOST=HOST_A).post(START).status_code == 404


def settings_form(certificate: str, **extra) -> dict:
    return {
        "display_name": "Corp SAML",
        "entity_id": "https://idp.acme.test/saml/metadata",
        "sso_url": IDP_SSO_URL,
        "certificate": certificate,
        "email_attribute": "",
        "name_attribute": "displayName",
        "default_role": Role.AGENT,
        "allowed_email_domains": "acme.test",
        "is_active": "on",
        **extra,
    }


def test_it_lets_the_admin_configure_the_provider_and_audits_it(admin_client_a, tenant_a):
    _, certificate = key_and_certificate("idp")
    page = admin_client_a.get("/settings/security/saml/").content.decode()
    assert ENTITY_A in page and ACS_A in page
    assert (
        admin_client_a.post("/settings/security/saml/", settings_form(certificate)).status_code
        == 302
    )
    changed = settings_form(certificate, default_role=Role.MANAGER)
    assert admin_client_a.post("/settings/security/saml/", changed).status_code == 302
    with scope(tenant=tenant_a):
        provider = SamlProvider.objects.get()
        rows = list(ConfigurationEvent.objects.filter(target_type="helpdesk.samlprovider"))
    assert provider.default_role == Role.MANAGER
    assert [(row.action, row.field) for row in rows] == [
        ("created", ""),
        ("changed", "default_role"),
    ]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            {"certificate": key_and_certificate("old", expired=True)[1]},
            "This certificate has expired.",
        ),
        (
            {"certificate": "-----BEGIN CERTIFICATE-----\nnot a certificate\n"},
            "This is not a PEM certificate.",
        ),
        ({"sso_url": "http://idp.acme.test/saml/sso"}, "Use an https:// single sign-on URL."),
    ],
)
def test_it_refuses_a_bad_certificate_or_a_plain_http_url(admin_client_a, tenant_a, change, error):
    _, certificate = key_and_certificate("idp")
    response = admin_client_a.post(
        "/settings/security/saml/", settings_form(**{"certificate": certificate, **change})
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    with scope(tenant=tenant_a):
        assert not SamlProvider.objects.exists()


@pytest.mark.parametrize("who", ["agent", "outsider"])
def test_it_hides_the_saml_settings_from_non_admins(who, agent_client_a, outsider_client):
    client = agent_client_a if who == "agent" else outsider_client
    assert client.get("/settings/security/saml/").status_code == 404
