"""X-Forwarded-For and X-Forwarded-Proto count only from the reverse proxy."""

from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from helpdesk.platform.proxy import TrustedProxyMiddleware, forwarded_client

PROXY = "172.30.249.2"


def _seen(remote_addr: str, **headers):
    request = RequestFactory().get("/healthz", REMOTE_ADDR=remote_addr, **headers)
    seen = {}

    def view(req):
        seen["addr"] = req.META["REMOTE_ADDR"]
        seen["for"] = req.META.get("HTTP_X_FORWARDED_FOR")
        seen["secure"] = req.is_secure()
        return HttpResponse()

    TrustedProxyMiddleware(view)(request)
    return seen


@override_settings(
    HELPDESK_TRUSTED_PROXIES=[PROXY], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_the_proxy_sets_the_client_address_and_scheme():
    seen = _seen(PROXY, HTTP_X_FORWARDED_FOR="198.51.100.9", HTTP_X_FORWARDED_PROTO="https")
    assert seen["addr"] == "198.51.100.9"
    assert seen["secure"] is True


@override_settings(
    HELPDESK_TRUSTED_PROXIES=["172.30.249.0/24"],
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
def test_a_direct_peer_cannot_pick_its_address_or_claim_https():
    seen = _seen("203.0.113.5", HTTP_X_FORWARDED_FOR="10.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    assert seen == {"addr": "203.0.113.5", "for": None, "secure": False}


@override_settings(HELPDESK_TRUSTED_PROXIES=[])
def test_without_a_configured_proxy_the_headers_are_dropped():
    seen = _seen("127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert seen["addr"] == "127.0.0.1"
    assert seen["for"] is None


@override_settings(HELPDESK_TRUSTED_PROXIES=[PROXY])
def test_only_the_address_the_proxy_added_counts():
    # A client's own X-Forwarded-For comes first; the proxy's entry is the right-most.
    assert _seen(PROXY, HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.9")["addr"] == "198.51.100.9"
    assert _seen(PROXY, HTTP_X_FORWARDED_FOR="garbage")["addr"] == PROXY
    assert forwarded_client("2001:db8::1") == "2001:db8::1"
