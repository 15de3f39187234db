"""Writes of the queue's saved views: create, change, delete, move in the rail.

Each is one transaction and one audit record per change, like every other setting. The views
hand in a ``query`` already validated by the queue's filter form (``SavedViewForm``).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from helpdesk.audit import audit_delete, audit_record, audit_save
from helpdesk.models import Membership, Role, Team
from tickets.models import SavedView

# Roles that may share a view with any team; a team lead may share with the teams they lead.
SHARE_WITH_ANY_TEAM_ROLES = (Role.ADMIN, Role.MANAGER)


def may_share_with(member: Membership, team: Team) -> bool:
    if member.role in SHARE_WITH_ANY_TEAM_ROLES:
        return True
    return member.role == Role.TEAM_LEAD and team.lead_id == member.pk


def _check(*, owner: Membership, name: str, team: Team | None, pk: int | None = None) -> None:
    if team is not None and not may_share_with(owner, team):
        raise ValidationError(
            {"shared_with_team": _("Only an admin, a manager or its lead may share with a team.")}
        )
    if SavedView.objects.filter(owner=owner, name=name).exclude(pk=pk).exists():
        raise ValidationError({"name": _("You already have a view with this name.")})


@transaction.atomic
def saved_view_create(
    *, owner: Membership, name: str, query: dict, shared_with_team: Team | None = None
) -> SavedView:
    """A new view, last in the owner's rail. Precondition: the tenant scope is active."""
    _check(owner=owner, name=name, team=shared_with_team)
    last = SavedView.objects.filter(owner=owner).aggregate(last=Max("position"))["last"]
    view = SavedView(tenant_id=owner.tenant_id, owner=owner)
    values = {
        "name": name,
        "query": query,
        "shared_with_team": shared_with_team,
        "position": 0 if last is None else last + 1,
    }
    audit_save(tenant=owner.tenant_id, actor=owner, instance=view, values=values)
    return view


@transaction.atomic
def saved_view_update(*, view: SavedView, actor: Membership, values: dict) -> SavedView:
    """Rename, share or unshare a view (``values``: ``name``, ``shared_with_team`` and
    optionally ``query``). Precondition: ``actor`` owns it (``saved_view_get_owned``)."""
    _check(owner=actor, name=values["name"], team=values["shared_with_team"], pk=view.pk)
    audit_save(tenant=view.tenant_id, actor=actor, instance=view, values=values)
    return view


@transaction.atomic
def saved_view_delete(*, view: SavedView, actor: Membership) -> None:
    audit_delete(tenant=view.tenant_id, actor=actor, instance=view)


@transaction.atomic
def saved_view_move(*, view: SavedView, actor: Membership, offset: int) -> None:
    """Swap the view with its neighbour above (``offset`` -1) or below (+1) among the owner's
    views; at either end nothing moves."""
    views = list(SavedView.objects.filter(owner=view.owner_id).order_by("position", "pk"))
    index = next(i for i, v in enumerate(views) if v.pk == view.pk)
    other = index + offset
    if offset not in (-1, 1) or not 0 <= other < len(views):
        return
    views[index], views[other] = views[other], views[index]
    for position, each in enumerate(views):
        if each.position != position:
            each.position = position
            each.save(update_fields=["position"])
    audit_record(
        tenant=view.tenant_id,
        actor=actor,
        action="moved",
        target=view,
        field="position",
        old=index,
        new=other,
    )
