"""What single sign-on does once a protocol has vouched for a person, whatever the protocol
(OpenID Connect in helpdesk.oidc, SAML 2.0 in helpdesk.saml): the e-mail domain rule,
just-in-time membership with the tenant's default role, the lockout and deactivation checks,
the sign-in itself (which binds the session to the host, helpdesk.auth) and its audit row.

One function for every protocol, so a rule added here holds for every way in.
"""

from dataclasses import dataclass

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest

from helpdesk.audit import audit_record
from helpdesk.models import Membership, SingleSignOnProvider, Tenant, User
from helpdesk.services import membership_create
from helpdesk.two_factor import SSO_MFA_SESSION_KEY


class SsoError(Exception):
    """The sign-in cannot go on; the message is for the log, never for the page."""


@dataclass(frozen=True)
class SsoIdentity:
    """A person as an identity provider vouched for them. ``email`` is lower case."""

    email: str
    subject: str
    full_name: str


@transaction.atomic
def sso_member_sign_in(
    *, request: HttpRequest, provider: SingleSignOnProvider, identity: SsoIdentity, protocol: str
) -> Membership:
    """Sign the person in to the provider's tenant, creating their membership with the default
    role on first sign-in (an existing user with that e-mail joins). A deactivated membership
    or user stays deactivated, and a locked-out account stays locked: the provider cannot undo
    an admin's decision, nor cut short the lockout of a password being guessed.
    Precondition: the tenant's scope is active and ``request`` came to the tenant's host."""
    tenant = provider.tenant
    domain = identity.email.rpartition("@")[2]
    if domain not in provider.email_domains:
        raise SsoError(f"e-mail domain {domain} is not allowed")
    user = User.objects.filter(email=identity.email).first()
    if user is not None and not user.is_active:
        raise SsoError("the account is deactivated")
    if AxesProxyHandler.is_locked(request, {"username": identity.email}):
        raise SsoError("the account or the client address is locked out after failed sign-ins")
    membership = _membership_of(tenant, user) or membership_create(
        tenant=tenant,
        email=identity.email,
        role=provider.default_role,
        full_name=identity.full_name,
    )
    if not membership.is_active:
        raise SsoError("the membership is deactivated")
    login(request, membership.user, backend="helpdesk.auth.EmailBackend")
    if provider.idp_enforces_mfa:
        request.session[SSO_MFA_SESSION_KEY] = tenant.pk
    audit_record(
        tenant=tenant,
        actor=membership,
        action="signed_in_sso",
        target=membership,
        data={"protocol": protocol, "provider": provider.pk, "subject": identity.subject},
    )
    return membership


def _membership_of(tenant: Tenant, user: User | None) -> Membership | None:
    if user is None:
        return None
    return Membership.objects.filter(tenant=tenant, user=user).first()
