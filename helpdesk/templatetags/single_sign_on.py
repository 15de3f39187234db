"""The "Sign in with …" buttons of a tenant's sign-in page, one per active provider."""

from django import template

from helpdesk.oidc import oidc_provider_for
from helpdesk.saml import saml_provider_for

register = template.Library()


@register.inclusion_tag("helpdesk/_sso_button.html", takes_context=True)
def sso_sign_in_button(context) -> dict:
    request = context["request"]
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {"provider": None, "saml_provider": None}
    return {
        "provider": oidc_provider_for(tenant=tenant),
        "saml_provider": saml_provider_for(tenant=tenant),
        "next": context.get("next", ""),
    }
