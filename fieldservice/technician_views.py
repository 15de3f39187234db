"""The technician's pages, made for a phone: the day's visits and each job, with the buttons
for travel, check-in, notes, parts, photos, the customer's signature and completion.

Thin: the services in ``fieldservice.visits`` (and ``work_order_move``) do the work; a refused
change comes back as a message on the job page, which keeps every form on one screen."""

import zoneinfo
from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fieldservice import visits
from fieldservice.models import WorkOrder, WorkOrderStatus
from fieldservice.selectors import is_coordinator
from fieldservice.services import work_order_move
from fieldservice.technician_forms import (
    CompleteForm,
    DayForm,
    MoveForm,
    NotesForm,
    PartUseForm,
    PhotoForm,
    SignForm,
)
from fieldservice.technician_selectors import (
    job_get_for_member,
    last_customer_message,
    parts_in,
    technician_for_day_page,
    technicians_to_pick,
    van_stock,
    visits_of_day,
)
from fieldservice.transitions import can_move
from helpdesk.auth import member_required
from helpdesk.platform.view_helpers import in_tenant_time_zone
from tickets.attachments import attachment_response

# The big buttons on top of the job page; "could not complete" sits with "complete".
TRAVEL_MOVES = (WorkOrderStatus.EN_ROUTE, WorkOrderStatus.ON_SITE)
MOVE_DONE = {
    "en_route": gettext_lazy("Travel started."),
    "on_site": gettext_lazy("Checked in."),
    "could_not_complete": gettext_lazy("The visit is recorded as not completed."),
}


# --- the day --------------------------------------------------------------------------------------


@member_required()
@require_GET
@in_tenant_time_zone
def technician_day(request: HttpRequest) -> HttpResponse:
    member = request.membership
    technician = technician_for_day_page(member=member, requested=request.GET.get("technician"))
    zone = zoneinfo.ZoneInfo(request.tenant.time_zone)
    form = DayForm(request.GET)
    day = (form.is_valid() and form.cleaned_data["day"]) or timezone.localdate(timezone=zone)
    jobs = visits_of_day(member=member, technician=technician, day=day, zone=zone)
    context = {
        "technician": technician,
        "is_own_day": technician.pk == member.pk,
        "day": day,
        "is_today": day == timezone.localdate(timezone=zone),
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "jobs": jobs,
        "technicians": technicians_to_pick() if is_coordinator(member) else None,
        "technician_query": "" if technician.pk == member.pk else f"&technician={technician.pk}",
    }
    return render(request, "fieldservice/technician/day.html", context)


# --- a job ----------------------------------------------------------------------------------------


@member_required()
@require_GET
@in_tenant_time_zone
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = job_get_for_member(member=request.membership, pk=pk)
    levels = van_stock(work_order)
    labels = {
        level.part_id: _("%(part)s (%(n)s in the van)") % {"part": level.part, "n": level.available}
        for level in levels
    }
    context = {
        "job": work_order,
        "day": timezone.localdate(work_order.appointment_start)
        if work_order.appointment_start
        else None,
        "customer_message": last_customer_message(work_order),
        "moves": [m for m in TRAVEL_MOVES if can_move(work_order.kind, work_order.status, m)],
        "on_site": work_order.status == WorkOrderStatus.ON_SITE,
        "notes_form": NotesForm(initial={"work_done": work_order.work_done}),
        "complete_form": CompleteForm(initial={"work_done": work_order.work_done}),
        "part_form": PartUseForm(parts=parts_in(levels), labels=labels),
        "has_van": visits.van_of(work_order.technician) is not None,
        "photo_form": PhotoForm(),
        "sign_form": SignForm(),
        "parts_used": work_order.parts_used.select_related("part"),
        "photos": work_order.photos.all(),
        "skills": work_order.required_skills.order_by("name"),
    }
    return render(request, "fieldservice/technician/job.html", context)


def _job_page(work_order: WorkOrder, anchor: str = "") -> HttpResponse:
    url = reverse("fieldservice_job", kwargs={"pk": work_order.pk})
    return redirect(f"{url}#{anchor}" if anchor else url)


def _act(request: HttpRequest, form, act: Callable[[dict], str]) -> bool:
    """Run ``act`` on the form's cleaned data; it answers the message to show. A form or a
    service that refuses shows its reasons as an error instead. Answers whether it went
    through."""
    if not form.is_valid():
        texts = [str(text) for errors in form.errors.values() for text in errors]
        messages.error(request, " ".join(texts))
        return False
    try:
        done = act(form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, done)
    return True


@member_required()
@require_POST
def job_move(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = job_get_for_member(member=request.membership, pk=pk)

    def move(data: dict) -> str:
        work_order_move(
            work_order=work_order,
            actor=request.membership,
            status=data["status"],
            reason=data["reason"],
        )
        return MOVE_DONE[data["status"]]

    _act(request, MoveForm(request.POST), move)
    return _job_page(work_order)


@member_required()
@require_POST
def job_notes(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = job_get_for_member(member=request.membership, pk=pk)

    def save(data: dict) -> str:
        visits.visit_notes_update(work_order=work_order, actor=request.membership, **data)
        return _("Notes saved.")

    _act(request, NotesForm(request.POST), save)
    return _job_page(work_order, "notes")


@member_required()
@require_POST
def job_part(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = job_get_for_member(member=request.membership, pk=pk)

    def fit(data: dict) -> str:
        used = visits.visit_part_use(work_order=work_order, actor=request.membership, **data)
        return _("Fitted: %(n)s × %(part)s.") % {"n": used.quantity, "part": used.part}

    _act(request, PartUseForm(request.POST, parts=parts_in(van_stock(work_order))), fit)
    return _job_page(work_order, "parts")


@member_required()
@require_POST
def job_photo(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = job_get_for_member(member=request.membership, pk=pk)

    def add(data: dict) -> str:
        visits.visit_photo_add(
            work_order=work_order,
            actor=request.membership,
            upload=data["photo"],
            caption=data["caption"],
        )
        return _("Photo added.")

    _act(request, PhotoForm(request.POST, request.FILES), add)
    return _job_page(work_order, "photos")


@member_required()
@require_GET
def job_photo_file(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    """A photo of a job the member may see, served as user uploads are (no sniffing, a
    sandboxing policy), never from a public media URL."""
    work_order = job_get_for_member(member=request.membership, pk=pk)
    photo = work_order.photos.filter(pk=photo_pk).first()
    if photo is None:
        raise Http404
    return _image_response(photo.file)


@member_required()
@require_POST
def job_sign(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = job_get_for_member(member=request.membership, pk=pk)

    def sign(data: dict) -> str:
        visits.visit_sign(
            work_order=work_order,
            actor=request.membership,
            signed_by=data["signed_by"],
            data_url=data["signature"],
        )
        return _("Signature saved.")

    _act(request, SignForm(request.POST), sign)
    return _job_page(work_order, "signature")


@member_required()
@require_GET
def job_signature_file(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = job_get_for_member(member=request.membership, pk=pk)
    if not work_order.signature:
        raise Http404
    return _image_response(work_order.signature)


def _image_response(file) -> HttpResponse:
    try:
        with file.open("rb") as handle:
            name = visits.photo_name(handle)
    except FileNotFoundError:
        raise Http404 from None
    if name is None:
        raise Http404
    return attachment_response(file, name=name)


@member_required()
@require_POST
def job_complete(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = job_get_for_member(member=request.membership, pk=pk)

    def complete(data: dict) -> str:
        visits.visit_complete(work_order=work_order, actor=request.membership, **data)
        return _("Visit completed; the customer has been sent the summary.")

    if _act(request, CompleteForm(request.POST), complete):
        return _job_page(work_order)
    return _job_page(work_order, "complete")
