"""Every page carries a Content-Security-Policy without inline script, and no page needs one."""

import re

from django.urls import reverse

from tests.conftest import client_for

PAGES = ["/", "/tickets/", "/tickets/new/", "/settings/", "/settings/sla/", "/reports/"]


def test_every_page_forbids_inline_script_and_foreign_assets(admin_client_a):
    for path in PAGES:
        policy = admin_client_a.get(path)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_no_page_carries_inline_script_or_event_handlers(admin_client_a, tenant_a):
    public = client_for()
    pages = [admin_client_a.get(path) for path in PAGES]
    pages += [
        public.get("/support/"),
        public.get("/accounts/login/"),
        public.get(reverse("api_docs")),
    ]
    for response in pages:
        html = response.content.decode()
        inline = [
            m
            for m in re.findall(r"<script\b[^>]*>", html)
            if "src=" not in m and "application/json" not in m
        ]
        assert inline == [], (response.request["PATH_INFO"], inline)
        assert not re.search(r"\son[a-z]+=\"", html), response.request["PATH_INFO"]
        assert "hx-on" not in html
