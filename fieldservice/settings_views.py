"""Field-service settings pages for tenant admins: the promises, and the technicians (who goes
out on visits, where, on which working calendar, and each one's calendar-feed link)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fieldservice.ical import feed_url
from fieldservice.models import TechnicianProfile
from fieldservice.settings_forms import FieldServiceSettingsForm, TechnicianAddForm, TechnicianForm
from fieldservice.settings_services import (
    field_settings_for,
    field_settings_update,
    technician_profile_create,
    technician_profile_update,
)
from helpdesk.auth import member_required
from helpdesk.models import Role
from helpdesk.platform.view_helpers import service_error_into_form


@member_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def field_settings(request: HttpRequest) -> HttpResponse:
    current = field_settings_for(request.tenant.pk)
    form = FieldServiceSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        field_settings_update(
            tenant=request.tenant,
            actor=request.membership,
            settings=current,
            values=form.model_values(),
        )
        messages.success(request, _("Field-service settings saved."))
        return redirect("fieldservice_settings")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "stage_fields": [f for f in form if f.name.startswith("stage_")]}
    return render(request, "fieldservice/settings/settings.html", context, status=status)


@member_required(Role.ADMIN)
@require_http_methods(["GET"])
def technician_list(request: HttpRequest) -> HttpResponse:
    profiles = TechnicianProfile.objects.select_related("membership__user", "calendar").order_by(
        "membership__user__full_name", "membership__user__email"
    )
    rows = [(profile, feed_url(request, profile.membership_id)) for profile in profiles]
    return render(request, "fieldservice/settings/technicians.html", {"rows": rows})


@member_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def technician_add(request: HttpRequest) -> HttpResponse:
    form = TechnicianAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            technician_profile_create(
                tenant=request.tenant,
                actor=request.membership,
                membership=form.cleaned_data["membership"],
                values=form.cleaned_data,
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Technician added."))
            return redirect("fieldservice_technicians")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "fieldservice/settings/technician_form.html", {"form": form}, status=status
    )


@member_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def technician_edit(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(TechnicianProfile.objects.select_related("membership__user"), pk=pk)
    form = TechnicianForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        technician_profile_update(
            tenant=request.tenant,
            actor=request.membership,
            profile=profile,
            values=form.cleaned_data,
        )
        messages.success(request, _("Technician saved."))
        return redirect("fieldservice_technicians")
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "profile": profile,
        "feed_url": feed_url(request, profile.membership_id),
    }
    return render(request, "fieldservice/settings/technician_form.html", context, status=status)
