"""Single sign-on through a tenant's SAML 2.0 identity provider (pysaml2): SP-initiated, the
AuthnRequest by HTTP-Redirect, the Response by HTTP-POST to the tenant's assertion consumer
service, and just-in-time membership (helpdesk.sso, shared with OpenID Connect).

Each tenant is its own service provider: its entity ID is its metadata URL on its host, its
ACS is ``/sso/saml/acs/`` on its host, and the only identity provider it knows is the one its
admin configured. Why a response lands in one tenant only:

* the signature (of the assertion or of the whole response) must verify with *this tenant's*
  IdP certificate, and the issuer must be this tenant's IdP entity ID: pysaml2 looks the key
  up by issuer in metadata that holds that one IdP, and never uses a key the message carries;
* the audience must be this tenant's entity ID, the destination and recipient this tenant's
  ACS URL, so an assertion that tenant B's IdP made for B is refused on A's host even when
  both tenants use the same IdP;
* ``InResponseTo`` must name a request that this session started on this host for this
  provider (no unsolicited, IdP-initiated responses: they would allow login CSRF), and a
  request is answered once;
* an assertion's ID is remembered in the shared cache until the assertion expires, so the
  same assertion is never accepted twice, whatever the session;
* the e-mail's domain must be one the tenant allows.

Verification needs the ``xmlsec1`` program; without it SAML is unavailable (``saml_available``)
and the rest of the service desk works as before.
"""

import hashlib
import logging
import shutil
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, md, samlp
from saml2 import xmldsig as ds
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_UNSPECIFIED

from helpdesk.audit import audit_save
from helpdesk.models import Membership, SamlProvider, Tenant
from helpdesk.platform.certificates import certificate_der_base64
from helpdesk.sso import SsoError, SsoIdentity
from helpdesk.tenancy import tenant_url

logger = logging.getLogger(__name__)

REQUESTS_SESSION_KEY = "helpdesk_saml_requests"
MAX_PENDING_REQUESTS = 5  # a few tabs at once; older requests are dropped
CLOCK_LEEWAY_SECONDS = 60
# Where an admin leaves the e-mail attribute empty: the names IdPs commonly give it (plain,
# the LDAP/eduPerson OID, and the claim URI of Microsoft Entra ID and AD FS).
DEFAULT_EMAIL_ATTRIBUTES = (
    "email",
    "mail",
    "urn:oid:0.9.2342.19200300.100.1.3",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
)


class SamlError(SsoError):
    """The sign-in cannot go on; the message is for the log, never for the page."""


# --- reads ---------------------------------------------------------------------------------------


def saml_available() -> bool:
    """Whether responses can be verified here: pysaml2 checks signatures with ``xmlsec1``."""
    return shutil.which("xmlsec1") is not None


def saml_provider_for(*, tenant: Tenant) -> SamlProvider | None:
    """The tenant's active provider, if SAML is available. Precondition: the scope is active."""
    if not saml_available():
        return None
    return SamlProvider.objects.filter(tenant=tenant, is_active=True).first()


def saml_entity_id(tenant: Tenant) -> str:
    """This tenant's service provider entity ID: its metadata URL. Built from settings, not
    from the request, so it is the same on every request whatever scheme a proxy forwarded:
    the IdP has it on record."""
    return tenant_url(tenant, reverse("saml_metadata"))


def saml_acs_url(tenant: Tenant) -> str:
    return tenant_url(tenant, reverse("saml_acs"))


def saml_sso_url_allowed(url: str) -> bool:
    """The IdP's sign-in URL is visited by the browser only, never fetched by this server, so
    the OIDC rule reduces to its first half: HTTPS (the request must not travel in clear)."""
    return url.lower().startswith("https://") and len(url) > len("https://")


def saml_sp_metadata(*, tenant: Tenant) -> str:
    """This tenant's SP metadata (XML): entity ID, and the ACS with the HTTP-POST binding.
    Assertions are asked to be signed; requests are not (this SP holds no key)."""
    descriptor = md.SPSSODescriptor(
        protocol_support_enumeration=samlp.NAMESPACE,
        authn_requests_signed="false",
        want_assertions_signed="true",
        name_id_format=[md.NameIDFormat(text=NAMEID_FORMAT_EMAILADDRESS)],
        assertion_consumer_service=[
            md.AssertionConsumerService(
                binding=BINDING_HTTP_POST, location=saml_acs_url(tenant), index="0"
            )
        ],
    )
    entity = md.EntityDescriptor(entity_id=saml_entity_id(tenant), spsso_descriptor=descriptor)
    return entity.to_string().decode()


def _idp_metadata(provider: SamlProvider) -> str:
    """The configured IdP as metadata, the one place pysaml2 takes its key from."""
    certificate = ds.X509Certificate(text=certificate_der_base64(provider.certificate))
    key_info = ds.KeyInfo(x509_data=[ds.X509Data(x509_certificate=certificate)])
    descriptor = md.IDPSSODescriptor(
        protocol_support_enumeration=samlp.NAMESPACE,
        key_descriptor=[md.KeyDescriptor(use="signing", key_info=key_info)],
        single_sign_on_service=[
            md.SingleSignOnService(binding=BINDING_HTTP_REDIRECT, location=provider.sso_url)
        ],
    )
    entity = md.EntityDescriptor(entity_id=provider.entity_id, idpsso_descriptor=descriptor)
    return entity.to_string().decode()


def _client(provider: SamlProvider) -> Saml2Client:
    tenant = provider.tenant
    sp = {
        "endpoints": {"assertion_consumer_service": [(saml_acs_url(tenant), BINDING_HTTP_POST)]},
        "allow_unsolicited": False,
        "authn_requests_signed": False,
        "want_response_signed": False,
        "want_assertions_signed": False,
        "want_assertions_or_response_signed": True,
        "name_id_policy_format": NAMEID_FORMAT_UNSPECIFIED,
    }
    config = SPConfig()
    config.load(
        {
            "entityid": saml_entity_id(tenant),
            "xmlsec_binary": shutil.which("xmlsec1"),
            "service": {"sp": sp},
            "metadata": {"inline": [_idp_metadata(provider)]},
            "accepted_time_diff": CLOCK_LEEWAY_SECONDS,
            "allow_unknown_attributes": True,
        }
    )
    return Saml2Client(config)


# --- the flow ------------------------------------------------------------------------------------


def saml_authn_request_url(*, request: HttpRequest, provider: SamlProvider, next_url: str) -> str:
    """Remember a new AuthnRequest's ID in the session and return the IdP URL (HTTP-Redirect)
    that carries it."""
    try:
        request_id, info = _client(provider).prepare_for_authenticate(
            entityid=provider.entity_id, binding=BINDING_HTTP_REDIRECT
        )
    except Exception as error:  # pysaml2 raises bare Exception, among others
        raise SamlError(f"cannot make an AuthnRequest: {error}") from error
    pending = request.session.get(REQUESTS_SESSION_KEY, {})
    pending = dict(list(pending.items())[-(MAX_PENDING_REQUESTS - 1) :])
    pending[request_id] = {"tenant": provider.tenant_id, "provider": provider.pk, "next": next_url}
    request.session[REQUESTS_SESSION_KEY] = pending
    return dict(info["headers"])["Location"]


def saml_requests_pending(*, request: HttpRequest, provider: SamlProvider) -> dict[str, str]:
    """The AuthnRequests this session sent to this tenant's provider: ID → where to go next."""
    return {
        request_id: flow["next"]
        for request_id, flow in request.session.get(REQUESTS_SESSION_KEY, {}).items()
        if flow["tenant"] == provider.tenant_id and flow["provider"] == provider.pk
    }


def saml_identity_from_response(
    *, request: HttpRequest, provider: SamlProvider, saml_response: str
) -> tuple[SsoIdentity, str]:
    """Verify the POSTed response against a request this session started and return who it
    vouches for and where to go next. The request it answers is used up, and so is the
    assertion (replays are refused)."""
    pending = saml_requests_pending(request=request, provider=provider)
    if not pending:
        raise SamlError("no AuthnRequest of this session is waiting for an answer")
    response = _verified_response(provider, saml_response, pending)
    next_url = pending[response.in_response_to]
    _request_used(request, response.in_response_to)
    _assertion_first_use(provider, response)
    return _identity(provider, response), next_url


def _verified_response(provider: SamlProvider, saml_response: str, pending: dict):
    try:
        response = _client(provider).parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding=pending
        )
    except Exception as error:  # pysaml2 raises bare Exception for the audience, among others
        raise SamlError(f"response refused: {type(error).__name__}: {error}") from error
    if response is None or response.assertion is None:
        # pysaml2 answers None, having logged why, for a Destination that is not this ACS.
        raise SamlError("the response is not for this ACS, or carries no assertion")
    issuers = {
        response.issuer(),
        response.assertion.issuer.text if response.assertion.issuer else "",
    }
    if issuers != {provider.entity_id}:
        raise SamlError(f"issued by {sorted(issuers)}, not by {provider.entity_id}")
    if response.in_response_to not in pending:
        raise SamlError("InResponseTo names no request of this session")
    return response


def _request_used(request: HttpRequest, request_id: str) -> None:
    pending = request.session.get(REQUESTS_SESSION_KEY, {})
    pending.pop(request_id, None)
    request.session[REQUESTS_SESSION_KEY] = pending


def _assertion_first_use(provider: SamlProvider, response) -> None:
    """Remember the assertion until it expires (plus the clock leeway): ``cache.add`` is atomic
    in the shared cache, so two workers given the same assertion accept it once between them."""
    if not response.not_on_or_after:
        raise SamlError("the assertion has no NotOnOrAfter, so it could be replayed for ever")
    expires = response.not_on_or_after + CLOCK_LEEWAY_SECONDS
    seconds = max(int(expires - timezone.now().timestamp()), 1)
    digest = hashlib.sha256(response.assertion.id.encode()).hexdigest()
    key = f"saml-assertion:{provider.tenant_id}:{digest}"
    if not cache.add(key, True, timeout=min(seconds, int(timedelta(days=1).total_seconds()))):
        raise SamlError("assertion replayed")


def _identity(provider: SamlProvider, response) -> SsoIdentity:
    attributes = _attributes(response.assertion)
    name_id = response.assertion.subject.name_id if response.assertion.subject else None
    name_id_text = (name_id.text or "").strip() if name_id is not None else ""
    email = _email(provider, attributes, name_id_text)
    names = attributes.get(provider.name_attribute, []) if provider.name_attribute else []
    return SsoIdentity(
        email=email, subject=name_id_text or email, full_name=names[0] if names else ""
    )


def _attributes(assertion) -> dict[str, list[str]]:
    """Attribute values by name and by friendly name."""
    found: dict[str, list[str]] = {}
    for statement in assertion.attribute_statement:
        for attribute in statement.attribute:
            values = [v.text.strip() for v in attribute.attribute_value if v.text]
            for key in (attribute.name, attribute.friendly_name):
                if key:
                    found.setdefault(key, values)
    return found


def _email(provider: SamlProvider, attributes: dict[str, list[str]], name_id: str) -> str:
    if provider.email_attribute:
        candidates = attributes.get(provider.email_attribute, [])
    else:
        names = DEFAULT_EMAIL_ATTRIBUTES
        candidates = next((attributes[n] for n in names if attributes.get(n)), None) or [name_id]
    email = (candidates[0] if candidates else "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise SamlError("no e-mail address in the assertion") from error
    return email


# --- writes --------------------------------------------------------------------------------------


@transaction.atomic
def saml_provider_update(*, tenant: Tenant, actor: Membership, values: dict) -> SamlProvider:
    """Create or change the tenant's SAML provider, audited (nothing in it is secret)."""
    provider = SamlProvider.objects.filter(tenant=tenant).first() or SamlProvider(tenant=tenant)
    audit_save(tenant=tenant, actor=actor, instance=provider, values=values)
    return provider
