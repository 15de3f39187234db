"""The dispatch board (coordinators only): visits waiting for a window, each technician's
day, assignment by picking (a form per visit) or by dragging (which only fills that form);
proposals of the best technician; and each technician's calendar feed.

A member who is not a coordinator gets 404, as for every role-restricted page here.
"""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fieldservice import dispatch, ical
from fieldservice.dispatch_forms import (
    DEFAULT_END,
    DEFAULT_START,
    AssignForm,
    BoardDayForm,
    window_in,
)
from fieldservice.models import WorkOrder, WorkOrderKind
from fieldservice.selectors import (
    is_coordinator,
    is_field_technician,
    technicians,
    work_order_get_for_member,
)
from fieldservice.services import work_order_schedule
from helpdesk.auth import member_required
from helpdesk.models import Membership
from helpdesk.platform.view_helpers import in_tenant_time_zone, service_error_into_form

# How many of the best technicians are proposed (listed first, marked).
PROPOSED = 3


def _zone(request: HttpRequest) -> ZoneInfo:
    return ZoneInfo(request.tenant.time_zone)


def _require_coordinator(request: HttpRequest) -> None:
    if not is_coordinator(request.membership):
        raise Http404


def _visit_or_404(request: HttpRequest, pk: int) -> WorkOrder:
    visit = work_order_get_for_member(member=request.membership, pk=pk)
    if visit.kind != WorkOrderKind.ON_SITE:
        raise Http404
    return visit


def _prefix(visit: WorkOrder) -> str:
    return f"visit-{visit.pk}"


@member_required()
@require_GET
@in_tenant_time_zone
def board(request: HttpRequest) -> HttpResponse:
    _require_coordinator(request)
    zone = _zone(request)
    day_form = BoardDayForm(request.GET or None)
    day = day_form.cleaned_data["date"] if day_form.is_valid() else timezone.localdate(None, zone)
    waiting = list(dispatch.visits_waiting())
    days = dispatch.technician_days(day, zone)
    profiles = [technician_day.profile for technician_day in days]
    initial = {"day": day, "start": DEFAULT_START, "end": DEFAULT_END}
    forms = {
        visit.pk: AssignForm(prefix=_prefix(visit), profiles=profiles, initial=initial)
        for visit in waiting
    }
    context = {
        "day": day,
        "day_form": BoardDayForm(initial={"date": day}),
        "groups": [
            (group, [(visit, forms[visit.pk]) for visit in group.visits])
            for group in dispatch.waiting_groups(waiting, zone)
        ],
        "days": days,
    }
    return render(request, "fieldservice/dispatch/board.html", context)


@member_required()
@require_GET
@in_tenant_time_zone
def proposals(request: HttpRequest, pk: int) -> HttpResponse:
    """The technicians ranked for the visit in the window given (the board form's fields,
    else 09:00-11:00 today); a fragment for the board's inline request, else a page with
    the assign form, the best technician chosen."""
    _require_coordinator(request)
    visit = _visit_or_404(request, pk)
    zone = _zone(request)
    window = _window_asked(request, visit, zone)
    start, end = window_in(zone, window["day"], window["start"], window["end"])
    ranked = dispatch.propose_technicians(visit, start, end, zone=zone)
    suitable = [p.technician.pk for p in ranked if p.is_suitable]
    form = AssignForm(
        prefix=_prefix(visit),
        profiles=[proposal.profile for proposal in ranked],
        proposed=suitable[:PROPOSED],
        initial={**window, "technician": suitable[0] if suitable else None},
    )
    return _assign_page(request, visit, ranked, form)


def _window_asked(request: HttpRequest, visit: WorkOrder, zone: ZoneInfo) -> dict:
    asked = AssignForm(request.GET, prefix=_prefix(visit), profiles=[])
    asked.is_valid()  # the technician is not asked for here: read the window's fields only
    window = {name: asked.cleaned_data.get(name) for name in ("day", "start", "end")}
    if all(window.values()) and window["end"] > window["start"]:
        return window
    return {"day": timezone.localdate(None, zone), "start": DEFAULT_START, "end": DEFAULT_END}


def _assign_page(request, visit, ranked, form, *, warning="", status=200) -> HttpResponse:
    form.mark_proposed([p.technician.pk for p in ranked if p.is_suitable][:PROPOSED])
    context = {"visit": visit, "proposals": ranked[:PROPOSED], "form": form, "warning": warning}
    fragment = request.htmx and request.method == "GET"
    template = f"fieldservice/dispatch/{'_proposals' if fragment else 'assign'}.html"
    return render(request, template, context, status=status)


@member_required()
@require_POST
@in_tenant_time_zone
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Schedule the visit with the technician and window posted. A window outside the
    technician's working calendar is shown back with a warning until "schedule anyway" is
    ticked; an overlap with another visit is the scheduling service's refusal."""
    _require_coordinator(request)
    visit = _visit_or_404(request, pk)
    profiles = list(technicians())
    form = AssignForm(request.POST, prefix=_prefix(visit), profiles=profiles)
    if not form.is_valid():
        return _assign_page(request, visit, [], form, status=400)
    start, end = form.window(_zone(request))
    ranked = dispatch.propose_technicians(visit, start, end, zone=_zone(request))
    warning = dispatch.calendar_warning(form.profile(), start, end)
    if warning and not form.cleaned_data["schedule_anyway"]:
        return _assign_page(request, visit, ranked, form, warning=warning)
    try:
        work_order_schedule(
            work_order=visit,
            actor=request.membership,
            technician=form.profile().membership,
            start=start,
            end=end,
        )
    except ValidationError as error:
        service_error_into_form(form, error)
        return _assign_page(request, visit, ranked, form, status=400)
    messages.success(
        request,
        _("Visit for ticket #%(number)s scheduled with %(technician)s.")
        % {"number": visit.ticket.number, "technician": form.profile().membership.user},
    )
    return redirect(f"{reverse('fieldservice_dispatch')}?date={form.cleaned_data['day']}")


@member_required()
@require_GET
def my_calendar(request: HttpRequest) -> HttpResponse:
    """The signed-in technician's own feed link, to add to their phone's calendar."""
    if not is_field_technician(request.membership):
        raise Http404
    context = {
        "feed_url": ical.feed_url(request, request.membership.pk),
        # Technicians who also dispatch have no role that puts the board in the navigation.
        "can_dispatch": is_coordinator(request.membership),
    }
    return render(request, "fieldservice/dispatch/my_calendar.html", context)


@require_GET
def calendar_feed(request: HttpRequest, membership_id: int) -> HttpResponse:
    """No sign-in (calendar apps cannot): the signed token is the key. A token of another
    tenant or member, or a member no longer active here, is a 404."""
    if request.tenant is None:
        raise Http404
    token = request.GET.get("token", "")
    if ical.feed_membership_id(token, tenant_id=request.tenant.pk) != membership_id:
        raise Http404
    member = Membership.objects.filter(pk=membership_id, is_active=True).select_related("user")
    technician = member.first()
    if technician is None:
        raise Http404
    body = ical.technician_calendar(
        ical.feed_visits(membership_id),
        tenant=request.tenant,
        host=request.get_host().split(":")[0],
        name=f"{request.tenant.name} · {technician.user}",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="visits.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
