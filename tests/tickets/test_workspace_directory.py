"""The tenant and its reference lists are read from the shared cache, and every change to
them shows on the very next page; an unreachable cache falls back to the database."""

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django_scopes import scope

from helpdesk.platform.markup import markup
from tests.conftest import client_for
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    TeamFactory,
    TicketFactory,
    TierFactory,
    UserFactory,
)
from tickets.directory import Directory, directory_for, directory_key

QUEUE = reverse("ticket_queue")


def queue_page(member, **params) -> str:
    response = client_for(member).get(QUEUE, {"queue": "all", **params})
    assert response.status_code == 200
    return response.content.decode()


def option(pk, label) -> str:
    return f'<option value="{pk}">{label}</option>'


def test_every_change_to_a_reference_list_shows_on_the_next_page(tenant_a, admin_a, agent_a):
    category = CategoryFactory(tenant=tenant_a, name="Noise")
    team = TeamFactory(tenant=tenant_a, name="Repairs")
    tier = TierFactory(tenant=tenant_a, name="VIP")
    page = queue_page(admin_a)  # fills the cache
    assert option(category.pk, "Noise") in page and option(team.pk, "Repairs") in page
    assert option(tier.pk, "VIP") in page and option(agent_a.pk, agent_a.user) in page

    with scope(tenant=tenant_a):
        category.name = "Noise and vibration"
        category.save()
        team.name = "Field repairs"
        team.save()
        tier.delete()
        added = CategoryFactory(tenant=tenant_a, name="Smell")
        agent_a.user.full_name = "Wang Fang"
        agent_a.user.save()
        newcomer = MembershipFactory(tenant=tenant_a, user=UserFactory(full_name="Li Lei"))
    page = queue_page(admin_a)
    assert option(category.pk, "Noise and vibration") in page
    assert option(added.pk, "Smell") in page and option(team.pk, "Field repairs") in page
    assert "VIP" not in page
    assert option(agent_a.pk, "Wang Fang") in page and option(newcomer.pk, "Li Lei") in page

    with scope(tenant=tenant_a):
        newcomer.is_active = False
        newcomer.save()
    assert "Li Lei" not in queue_page(admin_a)


def test_a_sign_in_does_not_drop_the_lists_but_a_rename_does(tenant_a, admin_a, agent_a):
    queue_page(admin_a)
    key = directory_key(tenant_a.pk)
    assert cache.get(key) is not None
    client_for(agent_a)  # force_login saves last_login only
    assert cache.get(key) is not None
    agent_a.user.email = "renamed@acme.test"
    agent_a.user.save()
    assert cache.get(key) is None


def test_rows_name_a_deactivated_assignee_and_the_team(tenant_a, admin_a, agent_a, team_a):
    ticket = TicketFactory(tenant=tenant_a, assignee=agent_a, team=team_a, subject="Old case")
    with scope(tenant=tenant_a):
        agent_a.is_active = False
        agent_a.save()
    page = queue_page(admin_a, columns=["team", "assignee"])
    row = page[page.index(f'id="select-{ticket.number}"') :].split("</tr>", 1)[0]
    assert str(agent_a.user) in row and team_a.name in row
    assert option(agent_a.pk, agent_a.user) not in page  # no longer offered


def test_a_renamed_or_deactivated_tenant_is_seen_at_once(tenant_a, admin_a):
    assert "ACME" in queue_page(admin_a)
    tenant_a.name = "ACME Appliances"
    tenant_a.save()
    assert "ACME Appliances" in queue_page(admin_a)
    tenant_a.is_active = False
    tenant_a.save()
    assert client_for(admin_a).get(QUEUE).status_code == 404


def test_pages_work_from_the_database_when_the_cache_is_unreachable(
    settings, tenant_a, admin_a, caplog
):
    CategoryFactory(tenant=tenant_a, name="Noise")
    # Nothing listens on port 1: every cache call fails as with a stopped Redis.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    page = queue_page(admin_a)
    assert "Noise" in page and "ACME" in page
    assert "shared cache unreachable" in caplog.text
    tenant_a.name = "Renamed"
    tenant_a.save()  # the drop fails too, and is logged, not raised
    assert "Renamed" in queue_page(admin_a)


@pytest.mark.parametrize(
    "value",
    ["<script>alert(1)</script>", "a & b", "\"quoted\" 'single'", 42, None, "中文 <b>"],
)
def test_markup_escapes_exactly_as_format_html(value):
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    template = '<a title="{}">{}</a>{}'
    extras = (mark_safe("<i>safe</i>"), gettext_lazy("Unassigned"))
    for extra in extras:
        assert markup(template, value, value, extra) == format_html(template, value, value, extra)


@pytest.mark.django_db(transaction=True)
def test_a_page_read_before_the_commit_does_not_keep_the_old_list(tenant_a, admin_a):
    """Another request reading between the save and the commit caches the old row; the drop
    after the commit removes it again."""
    category = CategoryFactory(tenant=tenant_a, name="Noise")
    with transaction.atomic(), scope(tenant=tenant_a):
        category.name = "Smell"
        category.save()
        # What a concurrent request would cache from the committed data: the old name.
        cache.set(
            directory_key(tenant_a.pk),
            Directory(
                categories=((category.pk, "Noise"),),
                teams=(),
                tiers=(),
                members=(),
                member_emails=(),
            ),
        )
    with scope(tenant=tenant_a):
        assert directory_for(tenant_a).categories == ((category.pk, "Smell"),)
