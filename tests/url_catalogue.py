"""Every URL pattern of a tenant host, with sample arguments pointing at tenant A's objects.

The isolation tests walk this catalogue; a new URL with arguments must be added to
``SAMPLE_KWARGS`` or the catalogue test fails, so no page escapes the outsider check.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Pages anyone may open on a tenant host: they show nothing of the tenant's data.
PUBLIC_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "tenant_switch_accept",
        "set_language",
        "healthz",
        "api_schema",
        "api_docs",
        # The survey page: no sign-in, the token is the key (tests/surveys prove the isolation).
        "surveys:answer",
        # The customer portal: no sign-in, signed links are the keys (tests/customers prove
        # that a link of tenant A gets nothing on tenant B's host).
        "portal_home",
        "portal_received",
        "portal_ticket",
        "portal_reply",
        "portal_attachment",
        "portal_sign_in",
        "portal_sign_in_accept",
        "portal_my_tickets",
        "portal_sign_out",
        # The signed-in customer's products: their own units only (tests/customers/
        # test_portal_products.py proves another customer's and another tenant's are a 404).
        "portal_products",
        "portal_product",
        "portal_product_register",
        "portal_product_invoice",
        # The customer's quote page: the ticket's signed link is the key (tests/repairs prove
        # that another tenant's, customer's or ticket's quote is a 404).
        "portal_quote",
        "portal_quote_approve",
        "portal_quote_decline",
        # The public knowledge base: published, public articles only (tests/knowledge).
        "knowledge:public_home",
        "knowledge:public_search",
        "knowledge:public_suggest",
        "knowledge:public_category",
        "knowledge:public_article",
        "knowledge:public_viewed",
        "knowledge:public_vote",
        "knowledge:public_solved",
        # Single sign-on: no sign-in yet; the flow in the session is the key, and a tenant
        # without a provider answers 404 (tests/helpdesk/test_single_sign_on.py).
        "oidc_start",
        "oidc_callback",
        # SAML single sign-on, for the same reason: the browser arrives signed out, the
        # AuthnRequest ID in the session is the key, the IdP's signature and this tenant's
        # audience guard the answer, and a tenant without an active provider answers 404
        # (tests/helpdesk/test_saml.py). The metadata is public by design: the IdP reads it.
        "saml_metadata",
        "saml_start",
        "saml_acs",
        # A technician's calendar feed: calendar apps cannot sign in, the signed token binding
        # tenant and member is the key (tests/fieldservice/test_ical.py proves that a bad
        # token, another member's or another tenant's is a 404).
        "fieldservice_calendar_feed",
    }
)

# POSTs that another site makes by design, so they carry no CSRF token: the SAML ACS receives
# the IdP's form post. Its defence against forged posts (login CSRF) is InResponseTo, which
# must name a request the browser's own session sent (tests/helpdesk/test_saml.py).
CSRF_EXEMPT_URL_NAMES = frozenset({"saml_acs"})

# name → function(objects of tenant A) → kwargs for reverse()
SAMPLE_KWARGS: dict[str, Callable[[dict], dict]] = {
    "api_token_revoke": lambda objs: {"pk": objs["api_token"].pk},
    **{
        name: (lambda objs: {"pk": objs["webhook"].pk})
        for name in (
            "webhook_detail",
            "webhook_disable",
            "webhook_enable",
            "webhook_delete",
            "webhook_rotate_secret",
        )
    },
    "team-detail": lambda objs: {"pk": objs["team"].pk},
    "skill-detail": lambda objs: {"pk": objs["skill"].pk},
    **{
        f"knowledge:{name}": (lambda objs: {"pk": objs["kb_article"].pk})
        for name in (
            "article_detail",
            "article_edit",
            "article_status",
            "public_article",
            "public_viewed",
            "public_vote",
            "public_solved",
        )
    },
    "knowledge:public_category": lambda objs: {"pk": objs["kb_category"].pk},
    "knowledge:ticket_panel": lambda objs: {"number": objs["ticket"].number},
    "knowledge:ticket_link": lambda objs: {"number": objs["ticket"].number},
    "knowledge:template_apply": lambda objs: {
        "number": objs["ticket"].number,
        "pk": objs["reply_template"].pk,
    },
    "knowledge:template_edit": lambda objs: {"pk": objs["reply_template"].pk},
    "knowledge:template_review": lambda objs: {"pk": objs["reply_template"].pk},
    "knowledge:banned_phrase_delete": lambda objs: {"pk": objs["banned_phrase"].pk},
    "ticket-detail": lambda objs: {"number": objs["ticket"].number},
    "ticket-messages": lambda objs: {"number": objs["ticket"].number},
    "ticket-events": lambda objs: {"number": objs["ticket"].number},
    "category-detail": lambda objs: {"pk": objs["category"].pk},
    "customer-detail": lambda objs: {"pk": objs["ticket"].customer_id},
    "customer-export": lambda objs: {"pk": objs["ticket"].customer_id},
    "organization-detail": lambda objs: {"pk": objs["organization"].pk},
    "tier-detail": lambda objs: {"pk": objs["tier"].pk},
    "sla-policy-detail": lambda objs: {"pk": objs["sla_policy"].pk},
    "survey-response-detail": lambda objs: {"pk": objs["survey_response"].pk},
    "follow-up-detail": lambda objs: {"pk": objs["follow_up"].pk},
    "follow-up-complete": lambda objs: {"pk": objs["follow_up"].pk},
    "article-detail": lambda objs: {"pk": objs["kb_article"].pk},
    "password_reset_confirm": lambda objs: {"uidb64": "x", "token": "y"},
    **{
        name: (lambda objs: {"number": objs["ticket"].number})
        for name in (
            "ticket_detail",
            "ticket_next",
            "ticket_previous",
            "ticket_reply",
            "ticket_properties",
            "ticket_take",
            "ticket_transfer",
            "ticket_merge",
        )
    },
    **{
        name: (lambda objs: {"pk": objs["saved_view"].pk})
        for name in ("saved_view_edit", "saved_view_delete", "saved_view_move")
    },
    "ticket_attachment": lambda objs: {
        "number": objs["ticket"].number,
        "pk": objs["attachment"].pk,
    },
    "surveys:answer": lambda objs: {"token": "0" * 64},
    "surveys:follow_up_schedule": lambda objs: {"number": objs["ticket"].number},
    "knowledge:composer_templates": lambda objs: {"number": objs["ticket"].number},
    "surveys:follow_up_log": lambda objs: {
        "number": objs["ticket"].number,
        "pk": objs["follow_up"].pk,
    },
    "sla:policy": lambda objs: {"pk": objs["sla_policy"].pk},
    "sla:calendar": lambda objs: {"pk": objs["calendar"].pk},
    "sla:holiday_add": lambda objs: {"pk": objs["calendar"].pk},
    "sla:holidays_load": lambda objs: {"pk": objs["calendar"].pk},
    "sla:holiday_delete": lambda objs: {
        "pk": objs["calendar"].pk,
        "holiday_pk": objs["holiday"].pk,
    },
    **{
        name: (lambda objs: {"pk": objs["ticket"].customer_id})
        for name in (
            "customer_detail",
            "customer_edit",
            "customer_merge",
            "customer_export",
            "customer_anonymise",
        )
    },
    "portal_notice_edit": lambda objs: {"pk": objs["portal_notice"].pk},
    **{
        name: (lambda objs: {"token": "not-a-signed-token"})
        for name in ("portal_received", "portal_ticket", "portal_reply", "portal_sign_in_accept")
    },
    "portal_attachment": lambda objs: {"token": "not-a-signed-token", "pk": 1},
    "portal_product": lambda objs: {"pk": 1},
    "portal_product_invoice": lambda objs: {"pk": 1},
    **{
        name: (lambda objs: {"token": "not-a-signed-token", "pk": 1})
        for name in ("portal_quote", "portal_quote_approve", "portal_quote_decline")
    },
    **{
        name: (lambda objs: {"number": objs["ticket"].number})
        for name in ("quote_send", "quote_withdraw")
    },
    **{
        name: (lambda objs: {"pk": objs["incident"].pk})
        for name in (
            "incident_detail",
            "incident_edit",
            "incident_link",
            "incident_unlink",
            "incident_ticket_new",
            "incident_update_post",
            "incident_resolve",
            "incident_playbook_attach",
        )
    },
    "incident_update_progress": lambda objs: {
        "pk": objs["incident"].pk,
        "update_pk": objs["incident_update"].pk,
    },
    "incident_step_done": lambda objs: {
        "pk": objs["incident"].pk,
        "step_pk": objs["incident_step"].pk,
    },
    "playbook_edit": lambda objs: {"pk": objs["playbook"].pk},
    "reports:quality_check": lambda objs: {"number": objs["ticket"].number},
    **{
        name: (lambda objs: {"pk": objs["product"].pk})
        for name in ("product_detail", "product_edit", "product-detail")
    },
    **{
        name: (lambda objs: {"pk": objs["unit"].pk})
        for name in ("unit_detail", "unit_edit", "unit_warranty", "unit_invoice", "unit-detail")
    },
    "service_plan": lambda objs: {"pk": objs["service_plan"].pk},
    "service_contract": lambda objs: {"pk": objs["service_contract"].pk},
    "reports:export": lambda objs: {"table": "tickets"},
    # Spare parts and stock (repairs/).
    **{
        f"repairs:{name}": (lambda objs: {"pk": objs["part"].pk})
        for name in ("part_detail", "part_edit", "part_receive", "part_transfer", "part_count")
    },
    "repairs:location_edit": lambda objs: {"pk": objs["stock_location"].pk},
    "repairs:ticket_parts": lambda objs: {"number": objs["ticket"].number},
    "part-detail": lambda objs: {"pk": objs["part"].pk},
    **{
        name: (lambda objs: {"pk": objs["work_order"].pk})
        for name in ("work-order-detail", "work-order-schedule", "work-order-move")
    },
    "trigger-detail": lambda objs: {"pk": objs["trigger"].pk},
    # The settings pages of triggers and automations (automations/urls.py).
    **{
        f"automations:{name}": (lambda objs: {"kind": "triggers"})
        for name in ("list", "new", "reorder")
    },
    **{
        f"automations:{name}": (lambda objs: {"kind": "triggers", "pk": objs["trigger"].pk})
        for name in ("edit", "switch", "copy", "delete")
    },
    "automation-detail": lambda objs: {"pk": objs["automation"].pk},
    # The technician's pages (fieldservice/technician_urls.py).
    **{
        name: (lambda objs: {"pk": objs["field_job"].pk})
        for name in (
            "fieldservice_job",
            "fieldservice_job_move",
            "fieldservice_job_notes",
            "fieldservice_job_part",
            "fieldservice_job_photo",
            "fieldservice_job_sign",
            "fieldservice_job_signature",
            "fieldservice_job_complete",
        )
    },
    "fieldservice_job_photo_file": lambda objs: {
        "pk": objs["field_job"].pk,
        "photo_pk": objs["field_photo"].pk,
    },
    # The agent's work-order pages (fieldservice/work_order_urls.py).
    **{
        name: (lambda objs: {"pk": objs["work_order"].pk})
        for name in (
            "fieldservice_work_order",
            "fieldservice_work_order_move",
            "fieldservice_work_order_schedule",
            "fieldservice_work_order_edit",
        )
    },
    # Dispatch and field-service settings (fieldservice/).
    **{
        name: (lambda objs: {"pk": objs["work_order"].pk})
        for name in ("fieldservice_dispatch_proposals", "fieldservice_dispatch_assign")
    },
    "fieldservice_technician_edit": lambda objs: {"pk": objs["technician_profile"].pk},
    "fieldservice_calendar_feed": lambda objs: {
        "membership_id": objs["technician_profile"].membership_id
    },
    **{
        f"imports:{name}": (lambda objs: {"pk": objs["import_job"].pk})
        for name in ("job", "job_status", "job_errors")
    },
}

# Pages that only accept POST: a GET by a member is 405 (an outsider still gets 404).
# GET pages that send the member on to another page (next / previous ticket).
REDIRECT_URL_NAMES = frozenset({"ticket_next", "ticket_previous"})

POST_ONLY_URL_NAMES = frozenset(
    {
        "reports:assessment_settings",
        "reports:feedback_note",
        "incident_link_selected",
        "incident_link",
        "incident_unlink",
        "incident_update_post",
        "incident_resolve",
        "incident_playbook_attach",
        "incident_step_done",
        "knowledge:article_status",
        "knowledge:preview",
        "knowledge:ticket_link",
        "knowledge:template_apply",
        "knowledge:phrase_check",
        "knowledge:template_review",
        "knowledge:banned_phrase_delete",
        "tenant_switch",
        "two_factor_recovery_codes",
        "two_factor_disable",
        "api_token_revoke",
        "webhook_disable",
        "webhook_enable",
        "webhook_delete",
        "webhook_rotate_secret",
        "ticket_bulk",
        "saved_view_new",
        "knowledge:template_bulk_apply",
        "saved_view_delete",
        "saved_view_move",
        "ticket_reply",
        "ticket_properties",
        "ticket_take",
        "ticket_transfer",
        "ticket_merge",
        "notification_read",
        "sla:holiday_add",
        "sla:holidays_load",
        "sla:holiday_delete",
        "surveys:follow_up_log",
        "follow-up-complete",
        "work-order-schedule",
        "work-order-move",
        "fieldservice_job_move",
        "fieldservice_job_notes",
        "fieldservice_job_part",
        "fieldservice_job_photo",
        "fieldservice_job_sign",
        "fieldservice_job_complete",
        "fieldservice_work_order_move",
        "fieldservice_work_order_schedule",
        "fieldservice_work_order_edit",
        "fieldservice_dispatch_assign",
        "automations:reorder",
        "automations:switch",
        "automations:copy",
        "automations:delete",
        "quote_withdraw",
        "repairs:part_receive",
        "repairs:part_transfer",
        "repairs:part_count",
        "repairs:ticket_parts",
    }
)


@dataclass(frozen=True)
class Route:
    name: str
    params: frozenset[str]


def tenant_routes(urlconf: str = "config.urls") -> Iterator[Route]:
    seen = set()
    for namespace, pattern in _walk(get_resolver(urlconf).url_patterns, ""):
        params = frozenset(pattern.pattern.regex.groupindex)
        name = f"{namespace}{pattern.name}"
        if pattern.name is None or "format" in params or name in seen:
            continue  # DRF's ".json" suffix variants repeat the plain routes
        seen.add(name)
        yield Route(name, params)


def _walk(patterns, namespace: str) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        else:
            yield namespace, entry
