"""The "Sign in with …" buttons of a tenant's sign-in page, one per active provider."""

from django import template

from helpdesk.middleware import csp_form_action_allow
from helpdesk.oidc import oidc_browser_url, oidc_provider_for
from helpdesk.saml import saml_provider_for

register = template.Library()


@register.inclusion_tag("helpdesk/_sso_button.html", takes_context=True)
def sso_sign_in_button(context) -> dict:
    """Each button POSTs here and is redirected to its provider, so the page's
    Content-Security-Policy must let its forms lead there (``form-action``)."""
    request = context["request"]
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {"provider": None, "saml_provider": None}
    oidc, saml = oidc_provider_for(tenant=tenant), saml_provider_for(tenant=tenant)
    if oidc is not None:
        csp_form_action_allow(request, oidc_browser_url(oidc))
    if saml is not None:
        csp_form_action_allow(request, saml.sso_url)
    return {"provider": oidc, "saml_provider": saml, "next": context.get("next", "")}
