"""Agent pages of spare parts: the parts list, a part's stock and movements with the forms
that move it, stock locations, and the POST target of the ticket's "Parts" panel. Thin: forms
parse, ``repairs.selectors`` read (another tenant's row is a 404), ``repairs.services`` write."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.models import Role
from helpdesk.platform.view_helpers import in_tenant_time_zone, service_error_into_form
from repairs import selectors, services
from repairs.forms import (
    CountForm,
    PartFilterForm,
    PartForm,
    ReceiveForm,
    StockLocationForm,
    TicketPartForm,
    TransferForm,
)
from tickets.selectors import ticket_get_for_member

PAGE_SIZE = 50
MAX_PAGE = 2000
# Who keeps the catalogue of parts and the list of stock locations.
STOCK_OWNERS = (Role.ADMIN, Role.MANAGER)


@dataclass
class Page:
    """One page found without COUNT(*): one extra row says whether there is a next page."""

    rows: list
    number: int
    has_next: bool


def _page(request: HttpRequest, rows) -> Page:
    try:
        number = min(max(int(request.GET.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        number = 1
    offset = (number - 1) * PAGE_SIZE
    found = list(rows[offset : offset + PAGE_SIZE + 1])
    return Page(found[:PAGE_SIZE], number, has_next=len(found) > PAGE_SIZE)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- parts ----------------------------------------------------------------------------------------


@member_required()
@require_GET
def part_list(request: HttpRequest) -> HttpResponse:
    form = PartFilterForm(request.GET)
    page = _page(request, selectors.parts_list(**form.filters()))
    context = {"form": form, "page": page, "query": _query_without_page(request)}
    return render(request, "repairs/part_list.html", context)


@member_required()
@require_GET
@in_tenant_time_zone
def part_detail(request: HttpRequest, pk: int) -> HttpResponse:
    part = selectors.part_get(pk=pk)
    return _part_page(request, part)


def _part_page(request, part, forms: dict | None = None, status: int = 200) -> HttpResponse:
    forms = {
        "receive": ReceiveForm(auto_id="id_receive_%s"),
        "transfer": TransferForm(auto_id="id_transfer_%s"),
        "count": CountForm(auto_id="id_count_%s"),
        **(forms or {}),
    }
    context = {
        "part": part,
        "levels": list(part.stock_levels.all()),
        "page": _page(request, selectors.part_movements(part=part)),
        "forms": forms,
        "can_edit": request.membership.role in STOCK_OWNERS,
    }
    return render(request, "repairs/part_detail.html", context, status=status)


def _part_move(request, pk: int, name: str, form_class, service) -> HttpResponse:
    """Run a stock form of the part page; on bad input the page again, with the errors by
    the fields and a 400, and nothing written."""
    part = selectors.part_get(pk=pk)
    form = form_class(request.POST, auto_id=f"id_{name}_%s")
    if form.is_valid():
        try:
            service(tenant=request.tenant, actor=request.membership, part=part, **form.cleaned_data)
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Stock updated."))
            return redirect("repairs:part_detail", pk=part.pk)
    return _part_page(request, part, {name: form}, status=400)


@member_required()
@require_POST
@in_tenant_time_zone
def part_receive(request: HttpRequest, pk: int) -> HttpResponse:
    return _part_move(request, pk, "receive", ReceiveForm, services.stock_receive)


@member_required()
@require_POST
@in_tenant_time_zone
def part_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    return _part_move(request, pk, "transfer", TransferForm, services.stock_transfer)


@member_required()
@require_POST
@in_tenant_time_zone
def part_count(request: HttpRequest, pk: int) -> HttpResponse:
    return _part_move(request, pk, "count", CountForm, services.stock_adjust)


def _part_values(form: PartForm) -> dict:
    values = dict(form.cleaned_data)
    values["compatible_products"] = list(values["compatible_products"])
    return values


@member_required(*STOCK_OWNERS)
@require_http_methods(["GET", "POST"])
def part_new(request: HttpRequest) -> HttpResponse:
    form = PartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            part = services.part_create(
                tenant=request.tenant, actor=request.membership, **_part_values(form)
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Part created."))
            return redirect("repairs:part_detail", pk=part.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "repairs/part_form.html", {"form": form}, status=status)


@member_required(*STOCK_OWNERS)
@require_http_methods(["GET", "POST"])
def part_edit(request: HttpRequest, pk: int) -> HttpResponse:
    part = selectors.part_get(pk=pk)
    if request.method != "POST":
        form = PartForm(initial=PartForm.initial_for(part))
        return render(request, "repairs/part_form.html", {"form": form, "part": part})
    form = PartForm(request.POST)
    if form.is_valid():
        try:
            services.part_update(
                tenant=request.tenant, actor=request.membership, part=part, **_part_values(form)
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Part saved."))
            return redirect("repairs:part_detail", pk=part.pk)
    return render(request, "repairs/part_form.html", {"form": form, "part": part}, status=400)


# --- stock locations ------------------------------------------------------------------------------


@member_required(*STOCK_OWNERS)
@require_GET
def location_list(request: HttpRequest) -> HttpResponse:
    locations = selectors.stock_locations()
    return render(request, "repairs/location_list.html", {"locations": locations})


@member_required(*STOCK_OWNERS)
@require_http_methods(["GET", "POST"])
def location_new(request: HttpRequest) -> HttpResponse:
    form = StockLocationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.stock_location_create(
                tenant=request.tenant, actor=request.membership, **form.cleaned_data
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Stock location saved."))
            return redirect("repairs:location_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "repairs/location_form.html", {"form": form}, status=status)


@member_required(*STOCK_OWNERS)
@require_http_methods(["GET", "POST"])
def location_edit(request: HttpRequest, pk: int) -> HttpResponse:
    location = selectors.stock_location_get(pk=pk)
    if request.method != "POST":
        initial = {name: getattr(location, name) for name in services.LOCATION_FIELDS}
        form = StockLocationForm(initial=initial)
        return render(request, "repairs/location_form.html", {"form": form, "location": location})
    form = StockLocationForm(request.POST)
    if form.is_valid():
        try:
            services.stock_location_update(
                tenant=request.tenant,
                actor=request.membership,
                location=location,
                **form.cleaned_data,
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Stock location saved."))
            return redirect("repairs:location_list")
    context = {"form": form, "location": location}
    return render(request, "repairs/location_form.html", context, status=400)


# --- the ticket's parts panel ---------------------------------------------------------------------

TICKET_ACTIONS = {
    "reserve": (services.stock_reserve, {}),
    "consume_reserved": (services.stock_consume, {"from_reservation": True}),
    "consume": (services.stock_consume, {}),
    "release": (services.stock_release, {}),
    "return": (services.stock_return, {}),
}


@member_required()
@require_POST
def ticket_parts(request: HttpRequest, number: int) -> HttpResponse:
    """Reserve, consume, release or return a part for the ticket, then back to the ticket;
    a refusal is a message naming the field, and nothing is written."""
    ticket = ticket_get_for_member(member=request.membership, number=number)
    form = TicketPartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors_text(form))
        return redirect("ticket_detail", number=ticket.number)
    data = dict(form.cleaned_data)
    service, extra = TICKET_ACTIONS[data.pop("action")]
    try:
        service(tenant=request.tenant, actor=request.membership, ticket=ticket, **data, **extra)
    except ValidationError as error:
        service_error_into_form(form, error)
        messages.error(request, _form_errors_text(form))
    else:
        messages.success(request, _("Parts of the ticket updated."))
    return redirect("ticket_detail", number=ticket.number)


def _form_errors_text(form) -> str:
    """``Quantity: Ensure this value is greater than or equal to 1.`` for each error."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(errors)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)
