"""Agent pages of work orders: the list, a work order with its stages and history and the forms
that move, schedule and edit it, and creation from a ticket. Thin: forms parse,
``fieldservice.selectors`` read (what the member may not see is a 404), the services write
(``fieldservice.services``, ``fieldservice.work_order_edits``)."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fieldservice import services, work_order_edits
from fieldservice.models import WorkOrder, WorkOrderKind
from fieldservice.models import WorkOrderStatus as S
from fieldservice.selectors import work_order_get_for_member, work_orders_filtered
from fieldservice.timeline import work_order_timelines
from fieldservice.transitions import TRANSITIONS
from fieldservice.work_order_forms import (
    WorkOrderCreateForm,
    WorkOrderEditForm,
    WorkOrderFilterForm,
    WorkOrderMoveForm,
    WorkOrderScheduleForm,
)
from helpdesk.auth import member_required
from helpdesk.platform.view_helpers import in_tenant_time_zone, service_error_into_form
from tickets.selectors import ticket_get_for_member

PAGE_SIZE = 50
MAX_PAGE = 2000
# Moves that need something typed with them, and the field it goes in.
MOVE_INPUTS = {S.COULD_NOT_COMPLETE: "reason", S.SHIPPED_BACK: "tracking"}
ACTION_LABELS = {
    "created": _("created the work order"),
    "scheduled": _("scheduled the visit"),
    "status_changed": _("changed the status"),
    "changed": _("changed"),
}


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


# --- list -----------------------------------------------------------------------------------------


@member_required()
@require_GET
@in_tenant_time_zone
def work_order_list(request: HttpRequest) -> HttpResponse:
    form = WorkOrderFilterForm(request.GET)
    rows = work_orders_filtered(request.membership, **form.filters())
    context = {"form": form, "page": _page(request, rows), "query": _query_without_page(request)}
    return render(request, "fieldservice/work_order_list.html", context)


# --- one work order -------------------------------------------------------------------------------


@member_required()
@require_GET
@in_tenant_time_zone
def work_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = work_order_get_for_member(member=request.membership, pk=pk)
    return _detail_page(request, work_order)


def allowed_moves(work_order: WorkOrder) -> list[tuple[str, str, str]]:
    """(status, label, the input it needs or "") for each move the kind's table allows now.
    Scheduling has its own form."""
    targets = TRANSITIONS[work_order.kind].get(work_order.status, ())
    return [
        (status, str(S(status).label), MOVE_INPUTS.get(status, ""))
        for status in targets
        if status != S.SCHEDULED
    ]


def _detail_page(request, work_order, forms=None, error="", status=200) -> HttpResponse:
    forms = {
        "move": WorkOrderMoveForm(auto_id="id_move_%s"),
        "schedule": _schedule_form(work_order),
        "edit": WorkOrderEditForm(initial=_edit_initial(work_order), auto_id="id_edit_%s"),
        **(forms or {}),
    }
    context = {
        "work_order": work_order,
        "steps": work_order_timelines([work_order])[work_order.pk],
        "events": [(e, _action_label(e)) for e in _history(work_order)],
        "parts": list(work_order.parts_used.select_related("part")),
        "photo_count": work_order.photos.count(),
        "skills": list(work_order.required_skills.order_by("name")),
        "moves": allowed_moves(work_order),
        "can_schedule": _can_schedule(work_order),
        "forms": forms,
        "error": error,
    }
    return render(request, "fieldservice/work_order_detail.html", context, status=status)


def _action_label(event) -> str:
    """ "changed the status", or "changed" and the field as the reader's language names it."""
    label = ACTION_LABELS.get(event.action, event.action)
    if event.action != "changed" or not event.field:
        return label
    try:
        field = WorkOrder._meta.get_field(event.field).verbose_name
    except FieldDoesNotExist:
        field = event.field
    return f"{label} {field}"


def _history(work_order: WorkOrder):
    return work_order.events.order_by("created_at", "pk")


def _can_schedule(work_order: WorkOrder) -> bool:
    return work_order.is_visit and S.SCHEDULED in (
        *TRANSITIONS[work_order.kind].get(work_order.status, ()),
        *((S.SCHEDULED,) if work_order.status == S.SCHEDULED else ()),
    )


def _schedule_form(work_order: WorkOrder, data=None) -> WorkOrderScheduleForm:
    initial = {}
    if work_order.appointment_start and work_order.appointment_end:
        start = timezone.localtime(work_order.appointment_start)
        initial = {
            "technician": work_order.technician_id,
            "day": start.date(),
            "start": start.time(),
            "end": timezone.localtime(work_order.appointment_end).time(),
        }
    return WorkOrderScheduleForm(data, initial=initial, auto_id="id_schedule_%s")


def _edit_initial(work_order: WorkOrder) -> dict:
    return {name: getattr(work_order, name) for name in work_order_edits.EDITABLE_FIELDS}


@member_required()
@require_POST
@in_tenant_time_zone
def work_order_move(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = work_order_get_for_member(member=request.membership, pk=pk)
    form = WorkOrderMoveForm(request.POST, auto_id="id_move_%s")
    if not form.is_valid():
        return _detail_page(request, work_order, error=_("Choose a move."), status=400)
    try:
        services.work_order_move(
            work_order=work_order, actor=request.membership, **form.cleaned_data
        )
    except ValidationError as refused:
        fresh = work_order_get_for_member(member=request.membership, pk=pk)
        error = " ".join(refused.messages)
        return _detail_page(request, fresh, {"move": form}, error=error, status=400)
    messages.success(request, _("Moved to: %(status)s.") % {"status": _status_label(work_order)})
    return redirect("fieldservice_work_order", pk=pk)


def _status_label(work_order: WorkOrder) -> str:
    return str(S(work_order.status).label)


@member_required()
@require_POST
@in_tenant_time_zone
def work_order_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = work_order_get_for_member(member=request.membership, pk=pk)
    form = _schedule_form(work_order, request.POST)
    if form.is_valid():
        start, end = form.window()
        try:
            services.work_order_schedule(
                work_order=work_order,
                actor=request.membership,
                technician=form.cleaned_data["technician"],
                start=start,
                end=end,
            )
        except ValidationError as refused:
            service_error_into_form(form, refused)
        else:
            messages.success(request, _("Visit scheduled; the customer gets a confirmation."))
            return redirect("fieldservice_work_order", pk=pk)
    return _detail_page(request, work_order, {"schedule": form}, status=400)


@member_required()
@require_POST
@in_tenant_time_zone
def work_order_edit(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = work_order_get_for_member(member=request.membership, pk=pk)
    form = WorkOrderEditForm(request.POST, auto_id="id_edit_%s")
    if form.is_valid():
        try:
            work_order_edits.work_order_update(
                work_order=work_order, actor=request.membership, **form.cleaned_data
            )
        except ValidationError as refused:
            service_error_into_form(form, refused)
        else:
            messages.success(request, _("Work order saved."))
            return redirect("fieldservice_work_order", pk=pk)
    fresh = work_order_get_for_member(member=request.membership, pk=pk)
    return _detail_page(request, fresh, {"edit": form}, status=400)


# --- creation from a ticket -----------------------------------------------------------------------


@member_required()
@require_http_methods(["GET", "POST"])
def work_order_new(request: HttpRequest) -> HttpResponse:
    """``?ticket=<number>&kind=…``: the form, prefilled from the ticket's unit; without a
    ticket, a page asking for its number (another's or an unknown one is a 404)."""
    number = request.POST.get("ticket") or request.GET.get("ticket") or ""
    if request.method == "GET" and not number:
        return render(request, "fieldservice/work_order_pick_ticket.html")
    ticket = ticket_get_for_member(member=request.membership, number=_number(number))
    if request.method == "POST":
        form = WorkOrderCreateForm(request.POST)
        if form.is_valid():
            created = _create(request, ticket, form)
            if created is not None:
                return redirect("fieldservice_work_order", pk=created.pk)
        status = 400
    else:
        form = WorkOrderCreateForm(initial=_create_initial(request, ticket))
        status = 200
    context = {"ticket": ticket, "form": form}
    return render(request, "fieldservice/work_order_new.html", context, status=status)


def _number(text: str) -> int:
    """The ticket number asked for; 0 (no ticket, so a 404) when it is not a number."""
    return int(text) if text.isdigit() else 0


def _create_initial(request: HttpRequest, ticket) -> dict:
    kind = request.GET.get("kind")
    unit = ticket.unit
    return {
        "ticket": ticket.number,
        "kind": kind if kind in WorkOrderKind.values else WorkOrderKind.ON_SITE,
        "address": unit.installation_address if unit is not None else "",
    }


def _create(request: HttpRequest, ticket, form: WorkOrderCreateForm) -> WorkOrder | None:
    values = dict(form.cleaned_data)
    values.pop("ticket")
    try:
        work_order = work_order_edits.work_order_open(
            tenant=request.tenant, actor=request.membership, ticket=ticket, **values
        )
    except ValidationError as refused:
        service_error_into_form(form, refused)
        return None
    messages.success(request, _("Work order created."))
    return work_order
