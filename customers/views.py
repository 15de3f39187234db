"""Agent pages of customers: list, profile, create / edit, merge, CSV import, organizations,
and the tenant settings of the portal (notices) and of inbound e-mail (mailbox).

Thin on purpose: reads through ``customers.selectors`` (which 404 on another tenant's id),
writes as POSTs handed to one service. A service's ``ValidationError`` becomes form errors.
"""

import logging
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from helpdesk.audit import actor_display
from helpdesk.auth import member_required
from helpdesk.models import Role
from helpdesk.platform.view_helpers import in_tenant_time_zone, service_error_into_form

from . import selectors, services
from .forms import (
    CustomerAnonymiseForm,
    CustomerFilterForm,
    CustomerForm,
    CustomerImportForm,
    CustomerMergeForm,
    MailboxForm,
    OrganizationForm,
    PortalNoticeForm,
)
from .models import Customer, CustomerEvent

logger = logging.getLogger(__name__)
PAGE_SIZE = 50
MAX_PAGE = 2000
# Who may merge, import and change the portal: the people who own the customer base.
SENIOR_ROLES = (Role.ADMIN, Role.MANAGER, Role.TEAM_LEAD)


# --- list ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page found without COUNT(*): one extra row says whether there is a next page."""

    rows: list[Customer]
    number: int
    has_next: bool


def _page_number(raw: str) -> int:
    try:
        return min(max(int(raw), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


@member_required()
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET)
    customers = selectors.customer_list(**form.filters())
    number = _page_number(request.GET.get("page", "1"))
    offset = (number - 1) * PAGE_SIZE
    rows = list(customers[offset : offset + PAGE_SIZE + 1])
    page = Page(rows[:PAGE_SIZE], number, has_next=len(rows) > PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "customers/list.html", context)


# --- profile -------------------------------------------------------------------------------------

ACTION_LABELS = {
    "created": gettext_lazy("created the customer"),
    "imported": gettext_lazy("imported the customer"),
    "changed": gettext_lazy("changed"),
    "tier_changed": gettext_lazy("changed the tier"),
    "merged_in": gettext_lazy("merged a duplicate into this customer"),
    "merged_into": gettext_lazy("merged this customer into another"),
    "anonymised": gettext_lazy("removed the customer's personal data"),
}
FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "key_info": gettext_lazy("Key information"),
    "notes": gettext_lazy("Notes"),
    "language": gettext_lazy("Language"),
    "organization": gettext_lazy("Organization"),
    "account_manager": gettext_lazy("Account manager"),
    "tags": gettext_lazy("Tags"),
}


@dataclass(frozen=True)
class EventRow:
    actor: str
    action: str
    field: str
    old: str
    new: str
    created_at: object
    # The reason an erasure was asked for, as the admin typed it.
    reason: str = ""

    @classmethod
    def of(cls, event: CustomerEvent) -> "EventRow":
        field = FIELD_LABELS.get(event.field, "") if event.action == "changed" else ""
        return cls(
            actor=actor_display(event.actor_label),
            action=str(ACTION_LABELS.get(event.action, event.action)),
            field=str(field),
            old=event.old_value,
            new=event.new_value,
            created_at=event.created_at,
            reason=(event.data or {}).get("reason", "") if event.action == "anonymised" else "",
        )


def customer_detail_context(request: HttpRequest, pk: int) -> dict:
    """The profile page's context, less what apps above add (the ticket history: the page is
    served by ``tickets.customer_views.customer_detail``)."""
    customer = selectors.customer_get(pk=pk)
    return {
        "customer": customer,
        "events": [EventRow.of(e) for e in selectors.customer_events(customer=customer)],
        "can_merge": request.membership.role in SENIOR_ROLES,
        "is_admin": request.membership.role == Role.ADMIN,
    }


# --- personal data (PIPL / GDPR) -----------------------------------------------------------------


@member_required(Role.ADMIN)
@require_GET
def customer_export(request: HttpRequest, pk: int) -> JsonResponse:
    """Everything stored about the customer, as a JSON download (an access request)."""
    customer = selectors.customer_get(pk=pk)
    document = selectors.customer_export(customer=customer)
    # A read, so no audit row (no state change on GET); the log says who took the data out.
    logger.info("customer %s exported by member %s", customer.pk, request.membership.pk)
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.json"'
    return response


@member_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def customer_anonymise(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what will go and what stays, and the confirmation form; POST: erase."""
    customer = selectors.customer_get(pk=pk)
    form = CustomerAnonymiseForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        services.customer_anonymise(
            customer=customer, by=request.membership, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The customer's personal data was removed."))
        return redirect("customer_detail", pk=customer.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "customer": customer}
    return render(request, "customers/anonymise.html", context, status=status)


# --- create / edit -------------------------------------------------------------------------------


@member_required()
@require_http_methods(["GET", "POST"])
def customer_new(request: HttpRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                tenant=request.tenant, actor=request.membership, **form.service_kwargs()
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Customer created."))
            return redirect("customer_detail", pk=customer.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "customers/form.html", {"form": form}, status=status)


@member_required()
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(pk=pk)
    if request.method != "POST":
        form = CustomerForm(initial=CustomerForm.initial_for(customer))
        return render(request, "customers/form.html", {"form": form, "customer": customer})
    form = CustomerForm(request.POST)
    if form.is_valid():
        try:
            services.customer_update(
                customer=customer, actor=request.membership, **form.service_kwargs()
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Customer saved."))
            return redirect("customer_detail", pk=customer.pk)
    context = {"form": form, "customer": customer}
    return render(request, "customers/form.html", context, status=400)


# --- merge ---------------------------------------------------------------------------------------


@member_required(*SENIOR_ROLES)
@require_http_methods(["GET", "POST"])
def customer_merge(request: HttpRequest, pk: int) -> HttpResponse:
    keep = selectors.customer_get(pk=pk)
    form = CustomerMergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            duplicate = selectors.customer_find_duplicate(
                keep=keep, text=form.cleaned_data["duplicate"]
            )
            services.customer_merge(keep=keep, duplicate=duplicate, actor=request.membership)
        except Http404:
            form.add_error("duplicate", _("There is no such customer."))
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(
                request,
                _("%(duplicate)s was merged into this customer.") % {"duplicate": duplicate},
            )
            return redirect("customer_detail", pk=keep.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "customers/merge.html", {"form": form, "customer": keep}, status=status)


# --- CSV import ----------------------------------------------------------------------------------


@member_required(*SENIOR_ROLES)
@require_http_methods(["GET", "POST"])
def customer_import(request: HttpRequest) -> HttpResponse:
    form = CustomerImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.customer_import_csv(
            tenant=request.tenant, actor=request.membership, upload=form.cleaned_data["file"]
        )
        if not report.has_errors:
            messages.success(
                request, _("%(count)s customers imported.") % {"count": report.created}
            )
            return redirect("customer_list")
    failed = request.method == "POST" and (report is None or report.has_errors)
    return render(
        request,
        "customers/import.html",
        {"form": form, "report": report},
        status=400 if failed else 200,
    )


# --- organizations -------------------------------------------------------------------------------


@member_required()
@require_http_methods(["GET", "POST"])
def organization_list(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_create(tenant=request.tenant, **form.cleaned_data)
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Organization created."))
            return redirect("organization_list")
    context = {"form": form, "organizations": selectors.organizations_with_tiers()[:500]}
    status = 400 if request.method == "POST" else 200
    return render(request, "customers/organizations.html", context, status=status)


# --- portal notices and mailbox (settings) -------------------------------------------------------


@member_required(Role.ADMIN, Role.MANAGER)
@require_http_methods(["GET", "POST"])
@in_tenant_time_zone
def portal_notices(request: HttpRequest) -> HttpResponse:
    form = PortalNoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_notice_save(
                tenant=request.tenant,
                actor=request.membership,
                notice=None,
                **form.cleaned_data,
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Notice saved."))
            return redirect("portal_notices")
    notices = selectors.portal_notices_all()
    status = 400 if request.method == "POST" else 200
    return render(
        request, "customers/notices.html", {"form": form, "notices": notices}, status=status
    )


@member_required(Role.ADMIN, Role.MANAGER)
@require_http_methods(["GET", "POST"])
@in_tenant_time_zone
def portal_notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.portal_notice_get(pk=pk)
    initial = {
        "text": notice.text,
        "is_active": notice.is_active,
        "starts_at": notice.starts_at,
        "ends_at": notice.ends_at,
    }
    form = PortalNoticeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_notice_save(
                tenant=request.tenant,
                actor=request.membership,
                notice=notice,
                **form.cleaned_data,
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Notice saved."))
            return redirect("portal_notices")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "customers/notice_form.html", {"form": form, "notice": notice}, status=status
    )


@member_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def mailbox_settings(request: HttpRequest) -> HttpResponse:
    mailbox = selectors.mailbox_settings_get()
    initial = {}
    if mailbox is not None:
        initial = {
            name: getattr(mailbox, name) for name in MailboxForm.base_fields if name != "password"
        }
    form = MailboxForm(request.POST or None, initial=initial)
    if mailbox is not None:
        # Says that a password is stored, never the password (nor its length).
        form.fields["password"].widget.attrs["placeholder"] = _("Stored")
    if request.method == "POST" and form.is_valid():
        if mailbox is None and not form.cleaned_data["password"]:
            form.add_error("password", _("Give the mailbox password."))
        else:
            services.mailbox_settings_save(
                tenant=request.tenant, actor=request.membership, **form.cleaned_data
            )
            messages.success(request, _("Mailbox saved."))
            return redirect("mailbox_settings")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "mailbox": mailbox}
    return render(request, "customers/mailbox.html", context, status=status)
