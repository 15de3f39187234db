"""Reads of a tenant's rules (triggers, automations), with who may read them: the tenant's
admins. Anyone else gets a 404, as the settings pages answer."""

from django.db.models import QuerySet
from django.http import Http404

from automations.models import Automation, Trigger
from helpdesk.models import Membership, Role

RULE_EDITORS = (Role.ADMIN,)


def rules_for_member(*, member: Membership, model: type[Trigger | Automation]) -> QuerySet:
    """The tenant's rules of ``model`` if the member may read them, else 404. Precondition:
    the tenant scope is active."""
    if member.role not in RULE_EDITORS:
        raise Http404
    return model.objects.all()


def rule_get_for_member(*, member: Membership, model: type[Trigger | Automation], pk: int):
    rule = rules_for_member(member=member, model=model).filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule
