"""Pages of major incidents, playbooks, surge alerts and the backlog import.

Thin like the rest of the workspace: reads through the fetch-and-authorize helpers of
``tickets.incidents.services`` (404 for another tenant's id, or for a member who may not change the
incident), every write a POST handed to one service. Who may do what is documented at the
top of ``tickets.incidents.services``.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.models import Role
from helpdesk.platform.view_helpers import in_tenant_time_zone, safe_next, service_error_into_form
from tickets.forms import TicketIntakeForm
from tickets.incidents import services as svc
from tickets.incidents.backlog import MAX_ROWS, backlog_import
from tickets.incidents.forms import (
    AttachPlaybookForm,
    BacklogImportForm,
    IncidentCreateForm,
    IncidentForm,
    IncidentUpdateForm,
    LinkSelectedForm,
    LinkTicketsForm,
    PlaybookForm,
    PlaybookStepFormSet,
    ResolveForm,
    SurgeSettingsForm,
    UnlinkForm,
)
from tickets.incidents.models import Incident, Playbook, PlaybookStep
from tickets.incidents.surge import (
    surge_alert_get,
    surge_alerts_recent,
    surge_settings_for,
    surge_settings_save,
)

# Playbooks and the surge settings belong to the people who run the service.
PLAYBOOK_ROLES = (Role.ADMIN, Role.MANAGER)
# Everyone who logs contacts may catch up a backlog (not the quality supervisors).
BACKLOG_ROLES = (Role.ADMIN, Role.MANAGER, Role.TEAM_LEAD, Role.AGENT)
EVENT_LABELS = {
    "opened": gettext_lazy("opened the incident"),
    "edited": gettext_lazy("edited the incident"),
    "linked": gettext_lazy("linked tickets"),
    "unlinked": gettext_lazy("unlinked a ticket"),
    "status": gettext_lazy("changed the status"),
    "update": gettext_lazy("posted an update"),
    "resolved": gettext_lazy("resolved the incident"),
    "playbook": gettext_lazy("attached a playbook"),
    "step_done": gettext_lazy("checked off a step"),
    "first_update_overdue": gettext_lazy("first update overdue: managers told"),
}


def _detail_url(incident: Incident) -> str:
    return reverse("incident_detail", args=[incident.pk])


# --- list, create, edit --------------------------------------------------------------------------


@member_required()
@require_GET
@in_tenant_time_zone
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = list(svc.incident_list().order_by("-opened_at", "-pk")[:200])
    context = {
        "open_incidents": [i for i in incidents if i.is_open],
        "resolved_incidents": [i for i in incidents if not i.is_open],
        "can_command": svc.can_command(request.membership),
    }
    return render(request, "tickets/incidents/list.html", context)


def _surge_initial(request: HttpRequest) -> dict:
    """Prefill from a surge alert (the link in the managers' notification)."""
    raw = request.GET.get("surge", "")
    alert = surge_alert_get(pk=int(raw)) if raw.isdigit() else None
    if alert is None:
        return {}
    title = _("Surge of “%(category)s” tickets") % {"category": alert.category.name}
    return {"title": title, "category": alert.category, "surge": alert.pk}


@member_required(*svc.INCIDENT_ROLES)
@require_http_methods(["GET", "POST"])
@in_tenant_time_zone
def incident_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = IncidentCreateForm(initial=_surge_initial(request))
        return render(request, "tickets/incidents/form.html", {"form": form})
    form = IncidentCreateForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        surge_pk = data.pop("surge")
        alert = surge_alert_get(pk=surge_pk) if surge_pk else None
        try:
            incident = svc.incident_open(
                tenant=request.tenant, actor=request.membership, surge_alert=alert, **data
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Incident opened. Post the first update within 30 min."))
            return redirect(_detail_url(incident))
    return render(request, "tickets/incidents/form.html", {"form": form}, status=400)


@member_required()
@require_http_methods(["GET", "POST"])
@in_tenant_time_zone
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    incident = svc.incident_get_for_commander(member=request.membership, pk=pk)
    if request.method != "POST":
        form = IncidentForm(initial=IncidentForm.initial_of(incident))
        return render(request, "tickets/incidents/form.html", {"form": form, "incident": incident})
    form = IncidentForm(request.POST)
    if form.is_valid():
        svc.incident_edit(incident=incident, actor=request.membership, **form.cleaned_data)
        messages.success(request, _("Incident saved."))
        return redirect(_detail_url(incident))
    context = {"form": form, "incident": incident}
    return render(request, "tickets/incidents/form.html", context, status=400)


# --- the incident page ---------------------------------------------------------------------------


def _detail_page(request, incident: Incident, bound: dict | None = None, status: int = 200):
    member = request.membership
    updates = list(incident.updates.select_related("author__user")[:50])
    forms = {
        "link": LinkTicketsForm(),
        "update": IncidentUpdateForm(
            initial={
                "status": incident.status,
                "expected_recovery_at": incident.expected_recovery_at,
            }
        ),
        "resolve": ResolveForm(),
        "playbook": AttachPlaybookForm(),
        **(bound or {}),
    }
    steps = list(incident.steps.select_related("owner_member__user", "done_by__user"))
    context = {
        "incident": incident,
        "forms": forms,
        "can_command": svc.can_command(member, incident),
        "updates": updates,
        "latest": updates[0] if updates else None,
        "progress": svc.incident_update_progress(update=updates[0]) if updates else None,
        "linked": svc.incident_linked_tickets(incident=incident),
        "candidates": svc.incident_candidate_tickets(incident=incident, member=member),
        "steps": [(step, svc.step_can_be_done_by(step, member, incident)) for step in steps],
        "events": [
            (event, EVENT_LABELS.get(event.action, event.action))
            for event in incident.events.select_related("actor__user").order_by("-created_at")[:50]
        ],
    }
    return render(request, "tickets/incidents/detail.html", context, status=status)


@member_required()
@require_GET
@in_tenant_time_zone
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = svc.incident_get_for_member(member=request.membership, pk=pk)
    return _detail_page(request, incident)


def _commander_action(form_class, form_name: str):
    """A POST of one form of the incident page by a commander: service → PRG, or the page
    again with the bound form and status 400."""

    def decorate(apply):
        @member_required()
        @require_POST
        @in_tenant_time_zone
        @wraps(apply)
        def view(request: HttpRequest, pk: int) -> HttpResponse:
            incident = svc.incident_get_for_commander(member=request.membership, pk=pk)
            form = form_class(request.POST)
            if form.is_valid():
                try:
                    text = apply(request, incident, form.cleaned_data)
                except ValidationError as error:
                    service_error_into_form(form, error)
                else:
                    messages.success(request, text)
                    return redirect(_detail_url(incident))
            messages.error(request, _("Nothing was changed: please correct the form below."))
            fresh = svc.incident_get_for_member(member=request.membership, pk=pk)
            return _detail_page(request, fresh, bound={form_name: form}, status=400)

        return view

    return decorate


@_commander_action(IncidentUpdateForm, "update")
def incident_update_post(request, incident, data):
    update = svc.incident_update_post(incident=incident, actor=request.membership, **data)
    total = svc.incident_update_progress(update=update)["total"]
    if incident.is_drill:
        return _("Drill update recorded; no customer was mailed.")
    return _("Update posted; it is being sent to %(count)s customers.") % {"count": total}


@_commander_action(ResolveForm, "resolve")
def incident_resolve(request, incident, data):
    count = svc.incident_resolve(
        incident=incident, actor=request.membership, message=data["message"]
    )
    return _("Incident resolved with %(count)s linked tickets.") % {"count": count}


@_commander_action(AttachPlaybookForm, "playbook")
def incident_playbook_attach(request, incident, data):
    count = svc.incident_attach_playbook(
        incident=incident, actor=request.membership, playbook=data["playbook"]
    )
    return _("%(count)s steps added from the playbook.") % {"count": count}


@_commander_action(UnlinkForm, "unlink")
def incident_unlink(request, incident, data):
    svc.incident_unlink_ticket(incident=incident, actor=request.membership, number=data["number"])
    return _("Ticket #%(number)s unlinked.") % {"number": data["number"]}


@member_required()
@require_GET
def incident_update_progress(request: HttpRequest, pk: int, update_pk: int) -> HttpResponse:
    """The htmx-polled progress bar of one update's e-mails (sent / total)."""
    incident = svc.incident_get_for_member(member=request.membership, pk=pk)
    update = svc.incident_update_get(incident=incident, pk=update_pk)
    context = {
        "incident": incident,
        "latest": update,
        "progress": svc.incident_update_progress(update=update),
    }
    return render(request, "tickets/incidents/_progress.html", context)


@member_required()
@require_POST
@in_tenant_time_zone
def incident_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Link pasted ticket numbers; any member may link the tickets they can open."""
    incident = svc.incident_get_for_member(member=request.membership, pk=pk)
    form = LinkTicketsForm(request.POST)
    if form.is_valid():
        try:
            outcome = svc.incident_link_numbers(
                incident=incident, actor=request.membership, numbers=form.cleaned_data["numbers"]
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            _report_links(request, outcome)
            return redirect(_detail_url(incident))
    messages.error(request, _("Nothing was linked: please correct the form below."))
    return _detail_page(request, incident, bound={"link": form}, status=400)


def _report_links(request: HttpRequest, outcome: dict) -> None:
    messages.success(request, _("%(count)s ticket(s) linked.") % {"count": outcome["linked"]})
    if outcome["unknown"]:
        numbers = ", ".join(f"#{n}" for n in outcome["unknown"])
        messages.error(request, _("No such ticket: %(numbers)s.") % {"numbers": numbers})


@member_required()
@require_POST
def incident_link_selected(request: HttpRequest) -> HttpResponse:
    """The queue's bulk action (and the candidates list): selected tickets → one incident."""
    back = safe_next(request, reverse("ticket_queue"))
    form = LinkSelectedForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    incident = form.cleaned_data["incident"]
    try:
        outcome = svc.incident_link_numbers(
            incident=incident, actor=request.membership, numbers=form.cleaned_data["tickets"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _report_links(request, outcome)
    return redirect(back)


@member_required()
@require_http_methods(["GET", "POST"])
@in_tenant_time_zone
def incident_ticket_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a new ticket (a call about the outage) linked to the incident at intake."""
    incident = svc.incident_get_for_member(member=request.membership, pk=pk)
    if not incident.is_open:
        raise Http404
    if request.method != "POST":
        form = TicketIntakeForm(initial={"category": incident.category})
        return render(
            request, "tickets/incidents/intake.html", {"form": form, "incident": incident}
        )
    form = TicketIntakeForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            ticket = svc.incident_ticket_intake(
                incident=incident, actor=request.membership, data=form.cleaned_data
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(
                request, _("Ticket #%(number)s created and linked.") % {"number": ticket.number}
            )
            return redirect(_detail_url(incident))
    context = {"form": form, "incident": incident}
    return render(request, "tickets/incidents/intake.html", context, status=400)


@member_required()
@require_POST
def incident_step_done(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    incident = svc.incident_get_for_member(member=request.membership, pk=pk)
    step = svc.incident_step_get(incident=incident, pk=step_pk)
    if not svc.step_can_be_done_by(step, request.membership, incident):
        raise Http404
    if svc.incident_step_done(step=step, actor=request.membership):
        messages.success(request, _("Step checked off."))
    else:
        messages.info(request, _("This step was already done."))
    return redirect(_detail_url(incident) + f"#step-{step.pk}")


# --- playbooks -----------------------------------------------------------------------------------


@member_required()
@require_GET
def playbook_list(request: HttpRequest) -> HttpResponse:
    steps = PlaybookStep.objects.select_related("owner_member__user").order_by("position", "pk")
    playbooks = Playbook.objects.prefetch_related(Prefetch("steps", queryset=steps))
    context = {
        "playbooks": playbooks,
        "can_edit": request.membership.role in PLAYBOOK_ROLES,
    }
    return render(request, "tickets/incidents/playbooks.html", context)


def _playbook_form_page(request, playbook, form, steps, status=200):
    context = {"form": form, "steps": steps, "playbook": playbook}
    return render(request, "tickets/incidents/playbook_form.html", context, status=status)


def _playbook_edit(request: HttpRequest, playbook=None) -> HttpResponse:
    if request.method != "POST":
        initial = {}
        step_initial = []
        if playbook is not None:
            initial = {"name": playbook.name, "scenario": playbook.scenario}
            initial["is_active"] = playbook.is_active
            step_initial = [
                {
                    "description": s.description,
                    "owner_role": s.owner_role,
                    "owner_member": s.owner_member,
                }
                for s in svc.playbook_steps(playbook=playbook)
            ]
        form = PlaybookForm(initial=initial or None)
        steps = PlaybookStepFormSet(initial=step_initial, prefix="steps")
        return _playbook_form_page(request, playbook, form, steps)
    form = PlaybookForm(request.POST)
    steps = PlaybookStepFormSet(request.POST, prefix="steps")
    if form.is_valid() and steps.is_valid():
        rows = [s for s in steps.cleaned_data if s and s.get("description", "").strip()]
        try:
            saved = svc.playbook_save(
                tenant=request.tenant,
                actor=request.membership,
                playbook=playbook,
                steps=rows,
                **form.cleaned_data,
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Playbook saved."))
            return redirect("playbook_edit", pk=saved.pk)
    return _playbook_form_page(request, playbook, form, steps, status=400)


@member_required(*PLAYBOOK_ROLES)
@require_http_methods(["GET", "POST"])
def playbook_new(request: HttpRequest) -> HttpResponse:
    return _playbook_edit(request)


@member_required(*PLAYBOOK_ROLES)
@require_http_methods(["GET", "POST"])
def playbook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _playbook_edit(request, svc.playbook_get(pk=pk))


# --- surges and backlog --------------------------------------------------------------------------


@member_required(*PLAYBOOK_ROLES)
@require_http_methods(["GET", "POST"])
@in_tenant_time_zone
def surge_alerts(request: HttpRequest) -> HttpResponse:
    current = surge_settings_for(request.tenant)
    form = SurgeSettingsForm(request.POST or None, instance=current)
    if request.method == "POST":
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in SurgeSettingsForm.Meta.fields}
            surge_settings_save(tenant=request.tenant, actor=request.membership, **fields)
            messages.success(request, _("Surge detection saved."))
            return redirect("surge_alerts")
        # The ModelForm wrote the rejected values onto the instance: show the stored ones.
        current.refresh_from_db()
    context = {"form": form, "alerts": surge_alerts_recent(), "settings": current}
    status = 400 if request.method == "POST" else 200
    return render(request, "tickets/incidents/surges.html", context, status=status)


@member_required(*BACKLOG_ROLES)
@require_http_methods(["GET", "POST"])
@in_tenant_time_zone
def backlog_upload(request: HttpRequest) -> HttpResponse:
    form = BacklogImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = backlog_import(
            tenant=request.tenant,
            actor=request.membership,
            upload=form.cleaned_data["file"],
            incident=form.cleaned_data["incident"],
        )
        if not report.has_errors:
            messages.success(
                request,
                _("%(count)s tickets created with their original times.")
                % {"count": len(report.tickets)},
            )
            return redirect(reverse("ticket_queue") + "?queue=all&sort=-created_at")
    failed = request.method == "POST" and (report is None or report.has_errors)
    context = {"form": form, "report": report, "max_rows": MAX_ROWS}
    return render(request, "tickets/incidents/backlog.html", context, status=400 if failed else 200)
