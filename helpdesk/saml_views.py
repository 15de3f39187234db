"""Pages of single sign-on through the tenant's SAML 2.0 identity provider (helpdesk.saml)."""

import logging

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.models import Role, SamlProvider
from helpdesk.platform.certificates import certificate_expires_at
from helpdesk.platform.view_helpers import safe_next
from helpdesk.saml import (
    SamlError,
    saml_acs_url,
    saml_authn_request_url,
    saml_available,
    saml_entity_id,
    saml_identity_from_response,
    saml_provider_for,
    saml_provider_update,
    saml_requests_pending,
    saml_sp_metadata,
)
from helpdesk.security_forms import SamlProviderForm
from helpdesk.sso import SsoError, sso_member_sign_in

logger = logging.getLogger(__name__)

# Marks the second POST of a response, made from this host's own page (saml_acs).
RESUBMITTED_FIELD = "resubmitted"


def _provider_or_404(request: HttpRequest) -> SamlProvider:
    provider = saml_provider_for(tenant=request.tenant) if request.tenant else None
    if provider is None:
        raise Http404
    return provider


@require_GET
def saml_metadata(request: HttpRequest) -> HttpResponse:
    """The tenant's service provider metadata, for the admin to give their IdP; a tenant
    without an active SAML provider has none (404)."""
    _provider_or_404(request)
    return HttpResponse(
        saml_sp_metadata(tenant=request.tenant), content_type="application/samlmetadata+xml"
    )


@require_POST
def saml_start(request: HttpRequest) -> HttpResponse:
    """A POST from the sign-in page's button: the request's ID is written to the session,
    which is a change of state and so not done on a GET."""
    provider = _provider_or_404(request)
    try:
        url = saml_authn_request_url(
            request=request, provider=provider, next_url=safe_next(request, "/")
        )
    except SamlError as error:
        logger.warning("SAML sign-in of tenant %s unavailable: %s", request.tenant.pk, error)
        messages.error(request, _("Single sign-on is not available right now."))
        return redirect("login")
    return redirect(url)


@csrf_exempt  # the IdP's page posts here; InResponseTo, bound to the session, is the check
@require_POST
def saml_acs(request: HttpRequest) -> HttpResponse:
    """The assertion consumer service (HTTP-POST binding).

    The IdP's page posts across sites, and the session cookie is ``SameSite=Lax``, so the
    browser leaves it out: the session that sent the request is not there to check
    ``InResponseTo`` against. Such a post gets a page of this host that posts the same response
    here again, a same-site POST that carries the cookie. Nothing is verified or written on the
    first post."""
    provider = _provider_or_404(request)
    saml_response = request.POST.get("SAMLResponse", "")
    resubmitted = request.POST.get(RESUBMITTED_FIELD) == "1"
    if not resubmitted and not saml_requests_pending(request=request, provider=provider):
        context = {"saml_response": saml_response, "resubmitted_field": RESUBMITTED_FIELD}
        return render(request, "helpdesk/saml_continue.html", context)
    try:
        identity, next_url = saml_identity_from_response(
            request=request, provider=provider, saml_response=saml_response
        )
        sso_member_sign_in(request=request, provider=provider, identity=identity, protocol="saml")
    except SsoError as error:
        logger.warning("SAML sign-in refused on tenant %s: %s", request.tenant.pk, error)
        messages.error(request, _("Single sign-on failed. Ask your administrator for access."))
        return redirect("login")
    return redirect(next_url or "home")


@member_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def saml_settings(request: HttpRequest) -> HttpResponse:
    provider = SamlProvider.objects.filter(tenant=request.tenant).first()
    form = SamlProviderForm(request.POST or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in SamlProviderForm.Meta.fields}
        saml_provider_update(tenant=request.tenant, actor=request.membership, values=values)
        messages.success(request, _("SAML settings saved."))
        return redirect("saml_settings")
    context = {
        "form": form,
        "available": saml_available(),
        "entity_id": saml_entity_id(request.tenant),
        "acs_url": saml_acs_url(request.tenant),
        "certificate_expires_at": provider and certificate_expires_at(provider.certificate),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "helpdesk/saml_settings.html", context, status=status)
