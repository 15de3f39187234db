"""Report pages: the manager dashboard, monthly assessment, quality spot checks, the monthly
feedback report and CSV exports. Thin: figures come from ``reports.selectors`` and friends,
writes from ``reports.services``; ``ReportAccess`` narrows every figure to what the member
may see (an agent: their own)."""

from dataclasses import replace
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.models import Membership
from helpdesk.platform.view_helpers import in_tenant_time_zone
from tickets.models import Ticket

from . import exports, quality, selectors, services
from .access import MANAGING_ROLES, QUALITY_ROLES, ReportAccess, access_for
from .aftersales import aftersales, aftersales_rows
from .assessment import assessment_settings_for, monthly_assessment
from .feedback import feedback_report
from .fieldservice import field_service, field_service_rows
from .forms import (
    AssessmentSettingsForm,
    CriterionForm,
    MonthForm,
    QualityCheckForm,
    ReportFilterForm,
    RootCauseNoteForm,
)
from .kpis import KpiSource
from .models import QualityCriterion


def _source(request: HttpRequest, access: ReportAccess) -> KpiSource:
    period = selectors.period_from(request.tenant, request.GET.get("start"), request.GET.get("end"))
    filters = access.restrict(selectors.filters_from(request.GET))
    return KpiSource(tenant=request.tenant, period=period, filters=filters)


def _month_source(request: HttpRequest, access: ReportAccess) -> KpiSource:
    period = selectors.month_period(request.tenant, request.GET.get("month"))
    filters = access.restrict(selectors.filters_from(request.GET))
    return KpiSource(tenant=request.tenant, period=period, filters=filters)


# --- dashboard ---------------------------------------------------------------------------------


@member_required()
@require_GET
@in_tenant_time_zone
def dashboard(request: HttpRequest) -> HttpResponse:
    access = access_for(request.membership)
    source = _source(request, access)
    granularity = request.GET.get("granularity", "day")
    if granularity not in selectors.GRANULARITIES:
        granularity = "day"
    filters = source.filters
    context = {
        "access": access,
        "source": source,
        "period": source.period,
        "last_day": date.fromordinal(source.period.end.toordinal() - 1),
        "form": ReportFilterForm(request.GET or None, access=access),
        "tiles": selectors.tiles(source, source.with_period(source.period.previous())),
        "trend": selectors.trend(source, granularity),
        "chart_labels": _chart_labels(),
        "escalations": selectors.kpis.escalations_by_reason(source),
        "team_rows": (
            []
            if access.agent is not None
            else selectors.group_rows(source, "team_id", names=selectors.team_names(filters.teams))
        ),
        "agent_rows": selectors.group_rows(
            source,
            "agent_id",
            names=selectors.agent_names(teams=filters.teams, agent=filters.agent),
        ),
        "aftersales": aftersales(source),
        # Desk-wide figures (technicians, visits): only for those who see the whole desk.
        "fieldservice": field_service(source) if access.sees_everything else None,
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/dashboard.html", context)


def _chart_labels() -> dict:
    """Chart texts for the page's JSON (translated here: the script holds no text)."""
    return {
        "created": pgettext("number of tickets", "Created"),
        "resolved": _("Resolved"),
        "first_response_hours": _("First response, average (hours)"),
        "resolution_rate": _("Resolution rate (%)"),
        "first_response_sla": _("First-response SLA met (%)"),
        "satisfaction_rate": _("Satisfaction rate (%)"),
        "volume": _("Volume"),
        "rates": _("Rates (%)"),
        "hours": _("Hours"),
    }


@member_required()
@require_GET
@in_tenant_time_zone
def live(request: HttpRequest) -> HttpResponse:
    """The live board alone, for htmx to refresh in place."""
    access = access_for(request.membership)
    filters = access.restrict(selectors.filters_from(request.GET))
    board = selectors.live_board(filters)
    context = {"live": board, "query": request.GET.urlencode()}
    return render(request, "reports/_live_board.html", context)


# --- monthly assessment ----------------------------------------------------------------------


@member_required()
@require_GET
def assessment(request: HttpRequest) -> HttpResponse:
    access = access_for(request.membership)
    source = _month_source(request, access)
    result = monthly_assessment(source)
    visible = _assessment_visible(access)
    context = {
        "access": access,
        "period": source.period,
        "month": source.period.start.strftime("%Y-%m"),
        "month_form": MonthForm(request.GET or None),
        "agents": [row for row in result.agents if visible(row)],
        "teams": [r for r in result.teams if _may_see_team(access, r.key)],
        "star": result.star,
        "settings_form": (
            AssessmentSettingsForm(instance=assessment_settings_for(request.tenant))
            if access.member.role in MANAGING_ROLES
            else None
        ),
    }
    return render(request, "reports/assessment.html", context)


def _member_teams() -> dict[int, set[int]]:
    """Membership id → the ids of its teams (scoped through Membership)."""
    teams: dict[int, set[int]] = {}
    rows = Membership.objects.filter(teams__isnull=False).values_list("pk", "teams")
    for member_id, team_id in rows:
        teams.setdefault(member_id, set()).add(team_id)
    return teams


def _may_see_team(access: ReportAccess, team_id: int | None) -> bool:
    if access.agent is not None:
        return False
    return access.teams is None or team_id in access.teams


@member_required(*MANAGING_ROLES)
@require_POST
def assessment_settings(request: HttpRequest) -> HttpResponse:
    form = AssessmentSettingsForm(request.POST, instance=assessment_settings_for(request.tenant))
    if form.is_valid():
        fields = AssessmentSettingsForm.Meta.fields
        services.assessment_settings_update(
            tenant=request.tenant, values={name: form.cleaned_data[name] for name in fields}
        )
        messages.success(request, _("Assessment weights saved."))
    else:
        messages.error(request, _("The weights were not saved: check the values."))
    return redirect("reports:assessment")


# --- quality spot checks ---------------------------------------------------------------------


@member_required()
@require_GET
@in_tenant_time_zone
def quality_list(request: HttpRequest) -> HttpResponse:
    """Supervisors: draw a sample of resolved tickets and see recent checks. Agents: the
    results of their own tickets' checks."""
    access = access_for(request.membership)
    may_check = request.membership.role in QUALITY_ROLES
    source = _source(request, access)
    sample = []
    if may_check and "size" in request.GET:
        size = selectors.int_or_none(request.GET.get("size")) or 5
        sample = quality.quality_sample(period=source.period, filters=source.filters, size=size)
    context = {
        "may_check": may_check,
        "form": ReportFilterForm(request.GET or None, access=access),
        "sample": sample,
        "checks": _with_scores(quality.checks_visible_to(access)[:100]),
    }
    return render(request, "reports/quality.html", context)


def _with_scores(checks) -> list[tuple]:
    """Each check with its scores as (criterion, score, highest score), rubric order."""
    criteria = list(QualityCriterion.objects.all())
    return [(check, _scores_of(check, criteria)) for check in checks]


def _scores_of(check, criteria) -> list[tuple]:
    given = check.scores
    return [(c.name, given[str(c.pk)], c.max_score) for c in criteria if str(c.pk) in given]


@member_required(*QUALITY_ROLES)
@require_http_methods(["GET", "POST"])
def quality_rubric(request: HttpRequest) -> HttpResponse:
    services.quality_rubric_for(request.tenant)
    action = request.POST.get("action")
    form = CriterionForm(request.POST) if action == "add" else CriterionForm()
    if request.method == "POST":
        if action == "add" and form.is_valid():
            try:
                services.quality_criterion_add(tenant=request.tenant, **form.cleaned_data)
            except ValidationError as error:
                form.add_error("name", error.message_dict.get("name"))
            else:
                messages.success(request, _("Criterion added."))
                return redirect("reports:quality_rubric")
        elif action in ("retire", "restore"):
            wanted = selectors.int_or_none(request.POST.get("criterion")) or 0
            criterion = selectors.quality_criterion_get(pk=wanted)
            services.quality_criterion_set_active(criterion=criterion, active=action == "restore")
            return redirect("reports:quality_rubric")
    context = {"criteria": QualityCriterion.objects.all(), "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "reports/quality_rubric.html", context, status=status)


@member_required(*QUALITY_ROLES)
@require_http_methods(["GET", "POST"])
@in_tenant_time_zone
def quality_check(request: HttpRequest, number: int) -> HttpResponse:
    ticket = (
        Ticket.objects.select_related("assignee__user", "team", "category", "customer")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise Http404
    criteria = services.quality_rubric_for(request.tenant)
    form = QualityCheckForm(request.POST or None, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        try:
            services.quality_check_create(
                ticket=ticket,
                supervisor=request.membership,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Spot check saved."))
            return redirect(reverse("reports:quality") + "?" + request.GET.urlencode())
    context = {
        "ticket": ticket,
        "form": form,
        "checkable": ticket.status in services.CHECKABLE_STATUSES,
        "previous": ticket.quality_checks.select_related("supervisor__user"),
        "messages_thread": ticket.messages.select_related("author_member__user", "author_customer")[
            :50
        ],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "reports/quality_check.html", context, status=status)


# --- monthly feedback report -------------------------------------------------------------------


@member_required()
@require_GET
@in_tenant_time_zone
def feedback(request: HttpRequest) -> HttpResponse:
    access = access_for(request.membership)
    source = _month_source(request, access)
    month = source.period.start.strftime("%Y-%m")
    context = {
        "report": feedback_report(source),
        "month": month,
        "month_form": MonthForm(request.GET or None),
        "note_form": (
            RootCauseNoteForm(initial={"month": month})
            if request.membership.role in MANAGING_ROLES
            else None
        ),
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/feedback.html", context)


@member_required(*MANAGING_ROLES)
@require_POST
def feedback_note(request: HttpRequest) -> HttpResponse:
    form = RootCauseNoteForm(request.POST)
    period = selectors.month_period(request.tenant, request.POST.get("month"))
    if form.is_valid():
        services.root_cause_note_create(
            tenant=request.tenant,
            author=request.membership,
            month=period.start,
            text=form.cleaned_data["text"],
            category=form.cleaned_data["category"],
        )
        messages.success(request, _("Root-cause note added."))
    else:
        messages.error(request, _("Write the root cause first."))
    return redirect(reverse("reports:feedback") + f"?month={period.start:%Y-%m}")


# --- CSV exports -------------------------------------------------------------------------------


def _assessment_visible(access: ReportAccess):
    member_teams = _member_teams()
    return lambda row: access.may_see_agent(row.key, member_teams.get(row.key, set()))


EXPORTS = {
    # name: (rows(source, access), uses the month rather than start/end)
    "kpis": (lambda source, access: exports.kpi_rows(source), False),
    "categories": (lambda source, access: exports.category_table(source), True),
    "complaints": (lambda source, access: exports.complaint_table(source), True),
    "trend": (lambda source, access: exports.trend_table(source), True),
    "teams": (lambda source, access: exports.team_table(source), False),
    "agents": (lambda source, access: exports.agent_table(source), False),
    "assessment": (
        lambda source, access: exports.assessment_agent_table(source, _assessment_visible(access)),
        True,
    ),
    "tickets": (lambda source, access: exports.ticket_rows(source), False),
    "aftersales": (lambda source, access: aftersales_rows(source), False),
    "fieldservice": (lambda source, access: field_service_rows(source), False),
}
# Tables of the whole desk: refused (404) to a member who sees only part of it.
DESK_WIDE_EXPORTS = ("fieldservice",)


@member_required()
@require_GET
def export(request: HttpRequest, table: str) -> HttpResponse:
    if table not in EXPORTS:
        raise Http404
    access = access_for(request.membership)
    if table in DESK_WIDE_EXPORTS and not access.sees_everything:
        raise Http404
    rows, monthly = EXPORTS[table]
    source = _month_source(request, access) if monthly else _source(request, access)
    if table == "teams" and access.agent is not None:
        source = replace(source, filters=replace(source.filters, teams=()))
    period = source.period
    filename = f"{table}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    return exports.csv_response(filename, rows(source, access), request.tenant)
