"""``/api/v1/triggers/``: a trigger made through the API changes the next ticket and is named
in its history; a definition that cannot run is a 400 naming the path; admins only."""

import pytest
from django_scopes import scope

from automations.models import Trigger
from tests.api.conftest import token_client
from tests.conftest import HOST_A
from tests.factories import TeamFactory
from tests.tickets.helpers import make_ticket
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/triggers/"

E4 = {
    "name": "E4 errors are urgent",
    "event": "ticket.created",
    "active": True,
    "position": 1,
    "conditions": {"all": [{"field": "subject", "operator": "contains", "value": "E4"}], "any": []},
    "actions": [{"type": "set_priority", "value": "urgent"}, {"type": "add_tags", "value": ["e4"]}],
}


def post(client, body):
    return client.post(URL, body, content_type="application/json")


def test_a_trigger_made_through_the_api_changes_the_next_ticket(api_a, tenant_a):
    answer = post(api_a, E4)
    assert answer.status_code == 201, answer.json()
    assert {k: answer.json()[k] for k in E4} == E4

    with scope(tenant=tenant_a):
        matching = make_ticket(tenant_a, subject="Dishwasher shows e4")
        other = make_ticket(tenant_a, subject="Door squeaks")
        matching.refresh_from_db()
        named = TicketEvent.objects.filter(
            ticket=matching, actor_label="Trigger 'E4 errors are urgent'"
        )
        named = sorted(named.values_list("action", "field"))
        tags = list(matching.tags.values_list("name", flat=True))

    assert matching.priority == "urgent" and other.priority == "normal"
    assert tags == ["e4"]
    assert named == [("changed", "priority"), ("changed", "tags"), ("trigger_fired", "")]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"event": "ticket.deleted"}, "event"),
        ({"conditions": {"all": [{"field": "colour", "operator": "is", "value": 1}]}}, None),
        (
            {"conditions": {"all": [{"field": "subject", "operator": "gt", "value": 1}]}},
            "conditions.all[0].operator",
        ),
        (
            {"conditions": {"any": [{"field": "reopens", "operator": "gt", "value": "x"}]}},
            "conditions.any[0].value",
        ),
        ({"actions": [{"type": "delete_ticket", "value": 1}]}, "actions[0].type"),
        ({"actions": [{"type": "set_priority", "value": 3}]}, "actions[0].value"),
        ({"actions": []}, "actions"),
        ({"actions": [{"type": "add_tags", "value": "e4"}]}, "actions[0].value"),
    ],
)
def test_a_definition_that_cannot_run_is_a_400_naming_the_path(api_a, tenant_a, change, path):
    answer = post(api_a, {**E4, **change})
    assert answer.status_code == 400
    assert (path or "conditions.all[0].field") in answer.json()
    with scope(tenant=tenant_a):
        assert not Trigger.objects.exists()


def test_an_id_of_another_tenant_is_refused(api_a, tenant_b):
    with scope(tenant=tenant_b):
        their_team = TeamFactory(tenant=tenant_b, name="Theirs")
    answer = post(api_a, {**E4, "actions": [{"type": "set_team", "value": their_team.pk}]})
    assert answer.status_code == 400 and "actions[0].value" in answer.json()


def test_it_reads_changes_and_deletes(api_a, tenant_a):
    made = post(api_a, E4).json()
    url = f"{URL}{made['id']}/"
    off = api_a.patch(url, {"active": False}, content_type="application/json")
    listed = api_a.get(URL).json()["results"]
    gone = api_a.delete(url)
    assert (off.status_code, off.json()["active"], off.json()["name"]) == (
        200,
        False,
        E4["name"],
    )
    assert [row["id"] for row in listed] == [made["id"]]
    assert gone.status_code == 204 and api_a.get(url).status_code == 404


def test_agents_and_outsiders_get_404(api_a, agent_api_a, outsider):
    made = post(api_a, E4).json()
    outsider_api = token_client(outsider, HOST_A)
    for client in (agent_api_a, outsider_api):
        assert client.get(URL).status_code in (403, 404)
        assert client.get(f"{URL}{made['id']}/").status_code in (403, 404)
        assert post(client, E4).status_code in (403, 404)
    assert agent_api_a.get(f"{URL}{made['id']}/").status_code == 404
