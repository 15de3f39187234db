"""The gate in front of a tenant's pages and session API for members who owe a second factor."""

from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from helpdesk.two_factor import two_factor_enrolled, two_factor_needed

# Pages a half-signed-in member must still reach: to finish (or abandon) signing in, to enrol,
# to change the language of those pages, and the load balancer's probe.
OPEN_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "two_factor_verify",
        "two_factor_enrol",
        "set_language",
        "healthz",
        "oidc_start",
        "oidc_callback",
        "saml_metadata",
        "saml_start",
        "saml_acs",
    }
)


class SecondFactorMiddleware:
    """After the password, a member who owes a second factor (``two_factor_needed``) is sent to
    the code page, or to enrolment when they have no authenticator yet; every other page of the
    tenant is closed to them. On the API, such a session counts for nothing (anonymous): an API
    token is a credential of its own and is not affected.

    Runs after ``MembershipMiddleware`` and django-otp's ``OTPMiddleware``; it works in
    ``process_view`` because the page's URL name is known only there.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if getattr(request, "tenant", None) is None or not request.user.is_authenticated:
            return None
        membership = request.membership
        if not membership or not two_factor_needed(request=request, membership=membership):
            return None
        if request.path_info.startswith("/api/"):
            request.user = AnonymousUser()
            request.membership = None
            return None
        if request.resolver_match.url_name in OPEN_URL_NAMES:
            return None
        return _redirect_to_second_factor(request)


def _redirect_to_second_factor(request: HttpRequest) -> HttpResponse:
    name = "two_factor_verify" if two_factor_enrolled(user=request.user) else "two_factor_enrol"
    url = f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"
    if request.headers.get("HX-Request"):
        # htmx would swap the code page into a fragment; have it load the whole page instead.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)
