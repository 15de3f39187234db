"""The "Sign in with …" button of a tenant's sign-in page, when it has a provider."""

from django import template

from helpdesk.oidc import oidc_provider_for

register = template.Library()


@register.inclusion_tag("helpdesk/_sso_button.html", takes_context=True)
def sso_sign_in_button(context) -> dict:
    request = context["request"]
    tenant = getattr(request, "tenant", None)
    provider = oidc_provider_for(tenant=tenant) if tenant is not None else None
    return {"provider": provider, "next": context.get("next", "")}
