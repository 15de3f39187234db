"""Single sign-on through a tenant's OpenID Connect provider: the authorization code flow with
PKCE, state and nonce, and just-in-time membership.

Why an assertion lands in one tenant only:

* the flow's state, nonce and PKCE verifier live in the session under the state, together with
  the tenant that started it; a callback on another tenant's host finds a flow that is not its
  own and refuses it;
* the ID token's signature is checked against the JWKS of *this tenant's* issuer, and its
  ``iss`` and ``aud`` must be this tenant's issuer and client id, so a token minted for another
  tenant's client (even at the same provider) is refused;
* the e-mail's domain must be one the tenant allows (helpdesk.sso, shared with SAML).
"""

import base64
import hashlib
import hmac
import http.client
import logging
import secrets
from urllib.parse import quote_plus, urlencode, urlsplit

import jwt
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest

from helpdesk.audit import audit_record, audit_save
from helpdesk.models import Membership, OidcProvider, Tenant
from helpdesk.platform.pinned_http import pinned_request
from helpdesk.platform.public_addresses import HostRefused, connectable_addresses
from helpdesk.sso import SsoError, SsoIdentity

logger = logging.getLogger(__name__)

FLOWS_SESSION_KEY = "helpdesk_oidc_flows"
MAX_PENDING_FLOWS = 5  # a few tabs at once; older flows are dropped
HTTP_TIMEOUT_SECONDS = 10
DISCOVERY_CACHE_SECONDS = 3600
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
CLOCK_LEEWAY_SECONDS = 60


class OidcError(SsoError):
    """The sign-in cannot go on; the message is for the log, never for the page."""


# --- reads ---------------------------------------------------------------------------------------


def oidc_provider_for(*, tenant: Tenant) -> OidcProvider | None:
    """The tenant's active provider. Precondition: the tenant's scope is active."""
    return OidcProvider.objects.filter(tenant=tenant, is_active=True).first()


def oidc_issuer_url_allowed(url: str) -> bool:
    """HTTPS to a host whose every address is public; plain HTTP, and a private address, only
    for a loopback issuer where settings allow it (development, tests). The issuer and the
    endpoints its discovery document names are all fetched by the server, so each is checked:
    an admin's URL must not reach the internal network (server-side request forgery)."""
    return _checked_address(url) is not None


def _checked_address(url: str) -> str | None:
    """The address to connect to for ``url`` under the rule above, or None where it fails.
    Requests go to this address (``helpdesk.platform.pinned_http``), not to the name again."""
    parts = urlsplit(url)
    loopback = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    allow_loopback = loopback and settings.HELPDESK_OIDC_ALLOW_LOOPBACK_HTTP
    if not parts.hostname or parts.scheme not in (
        ("http", "https") if allow_loopback else ("https",)
    ):
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        return connectable_addresses(parts.hostname, port, allow_private=allow_loopback)[0]
    except (HostRefused, ValueError):
        return None


def oidc_browser_url(provider: OidcProvider) -> str:
    """Where the sign-in button's redirect takes the browser, as far as is known without a
    request to the provider: the cached discovery's authorization endpoint, else the issuer."""
    document = cache.get(_discovery_key(provider.issuer.rstrip("/"))) or {}
    return document.get("authorization_endpoint") or provider.issuer


def _discovery_key(issuer: str) -> str:
    return "oidc-discovery:" + hashlib.sha256(issuer.encode()).hexdigest()


def _discovery(issuer: str) -> dict:
    issuer = issuer.rstrip("/")
    key = _discovery_key(issuer)
    document = cache.get(key)
    if document is None:
        document = _get_json(f"{issuer}/.well-known/openid-configuration")
        if document.get("issuer", "").rstrip("/") != issuer:
            raise OidcError("discovery document names another issuer")
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def _get_json(url: str) -> dict:
    return _fetch_json("GET", url)


def _fetch_json(method: str, url: str, *, body: bytes | None = None, headers=None) -> dict:
    address = _checked_address(url)
    if address is None:
        raise OidcError(f"refusing a provider URL that is not HTTPS to a public host: {url}")
    headers = {"Accept": "application/json", **(headers or {})}
    try:
        reply = pinned_request(
            method, url, address, timeout=HTTP_TIMEOUT_SECONDS, body=body, headers=headers
        )
        if reply.status >= 400:
            raise OidcError(f"{url} answered {reply.status}")
        document = reply.json()
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise OidcError(f"cannot read {url}: {error}") from error
    if not isinstance(document, dict):
        raise OidcError(f"{url} did not answer a JSON object")
    return document


# --- the flow ------------------------------------------------------------------------------------


def oidc_authorization_url(
    *, request: HttpRequest, provider: OidcProvider, redirect_uri: str, next_url: str
) -> str:
    """Remember a new flow in the session and return the provider's authorization URL."""
    document = _discovery(provider.issuer)
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    flows = request.session.get(FLOWS_SESSION_KEY, {})
    flows = dict(list(flows.items())[-(MAX_PENDING_FLOWS - 1) :])
    flows[state] = {
        "tenant": provider.tenant_id,
        "provider": provider.pk,
        "nonce": nonce,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "next": next_url,
    }
    request.session[FLOWS_SESSION_KEY] = flows
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid email profile",
        "state": state,
        "nonce": nonce,
        "code_challenge": _code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    return f"{document['authorization_endpoint']}?{urlencode(query)}"


def _code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def oidc_flow_take(*, request: HttpRequest, state: str, provider: OidcProvider) -> dict:
    """Remove and return the flow this state names; it must have started on this tenant with
    this provider. A flow is used once, whatever happens next."""
    flows = request.session.get(FLOWS_SESSION_KEY, {})
    flow = flows.pop(state, None) if state else None
    request.session[FLOWS_SESSION_KEY] = flows
    if flow is None:
        raise OidcError("unknown or used state")
    if flow["tenant"] != provider.tenant_id or flow["provider"] != provider.pk:
        raise OidcError("state of another tenant's flow")
    return flow


def oidc_identity_from_code(*, provider: OidcProvider, code: str, flow: dict) -> SsoIdentity:
    """Exchange the code (with the PKCE verifier) and verify the ID token it returns."""
    document = _discovery(provider.issuer)
    id_token = _token_exchange(document["token_endpoint"], provider, code, flow)
    claims = _verified_claims(id_token, provider, document["jwks_uri"])
    if not hmac.compare_digest(str(claims.get("nonce", "")), flow["nonce"]):
        raise OidcError("nonce does not match the flow")
    email = str(claims.get("email", "")).strip().lower()
    if not email or claims.get("email_verified") is False:
        raise OidcError("no verified e-mail address in the ID token")
    return SsoIdentity(email=email, subject=str(claims["sub"]), full_name=claims.get("name", ""))


def _token_exchange(endpoint: str, provider: OidcProvider, code: str, flow: dict) -> str:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": flow["redirect_uri"],
        "code_verifier": flow["verifier"],
    }
    # client_secret_basic: the id and secret form-encoded, then Base64 (RFC 6749, 2.3.1).
    credentials = f"{quote_plus(provider.client_id)}:{quote_plus(provider.client_secret)}"
    headers = {
        "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    reply = _fetch_json("POST", endpoint, body=urlencode(data).encode(), headers=headers)
    id_token = reply.get("id_token")
    if not isinstance(id_token, str):
        raise OidcError("token exchange failed: no id_token in the answer")
    return id_token


def _verified_claims(id_token: str, provider: OidcProvider, jwks_uri: str) -> dict:
    try:
        header = jwt.get_unverified_header(id_token)
        keys = jwt.PyJWKSet.from_dict(_get_json(jwks_uri))
        key = next((k for k in keys.keys if k.key_id == header.get("kid")), None)
        if key is None:
            raise OidcError("the ID token's key is not in the provider's JWKS")
        return jwt.decode(
            id_token,
            key=key,
            algorithms=SIGNING_ALGORITHMS,
            audience=provider.client_id,
            issuer=provider.issuer.rstrip("/"),
            leeway=CLOCK_LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )
    except jwt.PyJWTError as error:
        raise OidcError(f"ID token refused: {error}") from error


# --- writes --------------------------------------------------------------------------------------


@transaction.atomic
def oidc_provider_update(
    *, tenant: Tenant, actor: Membership, values: dict, client_secret: str
) -> OidcProvider:
    """Create or change the tenant's provider. An empty ``client_secret`` keeps the stored one.
    The audit trail says that the secret changed, never what it is."""
    provider = OidcProvider.objects.filter(tenant=tenant).first() or OidcProvider(tenant=tenant)
    secret_changed = bool(client_secret) and client_secret != provider.client_secret
    if secret_changed:
        provider.client_secret = client_secret
    existed = provider.pk is not None
    audit_save(tenant=tenant, actor=actor, instance=provider, values=values)
    if existed and secret_changed:
        audit_record(
            tenant=tenant, actor=actor, action="changed", target=provider, field="client_secret"
        )
    return provider
