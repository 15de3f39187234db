"""Follow-up calls (回访): created by tier and by hand, logged by agents, and swept like SLA
targets: an overdue one escalates to the team lead exactly once; the 72 h improvement deadline
is tracked until an agent records the message sent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.models import Notification, Role
from surveys.models import FollowUp, SurveyInvitation
from surveys.services import follow_up_log, follow_up_schedule, survey_answer, survey_settings_for
from surveys.sweeper import sweep_due
from tests.conftest import client_for
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tickets.models import TicketEvent

# --- by tier -----------------------------------------------------------------------------------


@pytest.mark.parametrize("tier_code", ["vip", "important"])
def test_it_schedules_a_phone_call_within_24_hours_for_vip_and_important(
    resolve, agent_a, tier_code
):
    ticket = resolve(tier_code=tier_code)
    call = FollowUp.objects.get(ticket=ticket)
    assert (call.kind, call.channel, call.status) == ("tier_call", "phone", "pending")
    assert call.assignee == agent_a  # no account manager: the ticket's assignee
    assert abs(call.due_at - ticket.resolved_at - timedelta(hours=24)) < timedelta(seconds=2)
    assert agent_a.notifications.filter(text__startswith="Follow-up call due").exists()


@pytest.mark.parametrize("tier_code", ["regular", "potential"])
def test_it_schedules_no_call_for_other_tiers(resolve, tier_code):
    assert not FollowUp.objects.filter(ticket=resolve(tier_code=tier_code)).exists()


def test_the_tenant_chooses_which_tiers_get_calls(resolve, tenant_a):
    config = survey_settings_for(tenant_a)
    config.call_tier_codes = ["regular"]
    config.save()
    assert FollowUp.objects.filter(ticket=resolve(tier_code="regular")).count() == 1
    assert not FollowUp.objects.filter(ticket=resolve(tier_code="vip")).exists()


def test_the_account_manager_makes_the_call_when_the_customer_has_one(resolve, tenant_a):
    from customers.models import Customer

    if "account_manager" not in {f.name for f in Customer._meta.get_fields()}:
        pytest.skip("Customer.account_manager is not there yet (customers issue)")
    manager = MembershipFactory(tenant=tenant_a, user=UserFactory(email="am@acme.test"))
    ticket = resolve(tier_code="vip")
    ticket.customer.account_manager = manager
    ticket.customer.save(update_fields=["account_manager"])
    from tickets import services

    # Resolved again (a new cycle): this time the account manager gets the call.
    services.ticket_reopen(ticket=ticket, actor=None)
    services.ticket_change_status(ticket=ticket, actor=None, status="resolved")
    assert FollowUp.objects.get(ticket=ticket, cycle=1).assignee == manager


def test_it_schedules_one_tier_call_per_resolution(resolve):
    from surveys.services import survey_on_ticket_resolved

    ticket = resolve(tier_code="vip")
    survey_on_ticket_resolved(ticket=ticket)  # a repeated hook changes nothing
    assert FollowUp.objects.filter(ticket=ticket).count() == 1
    assert SurveyInvitation.objects.filter(ticket=ticket).count() == 1


# --- by hand, and logging ------------------------------------------------------------------------


def test_an_agent_schedules_a_follow_up_from_the_ticket_page(resolve, agent_a, lead_a):
    ticket = resolve()
    due = timezone.localtime(timezone.now() + timedelta(days=2))
    response = client_for(agent_a).post(
        f"/tickets/{ticket.number}/follow-ups/new/",
        {
            "due_at": due.strftime("%Y-%m-%dT%H:%M"),
            "channel": "on_site",
            "assignee": lead_a.pk,
            "notes": "Bring the spare part",
        },
    )
    assert response.status_code == 302
    follow_up = FollowUp.objects.get(ticket=ticket, kind="manual")
    assert (follow_up.channel, follow_up.assignee, follow_up.created_by) == (
        "on_site",
        lead_a,
        agent_a,
    )
    assert lead_a.notifications.filter(text__contains="scheduled for you").count() == 1
    page = client_for(agent_a).get(f"/tickets/{ticket.number}/")
    assert "Bring the spare part" in page.content.decode()


def test_it_refuses_a_follow_up_in_the_past(resolve, agent_a):
    ticket = resolve()
    past = timezone.localtime(timezone.now() - timedelta(hours=1))
    response = client_for(agent_a).post(
        f"/tickets/{ticket.number}/follow-ups/new/",
        {"due_at": past.strftime("%Y-%m-%dT%H:%M"), "channel": "phone", "notes": "kept"},
    )
    assert response.status_code == 400
    assert "Choose a time in the future." in response.content.decode()
    assert "kept" in response.content.decode()
    assert not FollowUp.objects.filter(ticket=ticket).exists()


def test_the_scheduling_form_comes_on_demand_with_or_without_htmx(resolve, agent_a):
    ticket = resolve()
    url = f"/tickets/{ticket.number}/follow-ups/new/"
    page = client_for(agent_a).get(f"/tickets/{ticket.number}/")
    assert f'hx-get="{url}"' in page.content.decode()
    partial = client_for(agent_a).get(url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and b"<html" not in partial.content
    assert b'name="due_at"' in partial.content
    full = client_for(agent_a).get(url)
    assert full.status_code == 200 and b"<html" in full.content
    assert not FollowUp.objects.filter(ticket=ticket).exists()


def test_it_logs_the_call_outcome_in_one_click(resolve, agent_a):
    ticket = resolve(tier_code="vip")
    call = FollowUp.objects.get(ticket=ticket)
    url = f"/tickets/{ticket.number}/follow-ups/{call.pk}/log/"
    response = client_for(agent_a).post(
        url, {"status": "done", "outcome": "satisfied", "notes": "All good now"}
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.status, call.outcome, call.notes, call.done_by) == (
        "done",
        "satisfied",
        "All good now",
        agent_a,
    )
    assert call.done_at is not None
    # A second click does not overwrite the record.
    client_for(agent_a).post(url, {"status": "missed"})
    call.refresh_from_db()
    assert call.status == "done"
    assert TicketEvent.objects.filter(ticket=ticket, action="follow_up_logged").count() == 1


@pytest.mark.parametrize("status", ["missed", "cancelled"])
def test_a_follow_up_can_be_missed_or_cancelled(resolve, agent_a, status):
    ticket = resolve(tier_code="vip")
    call = FollowUp.objects.get(ticket=ticket)
    follow_up_log(follow_up=call, actor=agent_a, status=status)
    call.refresh_from_db()
    assert call.status == status and call.colour() == "none"


def test_it_does_not_log_on_get(resolve, agent_a):
    ticket = resolve(tier_code="vip")
    call = FollowUp.objects.get(ticket=ticket)
    url = f"/tickets/{ticket.number}/follow-ups/{call.pk}/log/"
    assert client_for(agent_a).get(url, {"status": "done"}).status_code == 405
    call.refresh_from_db()
    assert call.status == "pending"


def test_it_finds_a_follow_up_only_through_a_ticket_the_member_may_open(resolve, tenant_a, agent_a):
    ticket = resolve(tier_code="vip")
    call = FollowUp.objects.get(ticket=ticket)
    stranger = MembershipFactory(tenant=tenant_a, user=UserFactory(email="s@acme.test"))
    TeamFactory(tenant=tenant_a, name="Other").members.add(stranger)
    own_url = f"/tickets/{ticket.number}/follow-ups/{call.pk}/log/"
    assert client_for(stranger).post(own_url, {"status": "done"}).status_code == 404
    # Through another ticket the agent may open, the follow-up is not found either.
    other_ticket = resolve()
    other_url = f"/tickets/{other_ticket.number}/follow-ups/{call.pk}/log/"
    assert client_for(agent_a).post(other_url, {"status": "done"}).status_code == 404
    call.refresh_from_db()
    assert call.status == "pending"


# --- colours and the board ----------------------------------------------------------------------


def test_it_colours_follow_ups_like_sla_targets(resolve):
    call = FollowUp.objects.get(ticket=resolve(tier_code="vip"))
    start = call.created_at
    assert call.colour(start + timedelta(hours=1)) == "green"
    assert call.colour(start + timedelta(hours=19)) == "amber"
    assert call.colour(start + timedelta(hours=25)) == "red"


def test_my_follow_ups_splits_overdue_today_and_upcoming(resolve, agent_a, tenant_a):
    ticket = resolve()
    now = timezone.now()
    rows = {}
    for name, due in (("overdue", now - timedelta(hours=1)), ("later", now + timedelta(days=3))):
        rows[name] = FollowUp.objects.create(
            tenant=tenant_a,
            ticket=ticket,
            customer=ticket.customer,
            kind="manual",
            assignee=agent_a,
            due_at=due,
            notes=f"<b>{name}</b>",
        )
    response = client_for(agent_a).get("/follow-ups/")
    assert response.status_code == 200
    board = response.context["board"]
    assert board.overdue == [rows["overdue"]]
    assert board.upcoming == [rows["later"]]
    html = response.content.decode()
    assert "&lt;b&gt;overdue&lt;/b&gt;" in html and "<b>overdue</b>" not in html
    assert "sla-red" in html and "My follow-ups" in html


def test_my_follow_ups_runs_a_constant_number_of_queries(
    resolve, agent_a, tenant_a, django_assert_max_num_queries
):
    for _ in range(5):
        resolve(tier_code="vip")
    client = client_for(agent_a)
    client.get("/follow-ups/")
    with django_assert_max_num_queries(12):
        assert client.get("/follow-ups/").status_code == 200


# --- the sweep: escalation exactly once ------------------------------------------------------


def on_the_board(member) -> list:
    board = client_for(member).get("/follow-ups/").context["board"]
    return board.overdue + board.due_today + board.upcoming


def lead_notices(lead):
    return Notification.objects.filter(recipient=lead, text__startswith="Overdue")


def test_an_overdue_follow_up_escalates_to_the_team_lead_exactly_once(resolve, lead_a):
    ticket = resolve(tier_code="vip")
    call = FollowUp.objects.get(ticket=ticket)
    assert sweep_due(now=call.due_at - timedelta(minutes=1))["follow_ups"] == 0
    later = call.due_at + timedelta(minutes=1)
    assert sweep_due(now=later)["follow_ups"] == 1
    assert sweep_due(now=later + timedelta(minutes=1))["follow_ups"] == 0
    call.refresh_from_db()
    assert call.escalated_at == later and call.status == "pending"
    assert lead_notices(lead_a).count() == 1
    assert TicketEvent.objects.filter(ticket=ticket, action="follow_up_escalated").count() == 1


def test_a_done_follow_up_never_escalates(resolve, agent_a, lead_a):
    call = FollowUp.objects.get(ticket=resolve(tier_code="vip"))
    follow_up_log(follow_up=call, actor=agent_a, status="done", outcome="satisfied")
    sweep_due(now=call.due_at + timedelta(days=1))
    assert lead_notices(lead_a).count() == 0


def test_without_a_team_lead_the_managers_hear_of_it(tenant_a, agent_a):
    from tests.tickets.helpers import make_customer, make_ticket
    from tickets import services

    manager = MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="boss@acme.test"), role=Role.MANAGER
    )
    ticket = make_ticket(tenant_a, customer=make_customer(tenant_a, tier_code="vip"))
    services.ticket_change_status(ticket=ticket, actor=agent_a, status="resolved")
    call = FollowUp.objects.get(ticket=ticket)
    sweep_due(now=call.due_at + timedelta(minutes=1))
    assert lead_notices(manager).count() == 1


def test_the_improvement_deadline_is_tracked_until_the_message_is_recorded(
    resolve, lead_a, agent_a
):
    ticket = resolve()
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    answered = survey_answer(invitation=invitation, overall=1, comment="Rude technician")
    improvement = FollowUp.objects.get(ticket=ticket, kind="improvement")
    call = FollowUp.objects.get(ticket=ticket, kind="bad_survey")
    follow_up_log(follow_up=call, actor=lead_a, status="done", outcome="unsatisfied")
    # Still pending at 71 h: nothing; at 73 h: escalated once; still tracked until recorded.
    assert sweep_due(now=answered.created_at + timedelta(hours=71))["follow_ups"] == 0
    assert sweep_due(now=answered.created_at + timedelta(hours=73))["follow_ups"] == 1
    assert sweep_due(now=answered.created_at + timedelta(hours=90))["follow_ups"] == 0
    improvement.refresh_from_db()
    assert improvement.status == "pending" and improvement.escalated_at is not None
    assert improvement in on_the_board(lead_a)
    client_for(agent_a).post(
        f"/tickets/{ticket.number}/follow-ups/{improvement.pk}/log/",
        {"status": "done", "notes": "Sent the new visit schedule"},
    )
    improvement.refresh_from_db()
    assert (improvement.status, improvement.outcome, improvement.done_by) == (
        "done",
        "improvement_sent",
        agent_a,
    )
    assert improvement not in on_the_board(lead_a)


def test_manual_scheduling_refuses_a_member_of_another_tenant(resolve, agent_a, outsider):
    from django.core.exceptions import ValidationError

    ticket = resolve()
    with pytest.raises(ValidationError):
        follow_up_schedule(
            ticket=ticket,
            actor=agent_a,
            assignee=outsider,
            due_at=timezone.now() + timedelta(days=1),
            channel="phone",
        )


def test_the_leads_own_overdue_follow_up_goes_up_to_the_managers(resolve, lead_a, tenant_a):
    manager = MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="boss@acme.test"), role=Role.MANAGER
    )
    ticket = resolve()
    answered = survey_answer(invitation=SurveyInvitation.objects.get(ticket=ticket), overall=1)
    sweep_due(now=answered.created_at + timedelta(hours=25))
    assert lead_notices(manager).count() == 1  # the bad survey's call, assigned to the lead
    assert lead_notices(lead_a).count() == 0
