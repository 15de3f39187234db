"""The queue's left rail and its saved views: naming the current filters, changing, deleting
and ordering a view. Reads through ``tickets.selectors``, writes through
``tickets.saved_views``; the queue page itself is ``tickets.views.queue``."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.models import Membership
from helpdesk.platform.view_helpers import service_error_into_form
from tickets.directory import Directory, directory_for
from tickets.forms import QUEUE_LABELS, SavedViewForm, saved_view_filters
from tickets.models import SavedView
from tickets.saved_views import (
    saved_view_create,
    saved_view_delete,
    saved_view_move,
    saved_view_update,
)
from tickets.selectors import (
    filters_condition,
    queue_condition,
    queue_counts,
    saved_view_get_owned,
)


@dataclass(frozen=True)
class RailItem:
    label: str
    url: str
    count: int
    current: bool
    shared_with: str = ""  # the team's name when the view is shared


def queue_rail(
    *, member: Membership, views: list[SavedView], directory: Directory, current: str
) -> tuple[list[RailItem], list[RailItem]]:
    """The built-in queues and the member's saved views with their live counts, all counted
    in one query. ``current``: ``"queue:<key>"`` or ``"view:<pk>"`` of the page shown."""
    conditions = {f"queue:{key}": queue_condition(member, key) for key in QUEUE_LABELS}
    for view in views:
        queue, filters = saved_view_filters(view.query, directory)
        conditions[f"view:{view.pk}"] = queue_condition(member, queue) & filters_condition(filters)
    counts = queue_counts(member=member, conditions=conditions)
    base = reverse("ticket_queue")
    queues = [
        RailItem(
            str(label), f"{base}?queue={key}", counts[f"queue:{key}"], current == f"queue:{key}"
        )
        for key, label in QUEUE_LABELS.items()
    ]
    saved = [
        RailItem(
            view.name,
            f"{base}?{urlencode({'view': view.pk})}",
            counts[f"view:{view.pk}"],
            current == f"view:{view.pk}",
            view.shared_with_team.name if view.shared_with_team else "",
        )
        for view in views
    ]
    return queues, saved


def _save_or_show(
    request: HttpRequest,
    form: SavedViewForm,
    view: SavedView | None,
    save: Callable[[dict], SavedView],
) -> HttpResponse:
    """On a valid POST, ``save`` the form's data and open the view; else (or when the service
    refuses) show the form with its errors."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("View “%(name)s” saved.") % {"name": saved.name})
            return redirect(f"{reverse('ticket_queue')}?{urlencode({'view': saved.pk})}")
    return render(request, "tickets/saved_view_form.html", {"form": form, "view": view})


@member_required()
@require_POST
def saved_view_new(request: HttpRequest) -> HttpResponse:
    """Name the queue's current filters, sort and columns (sent as ``query``)."""
    member = request.membership
    form = SavedViewForm(request.POST, member=member, directory=directory_for(request.tenant))

    def create(data: dict) -> SavedView:
        team = data.get("shared_with_team")
        return saved_view_create(
            owner=member, name=data["name"], query=data["query"], shared_with_team=team
        )

    return _save_or_show(request, form, None, create)


@member_required()
@require_http_methods(["GET", "POST"])
def saved_view_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename, share or unshare one's own view; anyone else's is a 404."""
    member = request.membership
    view = saved_view_get_owned(member=member, pk=pk)
    directory = directory_for(request.tenant)
    initial = {"name": view.name, "shared_with_team": view.shared_with_team}
    data = request.POST if request.method == "POST" else None
    form = SavedViewForm(data, initial=initial, member=member, directory=directory)

    def update(data: dict) -> SavedView:
        values = {"name": data["name"], "shared_with_team": data.get("shared_with_team")}
        return saved_view_update(view=view, actor=member, values=values)

    return _save_or_show(request, form, view, update)


@member_required()
@require_POST
def saved_view_remove(request: HttpRequest, pk: int) -> HttpResponse:
    view = saved_view_get_owned(member=request.membership, pk=pk)
    saved_view_delete(view=view, actor=request.membership)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect("ticket_queue")


@member_required()
@require_POST
def saved_view_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    """Move one's own view one place up or down in the rail."""
    view = saved_view_get_owned(member=request.membership, pk=pk)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        messages.error(request, _("Choose whether to move the view up or down."))
    else:
        saved_view_move(view=view, actor=request.membership, offset=offset)
    return redirect("saved_view_edit", pk=view.pk)
