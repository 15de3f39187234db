"""Pages of single sign-on through the tenant's OpenID Connect provider (helpdesk.oidc)."""

import logging

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.models import OidcProvider, Role
from helpdesk.oidc import (
    OidcError,
    oidc_authorization_url,
    oidc_flow_take,
    oidc_identity_from_code,
    oidc_provider_for,
    oidc_provider_update,
)
from helpdesk.platform.view_helpers import safe_next
from helpdesk.security_forms import OidcProviderForm
from helpdesk.sso import SsoError, sso_member_sign_in

logger = logging.getLogger(__name__)


def _provider_or_404(request: HttpRequest) -> OidcProvider:
    provider = oidc_provider_for(tenant=request.tenant) if request.tenant else None
    if provider is None:
        raise Http404
    return provider


@require_POST
def oidc_start(request: HttpRequest) -> HttpResponse:
    """A POST from the sign-in page's button: the flow's secrets are written to the session,
    which is a change of state and so not done on a GET."""
    provider = _provider_or_404(request)
    redirect_uri = request.build_absolute_uri(reverse("oidc_callback"))
    try:
        url = oidc_authorization_url(
            request=request,
            provider=provider,
            redirect_uri=redirect_uri,
            next_url=safe_next(request, "/"),
        )
    except OidcError as error:
        logger.warning("single sign-on of tenant %s unavailable: %s", request.tenant.pk, error)
        messages.error(request, _("Single sign-on is not available right now."))
        return redirect("login")
    return redirect(url)


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the browser back (a GET, as the protocol has it); everything it
    carries is checked against the flow this session started on this host."""
    provider = _provider_or_404(request)
    try:
        if request.GET.get("error"):
            raise OidcError(f"provider answered {request.GET['error']}")
        flow = oidc_flow_take(
            request=request, state=request.GET.get("state", ""), provider=provider
        )
        identity = oidc_identity_from_code(
            provider=provider, code=request.GET.get("code", ""), flow=flow
        )
        sso_member_sign_in(request=request, provider=provider, identity=identity, protocol="oidc")
    except SsoError as error:
        logger.warning("single sign-on refused on tenant %s: %s", request.tenant.pk, error)
        messages.error(request, _("Single sign-on failed. Ask your administrator for access."))
        return redirect("login")
    return redirect(flow["next"] or "home")


@member_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def sso_settings(request: HttpRequest) -> HttpResponse:
    provider = OidcProvider.objects.filter(tenant=request.tenant).first()
    form = OidcProviderForm(request.POST or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in OidcProviderForm.Meta.fields}
        oidc_provider_update(
            tenant=request.tenant,
            actor=request.membership,
            values=values,
            client_secret=form.cleaned_data["client_secret"],
        )
        messages.success(request, _("Single sign-on settings saved."))
        return redirect("sso_settings")
    callback = request.build_absolute_uri(reverse("oidc_callback"))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "callback_url": callback}
    return render(request, "helpdesk/sso_settings.html", context, status=status)
