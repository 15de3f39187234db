"""The public survey page, the agents' follow-up pages, and the survey settings.

Thin: reads go through ``surveys.selectors`` (which also authorize), every write is a POST
handed to one service. The survey page needs no sign-in: the token is the key, and anything
wrong with it (forged, expired, another tenant's) is the same 404 page, so it leaks nothing.
"""

from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.models import Role
from helpdesk.platform.view_helpers import in_tenant_time_zone, safe_next, service_error_into_form
from tickets.selectors import ticket_get_for_member

from . import services
from .forms import FollowUpLogForm, FollowUpScheduleForm, SurveyForm, SurveySettingsForm
from .models import SurveyInvitation
from .selectors import follow_up_board, follow_up_get_for_member, invitation_for_token, response_for

# --- the customer's survey page (public) -----------------------------------------------------


def _survey_language(request: HttpRequest, invitation: SurveyInvitation | None) -> str:
    """The visitor's explicit choice (language cookie), else the customer's language."""
    chosen = request.COOKIES.get(django_settings.LANGUAGE_COOKIE_NAME)
    if chosen or invitation is None:
        return translation.get_language()
    return invitation.language or request.tenant.default_language


@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_for_token(token=token)
    with translation.override(_survey_language(request, invitation)):
        if invitation is None or invitation.is_expired():
            response = render(request, "surveys/invalid.html", status=404)
        else:
            response = _survey_page(request, invitation)
    response["X-Robots-Tag"] = "noindex"
    return response


def _survey_page(request: HttpRequest, invitation: SurveyInvitation) -> HttpResponse:
    config = services.survey_settings_for(request.tenant)
    answered = response_for(invitation)
    editable_until = answered.editable_until(config.edit_window_hours) if answered else None
    context = {"invitation": invitation, "ticket": invitation.ticket, "answered": answered}
    if answered and timezone.now() > editable_until:
        status = 409 if request.method == "POST" else 200
        return render(request, "surveys/thanks.html", {**context, "locked": True}, status=status)
    if request.method != "POST":
        form = SurveyForm(initial=SurveyForm.initial_from(answered), settings=config)
        context.update(form=form, editable_until=editable_until)
        return render(request, "surveys/answer.html", context)
    form = SurveyForm(request.POST, settings=config)
    if form.is_valid():
        try:
            saved = services.survey_answer(invitation=invitation, **form.cleaned_data)
        except services.SurveyClosed as error:
            context.update(locked=True, error=" ".join(error.messages))
            return render(request, "surveys/thanks.html", context, status=409)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            context.update(
                answered=saved, editable_until=saved.editable_until(config.edit_window_hours)
            )
            return render(request, "surveys/thanks.html", context)
    context.update(form=form, editable_until=editable_until)
    return render(request, "surveys/answer.html", context, status=400)


# --- agents: my follow-ups, logging, scheduling ----------------------------------------------


@member_required()
@require_GET
@in_tenant_time_zone
def follow_up_list(request: HttpRequest) -> HttpResponse:
    board = follow_up_board(member=request.membership)
    return render(
        request, "surveys/follow_ups.html", {"board": board, "log_form": FollowUpLogForm()}
    )


@member_required()
@require_POST
def follow_up_log(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    follow_up = follow_up_get_for_member(member=request.membership, number=number, pk=pk)
    back = safe_next(request, reverse("surveys:follow_up_list"))
    form = FollowUpLogForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was recorded: choose done, missed or cancel."))
        return redirect(back)
    try:
        services.follow_up_log(follow_up=follow_up, actor=request.membership, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Follow-up recorded."))
    return redirect(back)


@member_required()
@require_http_methods(["GET", "POST"])
@in_tenant_time_zone
def follow_up_schedule(request: HttpRequest, number: int) -> HttpResponse:
    """The form is fetched on demand (htmx into the ticket page, or as a page of its own
    without JavaScript), which keeps the member list out of every ticket page's queries."""
    ticket = ticket_get_for_member(member=request.membership, number=number)
    form = FollowUpScheduleForm(request.POST or None, auto_id="id_follow_up_%s")
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_schedule(
                ticket=ticket, actor=request.membership, **form.cleaned_data
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Follow-up scheduled."))
            return redirect("ticket_detail", number=ticket.number)
    template = (
        "surveys/_follow_up_schedule_form.html" if request.htmx else "surveys/follow_up_new.html"
    )
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"ticket": ticket, "form": form}, status=status)


# --- settings ----------------------------------------------------------------------------------


@member_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def survey_settings(request: HttpRequest) -> HttpResponse:
    current = services.survey_settings_for(request.tenant)
    form = SurveySettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_settings_update(
                tenant=request.tenant, actor=request.membership, values=form.settings_values()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Survey settings saved."))
            return redirect("surveys:settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/settings.html", {"form": form}, status=status)
