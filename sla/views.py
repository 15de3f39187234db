"""SLA settings pages for tenant admins (managers may look): policies, calendars, preview."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.models import Role

from . import services
from .forms import (
    CalendarForm,
    EscalationRulesForm,
    HolidayForm,
    LoadHolidaysForm,
    PolicyForm,
    PreviewForm,
)
from .models import Calendar, SlaPolicy
from .rules import rules_for
from .selectors import calendar_get, policy_get, sla_preview
from .services import calendar_save, escalation_rules_save, sla_policy_save

ADMIN_ROLES = (Role.ADMIN,)
VIEW_ROLES = (Role.ADMIN, Role.MANAGER)


@member_required(*VIEW_ROLES)
def overview(request: HttpRequest) -> HttpResponse:
    policies = SlaPolicy.objects.select_related("calendar").prefetch_related("tiers", "categories")
    return render(
        request,
        "sla/overview.html",
        {
            "policies": policies,
            "calendars": Calendar.objects.prefetch_related("holidays"),
            "preview_form": PreviewForm(),
        },
    )


@member_required(*VIEW_ROLES)
def preview(request: HttpRequest) -> HttpResponse:
    form = PreviewForm(request.GET or None)
    context = {"preview_form": form}
    if form.is_valid():
        policy, due = sla_preview(tenant=request.tenant, **form.cleaned_data)
        context.update(previewed=True, preview_policy=policy, preview_due=due)
    template = "sla/_preview.html" if request.htmx else "sla/preview.html"
    return render(request, template, context)


@member_required(*ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    policy = policy_get(pk=pk) if pk else SlaPolicy(tenant=request.tenant)
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        sla_policy_save(
            tenant=request.tenant,
            actor=request.membership,
            policy=form.instance,
            values=_model_values(form),
        )
        messages.success(request, _("Policy saved; open tickets are being recomputed."))
        return redirect("sla:overview")
    return render(request, "sla/policy_form.html", {"form": form, "policy": policy})


@member_required(*ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    calendar = (
        calendar_get(pk=pk)
        if pk
        else Calendar(tenant=request.tenant, time_zone=request.tenant.time_zone)
    )
    form = CalendarForm(request.POST or None, instance=calendar)
    if request.method == "POST" and form.is_valid():
        calendar_save(
            tenant=request.tenant,
            actor=request.membership,
            calendar=form.instance,
            values={**_model_values(form), "opening_hours": form.instance.opening_hours},
        )
        messages.success(request, _("Calendar saved; open tickets are being recomputed."))
        return redirect("sla:calendar", pk=form.instance.pk)
    return render(
        request,
        "sla/calendar_form.html",
        {
            "form": form,
            "calendar": calendar,
            "holiday_form": HolidayForm(),
            "load_form": LoadHolidaysForm(),
        },
    )


@member_required(*ADMIN_ROLES)
@require_POST
def holiday_add(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = calendar_get(pk=pk)
    form = HolidayForm(request.POST)
    added = form.is_valid() and services.holiday_add(
        tenant=request.tenant, actor=request.membership, calendar=calendar, **form.cleaned_data
    )
    if added:
        messages.success(request, _("Holiday added."))
    else:
        messages.error(request, _("Give a date that is not a holiday of this calendar yet."))
    return redirect("sla:calendar", pk=calendar.pk)


@member_required(*ADMIN_ROLES)
@require_POST
def holiday_delete(request: HttpRequest, pk: int, holiday_pk: int) -> HttpResponse:
    calendar = calendar_get(pk=pk)
    services.holiday_delete(
        tenant=request.tenant, actor=request.membership, calendar=calendar, pk=holiday_pk
    )
    return redirect("sla:calendar", pk=calendar.pk)


@member_required(*ADMIN_ROLES)
@require_POST
def holidays_load(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = calendar_get(pk=pk)
    form = LoadHolidaysForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a country code and a year."))
        return redirect("sla:calendar", pk=calendar.pk)
    try:
        added = services.holidays_load(
            tenant=request.tenant,
            actor=request.membership,
            calendar=calendar,
            country=form.cleaned_data["country"],
            years=[form.cleaned_data["year"]],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(count)s public holidays added.") % {"count": added})
    return redirect("sla:calendar", pk=calendar.pk)


@member_required(*ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def rules_edit(request: HttpRequest) -> HttpResponse:
    """The repeat-complaint window; what escalates on creation is the triggers' to say."""
    form = EscalationRulesForm(request.POST or None, instance=rules_for(request.tenant.pk))
    if request.method == "POST" and form.is_valid():
        escalation_rules_save(
            tenant=request.tenant, actor=request.membership, values=form.cleaned_data
        )
        messages.success(request, _("Escalation rules saved."))
        return redirect("sla:overview")
    return render(request, "sla/rules_form.html", {"form": form})


def _model_values(form) -> dict:
    """The validated values of the form's model fields (many-to-many included)."""
    names = {field.name for field in form.instance._meta.get_fields()}
    return {name: value for name, value in form.cleaned_data.items() if name in names}
