"""SLA settings pages for tenant admins (managers may look): policies, calendars, preview."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.models import Role

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
from .services import calendar_load_holidays, sla_settings_changed

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
        with transaction.atomic():
            form.save()
            sla_settings_changed(tenant=request.tenant)
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
        with transaction.atomic():
            form.save()
            sla_settings_changed(tenant=request.tenant)
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
    if form.is_valid() and not calendar.holidays.filter(date=form.cleaned_data["date"]).exists():
        with transaction.atomic():
            calendar.holidays.create(tenant=request.tenant, **form.cleaned_data)
            sla_settings_changed(tenant=request.tenant)
        messages.success(request, _("Holiday added."))
    else:
        messages.error(request, _("Give a date that is not a holiday of this calendar yet."))
    return redirect("sla:calendar", pk=calendar.pk)


@member_required(*ADMIN_ROLES)
@require_POST
def holiday_delete(request: HttpRequest, pk: int, holiday_pk: int) -> HttpResponse:
    calendar = calendar_get(pk=pk)
    with transaction.atomic():
        deleted, _rows = calendar.holidays.filter(pk=holiday_pk).delete()
        if deleted:
            sla_settings_changed(tenant=request.tenant)
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
        with transaction.atomic():
            added = calendar_load_holidays(
                calendar=calendar,
                country=form.cleaned_data["country"],
                years=[form.cleaned_data["year"]],
            )
            sla_settings_changed(tenant=request.tenant)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(count)s public holidays added.") % {"count": added})
    return redirect("sla:calendar", pk=calendar.pk)


@member_required(*ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def rules_edit(request: HttpRequest) -> HttpResponse:
    """The escalation rules that act on creation: repeat complaint, VIP, angry wording."""
    form = EscalationRulesForm(request.POST or None, instance=rules_for(request.tenant.pk))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Escalation rules saved."))
        return redirect("sla:overview")
    return render(request, "sla/rules_form.html", {"form": form})
