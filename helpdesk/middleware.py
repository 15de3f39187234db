"""The one place where a request's tenant scope is opened."""

import re
from urllib.parse import urlsplit

from django.http import Http404
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django_scopes import scope

from helpdesk.auth import session_is_for_other_host
from helpdesk.selectors import membership_for
from helpdesk.tenancy import tenant_for_host, tenant_slug_from_host


class TenantMiddleware:
    """Resolve ``request.tenant`` from the host and run the rest of the request in its scope.

    A host without a tenant label gets the platform pages (``config.urls_platform``) and no
    scope at all, so any query on a tenant-owned model there raises ``ScopeError``.
    An unknown tenant label is a 404.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        host = request.get_host()
        request.tenant = tenant_for_host(host)
        if request.tenant is None:
            if tenant_slug_from_host(host) is not None:
                raise Http404("No such service desk.")
            request.urlconf = "config.urls_platform"
            return self.get_response(request)
        with scope(tenant=request.tenant):
            return self.get_response(request)


class SessionHostMiddleware:
    """A session is good only on the host it was signed in on (``helpdesk.auth``): a copy of
    ``acme``'s session cookie presented to ``globex`` or to the platform host gets a fresh, empty
    session there, and so an anonymous user, on pages and the API alike. The session itself is
    left alone on its own host. Between TenantMiddleware and AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if session_is_for_other_host(request):
            request.session = request.session.__class__()
        return self.get_response(request)


class TenantLanguageMiddleware:
    """Without an explicit choice (cookie), speak the tenant's default language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        tenant = getattr(request, "tenant", None)
        if not chosen and tenant is not None:
            translation.activate(tenant.default_language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class MembershipMiddleware:
    """``request.membership``: the signed-in user's membership in this tenant, or ``None``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = request.tenant

        def load():
            if tenant is None:
                return None
            return membership_for(user=request.user, tenant=tenant)

        request.membership = SimpleLazyObject(load)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy on every response that has none of its own.

    No inline script anywhere (htmx runs with eval off; page behaviour lives in /static/),
    every asset from this origin. Inline *style* attributes stay allowed: tier colours are set
    as CSS custom properties on the element. Attachments set their own, stricter policy.
    """

    POLICY = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy_for(request))
        return response

    def policy_for(self, request) -> str:
        """The policy, with the origins a page's forms lead to (``csp_form_action_allow``).
        Browsers apply ``form-action`` to the redirects that follow a form's POST too, so the
        single sign-on buttons, which POST here and are redirected to the identity provider,
        need its origin listed on the sign-in page."""
        extra = sorted(getattr(request, CSP_FORM_ORIGINS_ATTRIBUTE, ()))
        if not extra:
            return self.POLICY
        return self.POLICY.replace("form-action 'self'", " ".join(["form-action 'self'", *extra]))


CSP_FORM_ORIGINS_ATTRIBUTE = "csp_form_origins"
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def csp_form_action_allow(request, url: str) -> None:
    """Let this response's forms lead to ``url``'s origin (scheme, host and port only; a URL
    that is not a plain http(s) origin is ignored, so nothing can be injected into the
    header)."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if _ORIGIN.fullmatch(origin):
        origins = getattr(request, CSP_FORM_ORIGINS_ATTRIBUTE, set())
        origins.add(origin.lower())
        setattr(request, CSP_FORM_ORIGINS_ATTRIBUTE, origins)
