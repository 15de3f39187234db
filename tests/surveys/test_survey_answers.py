"""The survey: invited on resolution, answered once through an unguessable link, editable
within the tenant's window, and the closed loop (not solved → reopen, satisfied → close)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope

from surveys.models import FollowUp, SurveyInvitation, SurveyResponse
from surveys.services import SurveyClosed, survey_answer, survey_settings_for
from tests.conftest import HOST_A, HOST_B, client_for
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.surveys.conftest import survey_url, token_of
from tests.tickets.helpers import make_category, make_customer, make_ticket
from tickets import services as ticket_services
from tickets.models import Status, Ticket

GOOD = {"overall": "5", "response_speed": "4", "resolution": "5", "nps": "10", "comment": "Great"}


def answer(ticket, data, host=HOST_A):
    return client_for(None, host).post(survey_url(token_of(ticket)), data)


# --- invitation ---------------------------------------------------------------------------------


def test_it_invites_the_customer_once_when_a_ticket_is_resolved(resolve):
    ticket = resolve()
    invitations = SurveyInvitation.objects.filter(ticket=ticket)
    assert invitations.count() == 1
    invitation = invitations.get()
    assert invitation.customer == ticket.customer
    assert invitation.expires_at == invitation.created_at + timedelta(days=14)
    assert invitation.remind_at == invitation.created_at + timedelta(days=3)
    # The token itself is not stored anywhere: only its hash.
    assert token_of(ticket) not in {invitation.token_hash, invitation.token_nonce}


def test_it_mails_the_link_after_the_commit_in_the_customers_language(
    resolve, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = resolve(language="zh-hans", email="wang@example.test")
    survey_mails = [m for m in mail.outbox if survey_url(token_of(ticket)) in m.body]
    assert len(survey_mails) == 1
    assert survey_mails[0].to == ["wang@example.test"]
    assert f"https://acme.localhost{survey_url(token_of(ticket))}" in survey_mails[0].body
    assert SurveyInvitation.objects.get(ticket=ticket).language == "zh-hans"


def test_it_invites_again_after_a_reopen_and_retires_the_old_link(resolve, agent_a):
    ticket = resolve()
    old_token = token_of(ticket)
    ticket_services.ticket_reopen(ticket=ticket, actor=agent_a)
    ticket_services.ticket_change_status(ticket=ticket, actor=agent_a, status="resolved")
    assert SurveyInvitation.objects.filter(ticket=ticket).count() == 2
    response = client_for(None).get(survey_url(old_token))
    assert response.status_code == 404
    assert client_for(None).get(survey_url(token_of(ticket))).status_code == 200


# --- the public page -------------------------------------------------------------------------


def test_it_shows_keyboard_usable_radio_groups_without_sign_in(resolve):
    ticket = resolve()
    response = client_for(None).get(survey_url(token_of(ticket)))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<fieldset") >= 6  # overall, four dimensions, NPS
    assert "<legend" in html
    assert html.count('type="radio"') == 5 + 4 * 5 + 11
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_uses_the_tenants_labels_in_the_customers_language(resolve, tenant_a):
    config = survey_settings_for(tenant_a)
    config.question_labels = {"overall": {"zh-hans": "您对本次服务满意吗？", "en": "Happy?"}}
    config.save()
    ticket = resolve(language="zh-hans")
    html = client_for(None).get(survey_url(token_of(ticket))).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "您对本次服务满意吗？" in html
    english = client_for(None).get(survey_url(token_of(resolve(language="en"))))
    assert "Happy?" in english.content.decode()


def test_it_records_an_answer_and_closes_the_ticket_when_satisfied(resolve):
    ticket = resolve()
    response = answer(ticket, GOOD)
    assert response.status_code == 200
    saved = SurveyResponse.objects.get(ticket=ticket)
    assert (saved.overall, saved.response_speed, saved.nps, saved.comment) == (5, 4, 10, "Great")
    assert saved.agent == ticket.assignee and saved.team == ticket.team
    assert saved.tier == ticket.customer.tier
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.events.filter(action="survey_answered").count() == 1
    assert not FollowUp.objects.filter(ticket=ticket, kind="bad_survey").exists()


def test_it_leaves_a_lukewarm_answer_resolved(resolve):
    ticket = resolve()
    answer(ticket, {"overall": "3", "nps": "8"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert not FollowUp.objects.filter(ticket=ticket).exists()


def test_it_reopens_the_ticket_and_restarts_the_resolution_target_when_not_solved(
    resolve, tenant_a
):
    ticket = resolve(created_at=timezone.now() - timedelta(days=3))
    before = ticket.sla.resolution_due_at
    assert before < timezone.now()  # the first cycle's target (24 h) is long gone
    response = answer(ticket, {"overall": "4", "not_solved": "on", "comment": "Still leaks"})
    assert response.status_code == 200
    ticket = Ticket.objects.select_related("sla").get(pk=ticket.pk)
    assert ticket.status == Status.OPEN and ticket.reopened_count == 1
    assert ticket.sla.resolution_cycle == 1
    assert ticket.sla.resolution_due_at > timezone.now() > before
    assert ticket.events.filter(action="reopened").count() == 1


def test_it_cannot_be_answered_twice_but_can_be_edited_within_the_window(resolve):
    ticket = resolve()
    answer(ticket, {"overall": "3"})
    response = answer(ticket, {"overall": "1", "nps": "2", "comment": "Changed my mind"})
    assert response.status_code == 200
    assert SurveyResponse.objects.filter(ticket=ticket).count() == 1
    saved = SurveyResponse.objects.get(ticket=ticket)
    assert saved.overall == 1 and saved.edited_at is not None
    assert ticket.events.filter(action="survey_edited").count() == 1
    # The edit made it a bad survey: the follow-up and the improvement deadline open once.
    assert set(FollowUp.objects.filter(ticket=ticket).values_list("kind", flat=True)) == {
        "bad_survey",
        "improvement",
    }


def test_it_refuses_a_change_after_the_edit_window(resolve, tenant_a):
    ticket = resolve()
    answer(ticket, {"overall": "3", "comment": "first"})
    SurveyResponse.objects.filter(ticket=ticket).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    response = answer(ticket, {"overall": "1", "comment": "second"})
    assert response.status_code == 409
    assert SurveyResponse.objects.get(ticket=ticket).comment == "first"
    page = client_for(None).get(survey_url(token_of(ticket)))
    assert page.status_code == 200 and b"<form" not in page.content.split(b"<main")[1]


def test_the_service_refuses_a_second_answer_after_the_window(resolve):
    ticket = resolve()
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    survey_answer(invitation=invitation, overall=3)
    later = timezone.now() + timedelta(hours=25)
    with pytest.raises(SurveyClosed):
        survey_answer(invitation=invitation, overall=5, now=later)
    assert SurveyResponse.objects.get(ticket=ticket).overall == 3


def test_it_rejects_ratings_out_of_range(resolve):
    ticket = resolve()
    response = answer(ticket, {"overall": "6", "nps": "11"})
    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()


# --- links that must give nothing --------------------------------------------------------------


def test_it_shows_the_same_404_page_for_a_forged_or_expired_link(resolve):
    ticket = resolve()
    token = token_of(ticket)
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    for url in (survey_url(forged), survey_url("not-a-token"), survey_url("0" * 64)):
        for method in ("get", "post"):
            response = getattr(client_for(None), method)(url, GOOD)
            assert response.status_code == 404
            assert ticket.subject.encode() not in response.content
            assert b"not valid or has expired" in response.content
    SurveyInvitation.objects.filter(ticket=ticket).update(expires_at=timezone.now())
    expired = client_for(None).post(survey_url(token), GOOD)
    assert expired.status_code == 404 and b"not valid or has expired" in expired.content
    assert not SurveyResponse.objects.exists()


def test_it_gives_nothing_for_a_token_of_another_tenant(resolve, tenant_b):
    ticket = resolve()
    token = token_of(ticket)
    for method in ("get", "post"):
        response = getattr(client_for(None, HOST_B), method)(survey_url(token), GOOD)
        assert response.status_code == 404
        assert ticket.subject.encode() not in response.content
    assert not SurveyResponse.objects.exists()
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_a_globex_invitation_is_not_found_on_the_acme_host(tenant_a, tenant_b):
    with scope(tenant=tenant_b):
        customer = make_customer(tenant_b, email="g@globex.test")
        ticket = make_ticket(tenant_b, customer=customer)
        ticket_services.ticket_change_status(ticket=ticket, actor=None, status="resolved")
        token = token_of(ticket)
        assert client_for(None, HOST_B).get(survey_url(token)).status_code == 200
    assert client_for(None, HOST_A).get(survey_url(token)).status_code == 404


# --- bad surveys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [{"overall": "2"}, {"overall": "5", "nps": "6"}, {"overall": "5", "not_solved": "on"}],
    ids=["overall-2", "nps-6", "not-solved"],
)
def test_a_bad_survey_opens_a_lead_follow_up_and_a_72_hour_improvement_deadline(
    resolve, lead_a, data
):
    ticket = resolve()
    answer(ticket, data)
    response = SurveyResponse.objects.get(ticket=ticket)
    call = FollowUp.objects.get(ticket=ticket, kind="bad_survey")
    improvement = FollowUp.objects.get(ticket=ticket, kind="improvement")
    assert call.assignee == lead_a and improvement.assignee == lead_a
    assert call.due_at == response.created_at + timedelta(hours=24)
    # The improvement deadline is the default trigger's, opened as the answer is recorded.
    opened = improvement.due_at - timedelta(hours=72)
    assert response.created_at <= opened < response.created_at + timedelta(minutes=1)
    assert call.response == response == improvement.response and improvement.status == "pending"
    assert lead_a.notifications.filter(text__startswith="Bad survey").count() == 2


def test_a_bad_survey_without_a_team_lead_goes_to_the_assignee(tenant_a, agent_a):
    team = TeamFactory(tenant=tenant_a, name="Leaderless")
    category = make_category(tenant_a, name="Other", team=team)
    ticket = make_ticket(tenant_a, category=category)
    ticket_services.ticket_assign(ticket=ticket, actor=agent_a, assignee=agent_a)
    ticket_services.ticket_change_status(ticket=ticket, actor=agent_a, status="resolved")
    answer(ticket, {"overall": "1"})
    assert FollowUp.objects.get(ticket=ticket, kind="bad_survey").assignee == agent_a


def test_the_answer_shows_on_the_ticket_page_escaped(resolve, agent_client_a):
    ticket = resolve()
    answer(ticket, {"overall": "2", "comment": "<script>alert(1)</script>"})
    page = agent_client_a.get(f"/tickets/{ticket.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "2/5" in html and "Bad survey" in html


def test_a_closed_ticket_stays_closed_and_the_follow_up_carries_the_complaint(resolve):
    ticket = resolve()
    ticket_services.ticket_change_status(ticket=ticket, actor=None, status="closed")
    answer(ticket, {"overall": "1", "not_solved": "on"})
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert FollowUp.objects.filter(ticket=ticket, kind="bad_survey").exists()


def test_a_member_of_another_team_does_not_see_the_survey_panel(resolve, tenant_a):
    ticket = resolve()
    answer(ticket, GOOD)
    other = MembershipFactory(tenant=tenant_a, user=UserFactory(email="x@acme.test"))
    TeamFactory(tenant=tenant_a, name="Elsewhere").members.add(other)
    assert client_for(other).get(f"/tickets/{ticket.number}/").status_code == 404
