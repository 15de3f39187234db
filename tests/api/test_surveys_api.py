"""Survey answers (read) and follow-up calls (list, schedule, record) through the API."""

from datetime import datetime, timedelta
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from helpdesk.models import Role
from surveys.models import FollowUp, FollowUpKind, FollowUpStatus
from tests.api.conftest import post_json, token_client
from tests.conftest import HOST_A, HOST_B, client_for
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.surveys.helpers import answered_survey
from tests.tickets.helpers import make_category, make_customer, make_ticket
from tickets.models import TicketEvent

RESPONSES = "/api/v1/survey-responses/"
FOLLOW_UPS = "/api/v1/follow-ups/"
EMAILS = count()


def aware(text: str) -> bool:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo is not None


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def in_days(days: float) -> str:
    """An ISO 8601 time with the tenant's offset (+08:00), ``days`` from now."""
    moment = timezone.now() + timedelta(days=days)
    return timezone.localtime(moment, timezone.get_fixed_timezone(480)).isoformat()


def new_ticket(tenant, *, team=None, actor=None):
    """A ticket of its own customer (and of ``team``, through its category)."""
    customer = make_customer(tenant, email=f"customer{next(EMAILS)}@example.test")
    category = make_category(tenant, name=f"Repair {next(EMAILS)}", team=team) if team else None
    return make_ticket(tenant, customer=customer, category=category, actor=actor)


@pytest.fixture
def answered(tenant_a, admin_a):
    """answered(overall=…, team=…, **answers) → a survey answer on a ticket of its own."""

    def make(*, overall=4, team=None, **answers):
        with scope(tenant=tenant_a):
            ticket = new_ticket(tenant_a, team=team, actor=admin_a)
            return answered_survey(ticket, actor=admin_a, overall=overall, **answers)

    return make


@pytest.fixture
def billing(tenant_a):
    """A team the agent of ``team_a`` is not in: its tickets are hidden from that agent."""
    return TeamFactory(tenant=tenant_a, name="Billing")


def schedule(tenant, ticket, *, due_days=1, assignee=None) -> FollowUp:
    from surveys.services import follow_up_schedule

    with scope(tenant=tenant):
        return follow_up_schedule(
            ticket=ticket,
            actor=assignee,
            assignee=assignee,
            due_at=timezone.now() + timedelta(days=due_days),
            channel="phone",
        )


# --- survey answers ---------------------------------------------------------------------------


def test_it_lists_survey_answers_newest_first(api_a, answered):
    older = answered(overall=5, nps=10, comment="Quick and friendly")
    newer = answered(overall=3, not_solved=True)
    response = api_a.get(RESPONSES)
    assert response.status_code == 200
    assert ids(response) == [newer.pk, older.pk]
    row = response.json()["results"][1]
    assert row["ticket"] == older.ticket.number
    assert row["customer"] == older.ticket.customer_id
    assert (row["overall"], row["nps"], row["comment"]) == (5, 10, "Quick and friendly")
    assert (row["not_solved"], row["is_satisfied"], row["is_bad"]) == (False, True, False)
    assert aware(row["answered_at"]) and row["edited_at"] is None
    assert response.json()["results"][0]["not_solved"] is True


def test_it_filters_answers_by_ticket_score_and_time(api_a, answered):
    low, high = answered(overall=2), answered(overall=5)
    assert ids(api_a.get(RESPONSES, {"ticket": low.ticket.number})) == [low.pk]
    assert ids(api_a.get(RESPONSES, {"overall_min": 4})) == [high.pk]
    assert ids(api_a.get(RESPONSES, {"overall_max": 2})) == [low.pk]
    assert ids(api_a.get(RESPONSES, {"not_solved": "false", "overall_min": 1})) == [
        high.pk,
        low.pk,
    ]
    an_hour_ago = (timezone.now() - timedelta(hours=1)).isoformat()
    assert ids(api_a.get(RESPONSES, {"answered_before": an_hour_ago})) == []
    assert ids(api_a.get(RESPONSES, {"answered_after": an_hour_ago})) == [high.pk, low.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"overall_min": 9},
        {"nps_max": 11},
        {"nps_min": "0.5"},
        {"answered_after": "yesterday"},
        {"ticket": ""},
    ],
)
def test_it_names_a_bad_answer_filter(api_a, answered, params):
    answered()
    response = api_a.get(RESPONSES, params)
    assert response.status_code == 400
    assert list(response.json()) == list(params)


def test_it_shows_one_answer_and_404s_an_unknown_one(api_a, answered):
    found = answered(overall=1, comment="Never again")
    body = api_a.get(f"{RESPONSES}{found.pk}/").json()
    assert (body["id"], body["overall"], body["is_bad"]) == (found.pk, 1, True)
    assert body["cycle"] == 0
    assert api_a.get(f"{RESPONSES}{found.pk + 100}/").status_code == 404
    assert api_a.get(f"{RESPONSES}abc/").status_code == 404
    assert api_a.get(f"{RESPONSES}{2**64}/").status_code == 404


def test_it_refuses_to_write_survey_answers(api_a, answered):
    found = answered()
    assert post_json(api_a, RESPONSES, {"overall": 5}).status_code == 405
    assert api_a.delete(f"{RESPONSES}{found.pk}/").status_code == 405


def test_it_hides_answers_on_tickets_the_agent_may_not_open(agent_a, team_a, billing, answered):
    ours, theirs = answered(team=team_a), answered(team=billing)
    client = token_client(agent_a)
    assert ids(client.get(RESPONSES)) == [ours.pk]
    assert client.get(f"{RESPONSES}{theirs.pk}/").status_code == 404
    assert client.get(f"{RESPONSES}{ours.pk}/").status_code == 200


def test_it_lists_answers_in_a_constant_number_of_queries(
    api_a, answered, django_assert_max_num_queries
):
    answered()
    first = api_a.get(RESPONSES)  # the token's last-use stamp is written once
    assert len(first.json()["results"]) == 1
    with CaptureQueriesContext(connection) as one:
        api_a.get(RESPONSES)
    for overall in (1, 2, 3, 5):
        answered(overall=overall)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(api_a.get(RESPONSES).json()["results"]) == 5


# --- follow-ups: schedule ---------------------------------------------------------------------


def test_it_schedules_a_follow_up_and_tells_the_assignee(api_a, tenant_a, admin_a, agent_a):
    with scope(tenant=tenant_a):
        ticket = new_ticket(tenant_a, actor=admin_a)
    due = in_days(2)
    response = post_json(
        api_a,
        FOLLOW_UPS,
        {
            "ticket": ticket.number,
            "due_at": due,
            "assignee": agent_a.pk,
            "channel": "on_site",
            "notes": "Bring the new pump.",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["ticket"], body["customer"]) == (ticket.number, ticket.customer_id)
    assert (body["kind"], body["status"], body["channel"]) == ("manual", "pending", "on_site")
    assert body["assignee"]["email"] == "agent@acme.test"
    assert (body["notes"], body["created_by"], body["colour"]) == (
        "Bring the new pump.",
        admin_a.pk,
        "green",
    )
    assert datetime.fromisoformat(body["due_at"]) == datetime.fromisoformat(due)
    with scope(tenant=tenant_a):
        assert ticket.events.filter(action="follow_up_scheduled").count() == 1
        assert agent_a.notifications.filter(text__contains=f"#{ticket.number}").exists()


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("due_at", {"due_at": "2020-01-01T10:00:00+08:00"}),
        ("due_at", {"due_at": "2030-01-01T10:00:00"}),
        ("due_at", {"due_at": None}),
        ("ticket", {"ticket": 987654}),
        ("ticket", {"ticket": "abc"}),
        ("channel", {"channel": "pigeon"}),
        ("assignee", {"assignee": 987654}),
        ("notes", {"notes": "x" * 2001}),
    ],
)
def test_it_names_the_field_of_a_refused_follow_up(api_a, tenant_a, admin_a, field, change):
    with scope(tenant=tenant_a):
        ticket = new_ticket(tenant_a, actor=admin_a)
    body = {"ticket": ticket.number, "due_at": in_days(1), **change}
    response = post_json(api_a, FOLLOW_UPS, body)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    with scope(tenant=tenant_a):
        assert not FollowUp.objects.exists()


def test_it_answers_a_hidden_ticket_like_an_unknown_one(tenant_a, agent_a, team_a, billing):
    with scope(tenant=tenant_a):
        hidden = new_ticket(tenant_a, team=billing)
    client = token_client(agent_a)
    for number in (hidden.number, 987654):
        response = post_json(client, FOLLOW_UPS, {"ticket": number, "due_at": in_days(1)})
        assert response.status_code == 400
        assert list(response.json()) == ["ticket"]


def test_it_refuses_another_tenants_member_as_assignee(api_a, tenant_a, admin_a, outsider):
    with scope(tenant=tenant_a):
        ticket = new_ticket(tenant_a, actor=admin_a)
    body = {"ticket": ticket.number, "due_at": in_days(1), "assignee": outsider.pk}
    response = post_json(api_a, FOLLOW_UPS, body)
    assert response.status_code == 400
    assert list(response.json()) == ["assignee"]


def test_it_schedules_once_per_idempotency_key(api_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        ticket = new_ticket(tenant_a, actor=admin_a)
    body = {"ticket": ticket.number, "due_at": in_days(1)}
    first = post_json(api_a, FOLLOW_UPS, body, **{"Idempotency-Key": "f-1"})
    again = post_json(api_a, FOLLOW_UPS, body, **{"Idempotency-Key": "f-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    with scope(tenant=tenant_a):
        assert FollowUp.objects.count() == 1


# --- follow-ups: read -------------------------------------------------------------------------


def test_it_lists_follow_ups_soonest_due_first_and_filters_them(api_a, tenant_a, admin_a, agent_a):
    with scope(tenant=tenant_a):
        first_ticket = new_ticket(tenant_a, actor=admin_a)
        later = schedule(tenant_a, first_ticket, due_days=3, assignee=agent_a)
        sooner = schedule(tenant_a, new_ticket(tenant_a, actor=admin_a), due_days=1)
    assert ids(api_a.get(FOLLOW_UPS)) == [sooner.pk, later.pk]
    assert ids(api_a.get(FOLLOW_UPS, {"ticket": first_ticket.number})) == [later.pk]
    assert ids(api_a.get(FOLLOW_UPS, {"assignee": agent_a.pk})) == [later.pk]
    assert ids(api_a.get(FOLLOW_UPS, {"unassigned": "true"})) == [sooner.pk]
    assert ids(api_a.get(FOLLOW_UPS, {"due_before": in_days(2)})) == [sooner.pk]
    assert ids(api_a.get(FOLLOW_UPS, {"due_after": in_days(2)})) == [later.pk]
    assert ids(api_a.get(FOLLOW_UPS, {"status": "done"})) == []
    refused = api_a.get(FOLLOW_UPS, {"status": "someday"})
    assert refused.status_code == 400 and list(refused.json()) == ["status"]


def test_it_reads_any_utc_offset_in_a_time_filter(api_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        follow_up = schedule(tenant_a, new_ticket(tenant_a, actor=admin_a))
    # Python takes offsets up to ±23:59, PostgreSQL up to ±15:59: still a time, not a 500.
    far_west = api_a.get(FOLLOW_UPS, {"due_after": "2016-06-16T12:16:37-18:45"})
    assert ids(far_west) == [follow_up.pk]
    off_the_calendar = api_a.get(RESPONSES, {"answered_before": "0001-01-01T00:00:00+05:00"})
    assert off_the_calendar.status_code == 400
    assert list(off_the_calendar.json()) == ["answered_before"]


def test_it_shows_the_follow_ups_of_a_bad_survey(api_a, answered):
    bad = answered(overall=1, comment="Nobody came")
    rows = api_a.get(FOLLOW_UPS, {"ticket": bad.ticket.number}).json()["results"]
    kinds = {row["kind"]: row for row in rows}
    assert set(kinds) == {FollowUpKind.BAD_SURVEY, FollowUpKind.IMPROVEMENT}
    assert {row["survey_response"] for row in rows} == {bad.pk}
    assert {row["created_by"] for row in rows} == {None}


def test_it_shows_one_follow_up_and_404s_an_unknown_one(api_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        follow_up = schedule(tenant_a, new_ticket(tenant_a, actor=admin_a))
    body = api_a.get(f"{FOLLOW_UPS}{follow_up.pk}/").json()
    assert (body["id"], body["status"], body["assignee"]) == (follow_up.pk, "pending", None)
    assert aware(body["due_at"]) and aware(body["created_at"])
    assert api_a.get(f"{FOLLOW_UPS}{follow_up.pk + 100}/").status_code == 404
    assert api_a.get(f"{FOLLOW_UPS}x/").status_code == 404


def test_it_lists_follow_ups_in_a_constant_number_of_queries(
    api_a, tenant_a, admin_a, agent_a, django_assert_max_num_queries
):
    with scope(tenant=tenant_a):
        schedule(tenant_a, new_ticket(tenant_a, actor=admin_a), assignee=agent_a)
    api_a.get(FOLLOW_UPS)  # the token's last-use stamp is written once
    with CaptureQueriesContext(connection) as one:
        api_a.get(FOLLOW_UPS)
    with scope(tenant=tenant_a):
        for _ in range(5):
            schedule(tenant_a, new_ticket(tenant_a, actor=admin_a), assignee=agent_a)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(api_a.get(FOLLOW_UPS).json()["results"]) == 6


# --- follow-ups: record -----------------------------------------------------------------------


def test_it_records_a_follow_up_once(api_a, tenant_a, admin_a, agent_a):
    with scope(tenant=tenant_a):
        follow_up = schedule(tenant_a, new_ticket(tenant_a, actor=admin_a), assignee=agent_a)
    url = f"{FOLLOW_UPS}{follow_up.pk}/complete/"
    response = post_json(api_a, url, {"outcome": "satisfied", "notes": "Works fine."})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["outcome"], body["notes"]) == ("done", "satisfied", "Works fine.")
    assert (body["done_by"], body["colour"]) == (admin_a.pk, "met")
    assert aware(body["done_at"])
    again = post_json(api_a, url, {"status": "missed"})
    assert again.status_code == 400
    assert list(again.json()) == ["status"]
    with scope(tenant=tenant_a):
        follow_up.refresh_from_db()
        assert (follow_up.status, follow_up.outcome) == (FollowUpStatus.DONE, "satisfied")
        logged = TicketEvent.objects.filter(action="follow_up_logged")
        assert logged.count() == 1


def test_it_records_done_by_default_or_a_missed_call(agent_api_a, tenant_a, agent_a):
    with scope(tenant=tenant_a):
        follow_up = schedule(tenant_a, new_ticket(tenant_a), assignee=agent_a)
    body = post_json(agent_api_a, f"{FOLLOW_UPS}{follow_up.pk}/complete/", {}).json()
    assert (body["status"], body["outcome"]) == ("done", "other")
    with scope(tenant=tenant_a):
        other = schedule(tenant_a, new_ticket(tenant_a), assignee=agent_a)
    missed = post_json(agent_api_a, f"{FOLLOW_UPS}{other.pk}/complete/", {"status": "missed"})
    assert missed.json()["status"] == "missed"


@pytest.mark.parametrize(
    "body", [{"status": "pending"}, {"outcome": "delighted"}, {"notes": "x" * 2001}]
)
def test_it_names_the_field_of_a_refused_record(api_a, tenant_a, admin_a, body):
    with scope(tenant=tenant_a):
        follow_up = schedule(tenant_a, new_ticket(tenant_a, actor=admin_a))
    response = post_json(api_a, f"{FOLLOW_UPS}{follow_up.pk}/complete/", body)
    assert response.status_code == 400
    assert list(response.json()) == list(body)
    with scope(tenant=tenant_a):
        follow_up.refresh_from_db()
        assert follow_up.status == FollowUpStatus.PENDING


def test_it_refuses_get_on_the_record_action(api_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        follow_up = schedule(tenant_a, new_ticket(tenant_a, actor=admin_a))
    assert api_a.get(f"{FOLLOW_UPS}{follow_up.pk}/complete/").status_code == 405


# --- roles and tenants ------------------------------------------------------------------------


def test_it_hides_follow_ups_on_tickets_the_agent_may_not_open(tenant_a, agent_a, team_a, billing):
    with scope(tenant=tenant_a):
        ours = schedule(tenant_a, new_ticket(tenant_a, team=team_a))
        theirs = schedule(tenant_a, new_ticket(tenant_a, team=billing))
    client = token_client(agent_a)
    assert ids(client.get(FOLLOW_UPS)) == [ours.pk]
    assert client.get(f"{FOLLOW_UPS}{theirs.pk}/").status_code == 404
    assert post_json(client, f"{FOLLOW_UPS}{theirs.pk}/complete/", {}).status_code == 404
    assert post_json(client, f"{FOLLOW_UPS}{ours.pk}/complete/", {}).status_code == 200


def test_a_team_lead_sees_every_teams_follow_ups(tenant_a, team_a, billing):
    lead = MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="lead@acme.test"), role=Role.TEAM_LEAD
    )
    with scope(tenant=tenant_a):
        rows = [schedule(tenant_a, new_ticket(tenant_a, team=team)) for team in (team_a, billing)]
    assert sorted(ids(token_client(lead).get(FOLLOW_UPS))) == sorted(r.pk for r in rows)


@pytest.mark.parametrize("as_token", [True, False])
def test_it_answers_404_to_an_outsider_on_every_survey_route(
    tenant_a, admin_a, outsider, answered, as_token
):
    response = answered(overall=1)
    with scope(tenant=tenant_a):
        follow_up = FollowUp.objects.filter(response=response).first()
    client = token_client(outsider, HOST_A) if as_token else client_for(outsider)
    for url in (
        RESPONSES,
        f"{RESPONSES}{response.pk}/",
        FOLLOW_UPS,
        f"{FOLLOW_UPS}{follow_up.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert post_json(client, f"{FOLLOW_UPS}{follow_up.pk}/complete/", {}).status_code == 404
    body = {"ticket": response.ticket.number, "due_at": in_days(1)}
    assert post_json(client, FOLLOW_UPS, body).status_code == 404
    with scope(tenant=tenant_a):
        follow_up.refresh_from_db()
        assert follow_up.status == FollowUpStatus.PENDING


def test_it_does_not_find_tenant_as_rows_from_the_outsiders_own_host(outsider, answered):
    response = answered(overall=1)
    with scope(tenant=response.tenant):
        follow_up = FollowUp.objects.filter(response=response).first()
    client = token_client(outsider, HOST_B)
    assert client.get(RESPONSES).json()["results"] == []
    assert client.get(FOLLOW_UPS).json()["results"] == []
    assert client.get(f"{RESPONSES}{response.pk}/").status_code == 404
    assert client.get(f"{FOLLOW_UPS}{follow_up.pk}/").status_code == 404
    assert post_json(client, f"{FOLLOW_UPS}{follow_up.pk}/complete/", {}).status_code == 404
