"""The agent workspace: queue, ticket page, phone intake, downloads, notifications.

Thin on purpose: every read goes through ``tickets.selectors`` (which also authorizes), every
write is a POST handed to one service. A service's ``ValidationError`` (``TransitionError`` is
one) becomes a message and a re-rendered form with what was typed: never a 500.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.platform.view_helpers import in_tenant_time_zone, safe_next, service_error_into_form
from helpdesk.selectors import notifications_for
from helpdesk.services import notifications_mark_read
from products.selectors import units_for_intake
from tickets import services
from tickets.attachments import attachment_response
from tickets.directory import assignee_names, directory_for
from tickets.forms import (
    QUEUE_COLUMNS,
    QUEUE_LABELS,
    BulkActionForm,
    MergeForm,
    PropertiesForm,
    QueueFilterForm,
    ReplyForm,
    SavedViewForm,
    TicketIntakeForm,
    TicketSelectionForm,
    TransferForm,
    query_dict,
    submit_as_choices,
)
from tickets.history import PROPERTY_LABELS, HistoryRow
from tickets.intake import ticket_intake_from_call
from tickets.models import (
    Message,
    MessageKind,
    SavedView,
    Status,
    Ticket,
)
from tickets.queue_views import queue_rail
from tickets.search_views import intake_with_callers
from tickets.selectors import (
    attachment_get_for_member,
    customer_panel_for_ticket,
    saved_views_for,
    thread_view,
    ticket_get_for_member,
    ticket_history,
    ticket_neighbour_number,
    ticket_queue,
    ticket_thread,
    tickets_visible_to,
)

QUEUE_PAGE_SIZE = 25
# Offsets beyond this get slow on large tenants; nobody pages that far instead of filtering.
QUEUE_MAX_PAGE = 2000


# --- queue ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuePage:
    """One page of a queue, found without COUNT(*): one extra row says whether there is more."""

    rows: list[Ticket]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1


def _page_number(raw: str) -> int:
    try:
        return min(max(int(raw), 1), QUEUE_MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def _queue_page(tickets, number: int) -> QueuePage:
    offset = (number - 1) * QUEUE_PAGE_SIZE
    rows = list(tickets[offset : offset + QUEUE_PAGE_SIZE + 1])
    return QueuePage(rows[:QUEUE_PAGE_SIZE], number, has_next=len(rows) > QUEUE_PAGE_SIZE)


def _requested_view(request: HttpRequest, views: list[SavedView]) -> SavedView | None:
    """The saved view named by ``?view=``: one of the member's, else 404."""
    raw = request.GET.get("view")
    if raw is None:
        return None
    view = next((v for v in views if str(v.pk) == raw), None)
    if view is None:
        raise Http404
    return view


@member_required()
@require_GET
@in_tenant_time_zone
def queue(request: HttpRequest) -> HttpResponse:
    member = request.membership
    directory = directory_for(request.tenant)
    views = saved_views_for(member)
    saved = _requested_view(request, views)
    form = QueueFilterForm(query_dict(saved.query) if saved else request.GET, directory=directory)
    current = form.selected_queue()
    tickets = ticket_queue(member=member, queue=current, filters=form.filters())
    page = _queue_page(tickets, _page_number(request.GET.get("page", "1")))
    context = {
        "form": form,
        "queue": current,
        "queue_label": saved.name if saved else QUEUE_LABELS[current],
        "saved_view": saved,
        "columns": form.chosen_columns(),
        "column_labels": QUEUE_COLUMNS,
        "page": page,
        "team_names": directory.team_names,
        "assignee_names": assignee_names(directory, page.rows),
        "bulk_form": BulkActionForm(auto_id="id_bulk_%s", members=directory.members),
        "poll_seconds": max(settings.HELPDESK_QUEUE_POLL_SECONDS, 1),
    }
    # htmx swaps just the results; the full page is served to everyone else (and on reload).
    if request.htmx:
        template = "tickets/_queue_results.html"
    else:
        template = "tickets/queue.html"
        context.update(_queue_page_extras(request, form, views, saved, directory))
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _queue_page_extras(request, form, views, saved, directory) -> dict:
    """What only the full page shows: the rail with its counts and the "Save this view" form."""
    current = f"view:{saved.pk}" if saved else f"queue:{form.selected_queue()}"
    queues, saved_items = queue_rail(
        member=request.membership, views=views, directory=directory, current=current
    )
    query = urlencode(form.saved_query(), doseq=True)
    save_form = SavedViewForm(
        initial={"query": query}, member=request.membership, directory=directory
    )
    return {
        "rail_queues": queues,
        "rail_views": saved_items,
        "save_form": save_form,
        "filters_open": form.is_filtered(),
    }


@member_required()
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to each selected ticket through its service; report every failure."""
    form = BulkActionForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    return bulk_each(request, form, lambda ticket: _bulk_apply_one(request, ticket, data))


def bulk_each(
    request: HttpRequest, form: TicketSelectionForm, apply: Callable[[Ticket], object]
) -> HttpResponse:
    """Fetch each selected ticket through the access check and ``apply`` the action to it in
    its own transaction; report every failure, let the others through, go back to the queue."""
    back = safe_next(request, reverse("ticket_queue"))
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    done = 0
    for number in form.cleaned_data["tickets"]:
        try:
            ticket = ticket_get_for_member(member=request.membership, number=number)
            with transaction.atomic():
                apply(ticket)
        except Http404:
            failure = _("no such ticket.")
        except ValidationError as error:
            failure = " ".join(error.messages)
        else:
            done += 1
            continue
        messages.error(request, _("#%(number)s: %(error)s") % {"number": number, "error": failure})
    if done:
        messages.success(request, _("%(count)s ticket(s) updated.") % {"count": done})
    return redirect(back)


def _bulk_apply_one(request: HttpRequest, ticket: Ticket, data: dict) -> None:
    BULK_ACTIONS[data["action"]](ticket, request.membership, data)


def _bulk_merge(ticket: Ticket, member, data: dict) -> None:
    """Merge the ticket into the one named; that ticket itself is left as it is."""
    if ticket.number == data["merge_into"]:
        return
    try:
        target = ticket_get_for_member(member=member, number=data["merge_into"])
    except Http404:
        text = _("There is no ticket #%(number)s that you can open.")
        raise ValidationError(text % {"number": data["merge_into"]}) from None
    services.ticket_merge(source=ticket, target=target, actor=member)


BULK_ACTIONS: dict[str, Callable[[Ticket, object, dict], object]] = {
    "assign": lambda t, m, d: services.ticket_assign(ticket=t, actor=m, assignee=d["assignee"]),
    "status": lambda t, m, d: services.ticket_change_status(ticket=t, actor=m, status=d["status"]),
    "priority": lambda t, m, d: services.ticket_change_priority(
        ticket=t, actor=m, priority=d["priority"]
    ),
    "tags": lambda t, m, d: services.ticket_change_tags(
        ticket=t, actor=m, add=d["add_tags"], remove=d["remove_tags"]
    ),
    "merge": _bulk_merge,
}


# --- ticket page ------------------------------------------------------------------------------

PANEL_FORMS: dict[str, type[Form]] = {
    "properties": PropertiesForm,
    "transfer": TransferForm,
    "merge": MergeForm,
}


def _auto_id(form_name: str) -> str:
    # Several forms on one page share field names (team, …): ids must stay unique.
    return f"id_{form_name}_%s"


def _ticket_page(
    request: HttpRequest, ticket: Ticket, *, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    forms = {
        name: form_class(ticket=ticket, auto_id=_auto_id(name))
        for name, form_class in PANEL_FORMS.items()
    }
    forms["reply"] = ReplyForm(auto_id=_auto_id("reply"))
    forms.update(bound or {})
    newest_first = request.GET.get("order") == "newest"
    thread = thread_view(
        ticket_thread(ticket=ticket, include_internal=True), newest_first=newest_first
    )
    context = {
        "ticket": ticket,
        "customer": ticket.customer,
        "customer_panel": customer_panel_for_ticket(ticket=ticket, member=request.membership),
        "earlier": thread.earlier,
        "latest": thread.latest,
        "newest_first": newest_first,
        "history": [HistoryRow.of(event) for event in ticket_history(ticket=ticket)],
        "forms": forms,
        "submit_as": submit_as_choices(ticket),
        "is_closed": ticket.status == Status.CLOSED,
        "merged_into": ticket.merged_into if ticket.merged_into_id else None,
    }
    return render(request, "tickets/detail.html", context, status=status)


@member_required()
@require_GET
@in_tenant_time_zone
def detail(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_get_for_member(member=request.membership, number=number)
    return _ticket_page(request, ticket)


def _change(
    request: HttpRequest,
    number: int,
    form: Form,
    apply: Callable[[Ticket, dict], tuple[str, str]],
    ticket: Ticket,
    form_name: str,
) -> HttpResponse:
    """Run one service on a valid form: success → message + redirect (PRG); failure → the
    page again with the bound form, its errors and what was typed, status 400."""
    if form.is_valid():
        try:
            landing, text = apply(ticket, form.cleaned_data)
        except ValidationError as error:
            messages.error(request, service_error_into_form(form, error))
        else:
            messages.success(request, text)
            return redirect(landing)
    else:
        messages.error(request, _("Nothing was changed: please correct the form below."))
    # Reload: a failed service may have touched the in-memory ticket before rolling back.
    fresh = ticket_get_for_member(member=request.membership, number=number)
    return _ticket_page(request, fresh, bound={form_name: form}, status=400)


def _page_of(ticket: Ticket) -> str:
    return reverse("ticket_detail", args=[ticket.number])


def _landing_for(request: HttpRequest, ticket: Ticket) -> str:
    """After handing a ticket to another team or agent, the member may no longer see it:
    back to the queue rather than to a 404."""
    if tickets_visible_to(request.membership).filter(pk=ticket.pk).exists():
        return _page_of(ticket)
    return reverse("ticket_queue")


def ticket_action(form_name: str):
    """A POST endpoint for one panel form of the ticket page; ``apply`` calls one service."""

    def decorate(apply):
        @member_required()
        @require_POST
        @in_tenant_time_zone
        @wraps(apply)
        def view(request: HttpRequest, number: int) -> HttpResponse:
            ticket = ticket_get_for_member(member=request.membership, number=number)
            form = PANEL_FORMS[form_name](request.POST, ticket=ticket, auto_id=_auto_id(form_name))
            return _change(
                request, number, form, lambda t, d: apply(request, t, d), ticket, form_name
            )

        return view

    return decorate


@member_required()
@require_POST
@in_tenant_time_zone
def properties(request: HttpRequest, number: int) -> HttpResponse:
    """One Save for every property: only the changed ones go to their services, together."""
    ticket = ticket_get_for_member(member=request.membership, number=number)
    form = PropertiesForm(request.POST, ticket=ticket, auto_id=_auto_id("properties"))

    def apply(ticket, data):
        changes = form.changed_fields()
        services.ticket_change_properties(ticket=ticket, actor=request.membership, changes=changes)
        # Handed to another team or agent, the ticket may have left the member's sight.
        moved = {"team", "assignee"} & changes.keys()
        landing = _landing_for(request, ticket) if moved else _page_of(ticket)
        return landing, _properties_saved(changes)

    return _change(request, number, form, apply, ticket, "properties")


def _properties_saved(changes: dict) -> str:
    if not changes:
        return _("Nothing was changed.")
    names = ", ".join(str(PROPERTY_LABELS[name]) for name in changes)
    return _("Saved: %(properties)s.") % {"properties": names}


@ticket_action("transfer")
def transfer(request, ticket, data):
    services.ticket_transfer(
        ticket=ticket,
        actor=request.membership,
        team=data["team"],
        reason=data["reason"],
        expected_handling_minutes=data["expected_handling_minutes"],
        customer_message=data["customer_message"],
        ticket_url=request.build_absolute_uri(reverse("ticket_detail", args=[ticket.number])),
    )
    return _landing_for(request, ticket), _("Ticket transferred to %(team)s.") % {
        "team": data["team"].name
    }


@ticket_action("merge")
def merge(request, ticket, data):
    try:
        target = ticket_get_for_member(member=request.membership, number=data["target"])
    except Http404:
        text = _("There is no ticket #%(number)s that you can open.")
        raise ValidationError({"target": text % {"number": data["target"]}}) from None
    services.ticket_merge(source=ticket, target=target, actor=request.membership)
    return _page_of(target), _("Ticket #%(source)s was merged into this ticket.") % {
        "source": ticket.number
    }


@member_required()
@require_GET
def step(request: HttpRequest, number: int, later: bool) -> HttpResponse:
    """Next or previous ticket (the ``j``/``k`` keys): found when asked, so the ticket page
    runs no query for it. At either end the agent stays on this ticket and is told so."""
    member = request.membership
    ticket = ticket_get_for_member(member=member, number=number)
    found = ticket_neighbour_number(member=member, number=ticket.number, later=later)
    if found is None:
        messages.info(request, _("There is no further ticket in this direction."))
        found = ticket.number
    return redirect("ticket_detail", number=found)


@member_required()
@require_POST
def take(request: HttpRequest, number: int) -> HttpResponse:
    member = request.membership
    ticket = ticket_get_for_member(member=member, number=number)
    try:
        services.ticket_assign(ticket=ticket, actor=member, assignee=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You took this ticket."))
    return redirect("ticket_detail", number=ticket.number)


@member_required()
@require_POST
@in_tenant_time_zone
def reply(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_get_for_member(member=request.membership, number=number)
    form = ReplyForm(request.POST, request.FILES, auto_id=_auto_id("reply"))

    def apply(ticket, data):
        message = services.ticket_reply_and_set_status(
            ticket=ticket,
            actor=request.membership,
            body=data["body"],
            internal=form.is_internal,
            attachments=data["attachments"],
            status=data["submit_as"],
        )
        return _landing_for(request, ticket), _reply_sent(message, data["submit_as"])

    return _change(request, number, form, apply, ticket, "reply")


def _reply_sent(message: Message | None, status: str) -> str:
    if message is None:
        text = _("Status changed.")
    elif message.kind == MessageKind.INTERNAL:
        text = _("Internal note added.")
    else:
        text = _("Reply sent.")
    if status:
        text += " " + _("The ticket is now %(status)s.") % {"status": Status(status).label}
    return text


@member_required()
@require_GET
def attachment_download(request: HttpRequest, number: int, pk: int) -> FileResponse:
    attachment = attachment_get_for_member(member=request.membership, number=number, pk=pk)
    return attachment_response(attachment.file, name=attachment.original_name)


# --- new ticket / phone intake --------------------------------------------------------------


@member_required()
@require_http_methods(["GET", "POST"])
@in_tenant_time_zone
def new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "tickets/new.html", {"form": TicketIntakeForm()})
    if "lookup" in request.POST:
        return _intake_with_units(request)
    if "lookup_caller" in request.POST or "use_customer" in request.POST:
        return intake_with_callers(request)
    form = TicketIntakeForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            ticket = _create_from_intake(request, form.cleaned_data)
        except ValidationError as error:
            messages.error(request, service_error_into_form(form, error))
        else:
            messages.success(request, _("Ticket #%(number)s created.") % {"number": ticket.number})
            _say_whose_unit(request, ticket)
            return redirect("ticket_detail", number=ticket.number)
    context = {"form": form, "units": _units_typed(request.POST)}
    return render(request, "tickets/new.html", context, status=400)


def _create_from_intake(request: HttpRequest, data: dict) -> Ticket:
    return ticket_intake_from_call(tenant=request.tenant, actor=request.membership, data=data)


def _intake_with_units(request: HttpRequest) -> HttpResponse:
    """The form again, as typed, with the units the serial or phone number finds: the lookup
    for a browser without JavaScript (with it, ``unit_lookup`` fills the list in place)."""
    form = TicketIntakeForm(initial=request.POST.dict())
    context = {"form": form, "units": _units_typed(request.POST), "looked_up": True}
    return render(request, "tickets/new.html", context)


def _units_typed(data) -> list:
    return units_for_intake(
        serial=data.get("serial", "")[:80],
        phone=data.get("customer_phone", "")[:40],
        email=data.get("customer_email", "")[:254],
    )


def _say_whose_unit(request: HttpRequest, ticket: Ticket) -> None:
    """A unit owned by someone else than the ticket's customer is kept (a relative, a new
    owner calls about it); the agent is told, so that a wrong pick is noticed at once."""
    unit = ticket.unit
    if unit is not None and unit.customer_id != ticket.customer_id:
        messages.warning(
            request,
            _("Unit %(serial)s is registered to %(owner)s, not to this ticket's customer.")
            % {"serial": unit.serial, "owner": unit.customer.name},
        )


@member_required()
@require_GET
def unit_lookup(request: HttpRequest) -> HttpResponse:
    """The units a serial number, phone number or e-mail address typed on the intake form
    finds, as the list of choices the form shows (an htmx fragment)."""
    context = {"units": _units_typed(request.GET), "looked_up": True}
    return render(request, "tickets/_unit_choices.html", context)


# --- notifications ---------------------------------------------------------------------------


@member_required()
@require_GET
@in_tenant_time_zone
def notification_list(request: HttpRequest) -> HttpResponse:
    host = {request.get_host()}
    rows = [
        (n, n.url if url_has_allowed_host_and_scheme(n.url, allowed_hosts=host) else "")
        for n in notifications_for(member=request.membership)
    ]
    return render(request, "tickets/notifications.html", {"rows": rows})


@member_required()
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    ids = [int(pk) for pk in request.POST.getlist("notification") if pk.isdigit()]
    notifications_mark_read(member=request.membership, pks=ids or None)
    return redirect("notification_list")
