"""The settings pages of triggers and automations: the builder (rows by name, errors on the
row they concern, nothing lost), the preview, order, switch, copy, and who may open them."""

import pytest
from django.test import Client
from django_scopes import scope

from automations.models import Automation, Trigger, TriggerFiring
from tests.automations.helpers import make_trigger, when
from tests.conftest import HOST_A, client_for, sign_in_on_host
from tests.factories import TeamFactory
from tests.tickets.helpers import make_ticket

pytestmark = pytest.mark.django_db
NEW = "/settings/rules/triggers/new/"


def rows(prefix: str, items: list[dict]) -> dict:
    """The rows as the page posts them: those filled in, and a blank one after."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(items) + 1), f"{prefix}-INITIAL_FORMS": "0"}
    for index, item in enumerate(items):
        data.update({f"{prefix}-{index}-{key}": value for key, value in item.items()})
    return data


def post_rule(client, url=NEW, *, conditions=(), any_=(), actions=(), **fields):
    data = {"name": "Bug desk", "event": "ticket.created", "is_active": "on", "position": "5"}
    data.update(fields)
    data.update(rows("all", list(conditions)))
    data.update(rows("any", list(any_)))
    data.update(rows("actions", list(actions)))
    return client.post(url, data)


@pytest.fixture
def admin_client(admin_a):
    return client_for(admin_a, HOST_A)


def test_the_builder_saves_a_rule_typed_by_names(tenant_a, admin_client, agent_a):
    with scope(tenant=tenant_a):
        TeamFactory(tenant=tenant_a, name="Technical support")
    answer = post_rule(
        admin_client,
        conditions=[{"field": "subject_or_text", "operator": "contains_any", "value": "bug, 故障"}],
        actions=[
            {"type": "set_team", "value": "technical SUPPORT"},
            {"type": "set_assignee", "value": "agent@acme.test"},
            {"type": "add_tags", "value": "bug，48h"},
            {"type": "notify", "value": "team_lead", "text": "New bug"},
        ],
    )
    assert answer.status_code == 302
    with scope(tenant=tenant_a):
        trigger = Trigger.objects.get()
        team_id = trigger.actions[0]["value"]
        ticket = make_ticket(tenant_a, subject="App 故障")
        ticket.refresh_from_db()
    assert trigger.conditions["all"][0]["value"] == ["bug", "故障"]
    assert trigger.actions[1:] == [
        {"type": "set_assignee", "value": agent_a.pk},
        {"type": "add_tags", "value": ["bug", "48h"]},
        {"type": "notify", "value": {"to": "team_lead", "text": "New bug"}},
    ]
    assert ticket.team_id == team_id and ticket.assignee == agent_a
    # The page shows the rule again by names.
    page = admin_client.get(answer["Location"]).content.decode()
    assert 'value="Technical support"' in page and 'value="bug, 故障"' in page


def test_a_bad_row_is_shown_on_that_row_and_nothing_typed_is_lost(tenant_a, admin_client):
    answer = post_rule(
        admin_client,
        conditions=[
            {"field": "priority", "operator": "is", "value": "urgent"},
            {"field": "subject", "operator": "gt", "value": "E4"},
        ],
        actions=[{"type": "set_team", "value": "Nobody's team"}],
    )
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "Nothing here is called “Nobody&#x27;s team”." in page
    with scope(tenant=tenant_a):
        assert not Trigger.objects.exists()
    # Fix the team, keep the wrong operator: the operator's row says what is wrong.
    with scope(tenant=tenant_a):
        TeamFactory(tenant=tenant_a, name="Desk")
    answer = post_rule(
        admin_client,
        conditions=[
            {"field": "priority", "operator": "is", "value": "urgent"},
            {"field": "subject", "operator": "gt", "value": "E4"},
        ],
        actions=[{"type": "set_team", "value": "Desk"}],
    )
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "This field does not take this operator." in page
    assert 'value="E4"' in page and 'value="Desk"' in page


def test_the_preview_counts_the_matching_tickets_without_saving(tenant_a, admin_client):
    with scope(tenant=tenant_a):
        make_ticket(tenant_a, subject="E4 again")
        make_ticket(tenant_a, subject="Door")
    answer = post_rule(
        admin_client,
        conditions=[{"field": "subject", "operator": "contains", "value": "e4"}],
        actions=[{"type": "set_priority", "value": "urgent"}],
        preview="1",
    )
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "1 of the last 2 tickets match these conditions now." in page
    assert "E4 again" in page and "Door" not in page
    with scope(tenant=tenant_a):
        assert not Trigger.objects.exists()


def test_an_automation_needs_a_time_condition(tenant_a, admin_client):
    url = "/settings/rules/automations/new/"
    untimed = post_rule(
        admin_client,
        url,
        conditions=[{"field": "status", "operator": "is", "value": "pending"}],
        actions=[{"type": "set_status", "value": "resolved"}],
    )
    timed = post_rule(
        admin_client,
        url,
        conditions=[
            {"field": "status", "operator": "is", "value": "pending"},
            {"field": "hours_since_updated", "operator": "gt", "value": "168"},
        ],
        actions=[{"type": "set_status", "value": "resolved"}],
    )
    assert untimed.status_code == 400 and "hours since created" in untimed.content.decode()
    assert timed.status_code == 302
    with scope(tenant=tenant_a):
        automation = Automation.objects.get()
    assert automation.conditions["all"][1]["value"] == 168


def test_the_list_orders_switches_copies_and_counts(tenant_a, admin_client):
    with scope(tenant=tenant_a):
        first = make_trigger(
            tenant_a, name="First", position=1, actions=[{"type": "add_tags", "value": ["a"]}]
        )
        second = make_trigger(
            tenant_a,
            name="Second",
            position=2,
            conditions=when("subject", "contains", "never"),
            actions=[{"type": "add_tags", "value": ["b"]}],
        )
        make_ticket(tenant_a)
        assert TriggerFiring.objects.filter(trigger=first).count() == 1
    listing = admin_client.get("/settings/rules/triggers/").content.decode()
    moved = admin_client.post(
        "/settings/rules/triggers/reorder/", {"move": second.pk, "direction": "up"}
    )
    dragged = admin_client.post(
        "/settings/rules/triggers/reorder/",
        {"order": f"{first.pk},{second.pk}"},
        HTTP_HX_REQUEST="true",
    )
    switched = admin_client.post(f"/settings/rules/triggers/{first.pk}/switch/")
    copied = admin_client.post(f"/settings/rules/triggers/{second.pk}/copy/")
    bad_order = admin_client.post("/settings/rules/triggers/reorder/", {"order": "x,y"})
    with scope(tenant=tenant_a):
        names = list(Trigger.objects.order_by("position", "pk").values_list("name", "is_active"))
    assert listing.index("First") < listing.index("Second")
    assert moved.status_code == 302 and dragged.status_code == 204
    assert switched.status_code == 302 and copied.status_code == 302
    assert bad_order.status_code == 400
    assert names == [("First", False), ("Second", True), ("Copy of Second", False)]


def test_only_admins_open_the_pages_and_outsiders_get_404(
    tenant_a, agent_a, outsider, admin_client
):
    with scope(tenant=tenant_a):
        trigger = make_trigger(tenant_a, actions=[{"type": "add_tags", "value": ["a"]}])
    urls = ["/settings/rules/triggers/", f"/settings/rules/triggers/{trigger.pk}/"]
    agent, stranger = client_for(agent_a, HOST_A), client_for(outsider, HOST_A)
    for url in urls:
        assert admin_client.get(url).status_code == 200
        assert agent.get(url).status_code in (403, 404)
        assert stranger.get(url).status_code == 404
    assert admin_client.get("/settings/rules/rules/").status_code == 404
    assert stranger.post(f"/settings/rules/triggers/{trigger.pk}/switch/").status_code == 404


def test_posts_need_the_csrf_token(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        trigger = make_trigger(tenant_a, actions=[{"type": "add_tags", "value": ["a"]}])
    client = Client(enforce_csrf_checks=True, HTTP_HOST=HOST_A)
    sign_in_on_host(client, admin_a.user, HOST_A)
    assert client.post(f"/settings/rules/triggers/{trigger.pk}/switch/").status_code == 403


def test_the_pages_speak_chinese(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        trigger = make_trigger(tenant_a, actions=[{"type": "add_tags", "value": ["a"]}])
    client = client_for(admin_a, HOST_A)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    listing = client.get("/settings/rules/triggers/").content.decode()
    builder = client.get(f"/settings/rules/triggers/{trigger.pk}/").content.decode()
    assert "执行次数（7 天）" in listing and "停用" in listing
    assert "满足以下全部条件" in builder and "添加标签" in builder
