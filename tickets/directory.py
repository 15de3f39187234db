"""A tenant's reference lists as the workspace shows them: categories, teams, customer tiers and
active members, each as ``(id, label)`` pairs in display order.

Every queue page offers them in its filter and bulk-action selects and names each row's team and
assignee from them, and so does the API's ticket list; they change a few times a month. Read
from the database on every page they cost four queries, and two more to name the rows, so they
are kept in the shared cache per tenant and dropped whenever one of their rows is saved or
deleted (the receivers connected in ``tickets.apps``); the next page then reads them afresh.
"""

from dataclasses import dataclass
from functools import cached_property

from customers.models import Tier
from helpdesk.models import Membership, Team, Tenant, User
from helpdesk.platform import shared_cache
from helpdesk.tenancy import across_tenants
from tickets.models import Category

Pairs = tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Directory:
    categories: Pairs
    teams: Pairs
    tiers: Pairs
    members: Pairs  # active members by e-mail, labelled with the user's name or address
    member_emails: Pairs  # the same members' addresses

    @cached_property
    def team_names(self) -> dict[int, str]:
        return dict(self.teams)

    @cached_property
    def member_names(self) -> dict[int, str]:
        return dict(self.members)

    @cached_property
    def member_email(self) -> dict[int, str]:
        return dict(self.member_emails)

    def member_ref(self, pk: int | None) -> dict | None:
        """The API's reference to an active member, ``{"id", "email", "name"}``; None for
        anyone else. Built on demand: a page names a few of possibly thousands of members."""
        name = self.member_names.get(pk)
        return None if name is None else {"id": pk, "email": self.member_email[pk], "name": name}


def directory_for(tenant: Tenant) -> Directory:
    """Precondition: the tenant's scope is active."""
    return shared_cache.remembered(directory_key(tenant.pk), _load)


def _load() -> Directory:
    members = Membership.objects.filter(is_active=True).select_related("user")
    members = list(members.order_by("user__email"))
    return Directory(
        categories=tuple(Category.objects.order_by("name").values_list("pk", "name")),
        teams=tuple(Team.objects.order_by("name").values_list("pk", "name")),
        tiers=tuple(Tier.objects.order_by("rank").values_list("pk", "name")),
        members=tuple((m.pk, str(m.user)) for m in members),
        member_emails=tuple((m.pk, m.user.email) for m in members),
    )


def assignee_names(directory: Directory, tickets: list) -> dict[int, str]:
    """The names of these tickets' assignees: the directory's, plus (one query, only when
    needed) those of members no longer active, who still hold their old tickets."""
    names = directory.member_names
    missing = {t.assignee_id for t in tickets if t.assignee_id and t.assignee_id not in names}
    if not missing:
        return names
    former = Membership.objects.filter(pk__in=missing).select_related("user")
    return {**names, **{member.pk: str(member.user) for member in former}}


def directory_forget(sender, instance, **kwargs) -> None:
    """``post_save`` / ``post_delete`` of a category, team, tier or membership."""
    shared_cache.forget(directory_key(instance.tenant_id))


def directory_forget_user(sender, instance: User, update_fields=None, **kwargs) -> None:
    """A user's name or address labels them in every tenant they belong to (a sign-in, which
    saves ``last_login`` alone, changes neither)."""
    if update_fields is not None and not {"full_name", "email"} & set(update_fields):
        return
    with across_tenants():
        tenant_ids = set(instance.memberships.values_list("tenant_id", flat=True))
    if tenant_ids:
        shared_cache.forget(*(directory_key(pk) for pk in tenant_ids))


def directory_key(tenant_id: int) -> str:
    return f"tenant-directory:v2:{tenant_id}"  # v2: with the members' e-mail addresses
