"""Dispatch: the proposal of the best technician, the working-calendar warning, the board and
assignment by picking (with the warning and its override, and the double-booking refusal)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django_scopes import scope

from fieldservice import dispatch, services
from fieldservice.models import TechnicianProfile, WorkOrder
from fieldservice.models import WorkOrderStatus as S
from helpdesk.models import Role, Skill
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from tests.fieldservice.dispatch_helpers import (
    HOLIDAY,
    SHANGHAI,
    TUESDAY,
    at,
    make_technician,
    office_calendar,
)
from tests.fieldservice.helpers import make_work_order

pytestmark = pytest.mark.django_db


def visit_needing(tenant, actor, *, skills=(), region=""):
    """An unscheduled visit with required skills and a region. Precondition: in scope."""
    visit = make_work_order(
        tenant,
        actor,
        required_skills=[Skill.objects.get_or_create(tenant=tenant, name=n)[0] for n in skills],
    )
    WorkOrder.objects.filter(pk=visit.pk).update(region=region)
    visit.refresh_from_db()
    return visit


def book(tenant, technician, start, end):
    visit = make_work_order(tenant)
    return services.work_order_schedule(
        work_order=visit, actor=None, technician=technician, start=start, end=end
    )


def ranked_emails(proposals):
    return [p.technician.user.email for p in proposals]


# --- the proposal ---------------------------------------------------------------------------------


def test_it_ranks_technicians_missing_a_required_skill_last_and_says_which(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        make_technician(tenant_a, "aircon@acme.test", skills=["空调", "电路"])
        make_technician(tenant_a, "fridge@acme.test", skills=["冰箱"])
        visit = visit_needing(tenant_a, admin_a, skills=["空调"])
        proposals = dispatch.propose_technicians(visit, at(10), at(12), zone=SHANGHAI)
    assert ranked_emails(proposals) == ["aircon@acme.test", "fridge@acme.test"]
    assert proposals[0].is_suitable and not proposals[1].is_suitable
    assert "Has every required skill" in proposals[0].reasons
    assert "Lacks: 空调" in proposals[1].reasons


def test_it_prefers_a_technician_who_covers_the_visits_region(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        make_technician(tenant_a, "a-west@acme.test", regions="Haidian")
        make_technician(tenant_a, "b-east@acme.test", regions="Chaoyang\nDongcheng")
        visit = visit_needing(tenant_a, admin_a, region="chaoyang")
        proposals = dispatch.propose_technicians(visit, at(10), at(12), zone=SHANGHAI)
    assert ranked_emails(proposals) == ["b-east@acme.test", "a-west@acme.test"]
    assert "Covers chaoyang" in proposals[0].reasons
    assert "Does not cover chaoyang" in proposals[1].reasons


def test_it_ranks_a_technician_booked_in_the_window_after_a_free_one(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        busy = make_technician(tenant_a, "a-busy@acme.test")
        make_technician(tenant_a, "b-free@acme.test")
        book(tenant_a, busy, at(11), at(13))
        visit = visit_needing(tenant_a, admin_a)
        proposals = dispatch.propose_technicians(visit, at(10), at(12), zone=SHANGHAI)
    assert ranked_emails(proposals) == ["b-free@acme.test", "a-busy@acme.test"]
    assert "Free in this window" in proposals[0].reasons
    assert "Booked in this window" in proposals[1].reasons
    assert not proposals[1].is_suitable


def test_it_prefers_a_technician_working_in_the_window(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        calendar = office_calendar(tenant_a)
        make_technician(tenant_a, "a-office@acme.test", calendar=calendar)
        make_technician(tenant_a, "b-anytime@acme.test")
        visit = visit_needing(tenant_a, admin_a)
        evening = dispatch.propose_technicians(visit, at(19), at(21), zone=SHANGHAI)
        morning = dispatch.propose_technicians(visit, at(9), at(11), zone=SHANGHAI)
    assert ranked_emails(evening) == ["b-anytime@acme.test", "a-office@acme.test"]
    assert "Outside their working calendar" in evening[1].reasons
    assert ranked_emails(morning) == ["a-office@acme.test", "b-anytime@acme.test"]


def test_it_prefers_the_technician_with_fewer_hours_booked_that_day(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        loaded = make_technician(tenant_a, "a-loaded@acme.test")
        light = make_technician(tenant_a, "b-light@acme.test")
        book(tenant_a, loaded, at(8), at(11))
        book(tenant_a, light, at(8), at(9))
        book(tenant_a, light, at(12, day=TUESDAY + timedelta(days=1)), at(18, day=HOLIDAY))
        visit = visit_needing(tenant_a, admin_a)
        proposals = dispatch.propose_technicians(visit, at(14), at(16), zone=SHANGHAI)
    assert ranked_emails(proposals) == ["b-light@acme.test", "a-loaded@acme.test"]
    assert "1 h booked that day" in proposals[0].reasons
    assert "3 h booked that day" in proposals[1].reasons


def test_the_ranking_is_a_pure_function_of_the_facts():
    def candidate(name, **facts):
        profile = TechnicianProfile(
            membership=MembershipFactory.build(
                user=UserFactory.build(email=f"{name}@acme.test", full_name=name)
            )
        )
        values = {
            "missing_skills": (),
            "covers_region": True,
            "is_free": True,
            "inside_calendar": True,
            "booked_minutes": 0,
        }
        return dispatch.Candidate(profile=profile, **{**values, **facts})

    candidates = [
        candidate("e", missing_skills=("gas",)),
        candidate("d", is_free=False),
        candidate("c", covers_region=False),
        candidate("b", inside_calendar=False),
        candidate("a2", booked_minutes=120),
        candidate("a1", booked_minutes=30),
    ]
    ranked = dispatch.rank_candidates(candidates, region="Chaoyang")
    assert [str(p.technician.user) for p in ranked] == ["a1", "a2", "b", "c", "d", "e"]
    assert [p.is_suitable for p in ranked] == [True, True, True, True, False, False]


# --- the working-calendar warning -----------------------------------------------------------------


def test_it_warns_only_for_a_window_outside_the_working_calendar(tenant_a):
    with scope(tenant=tenant_a):
        calendar = office_calendar(tenant_a)
        member = make_technician(tenant_a, "tech@acme.test", calendar=calendar)
        profile = TechnicianProfile.objects.get(membership=member)
        inside = dispatch.calendar_warning(profile, at(9), at(18))
        late = dispatch.calendar_warning(profile, at(17), at(19))
        holiday = dispatch.calendar_warning(profile, at(10, day=HOLIDAY), at(12, day=HOLIDAY))
    assert inside == ""
    assert "outside the technician's working calendar" in late
    assert "Field office hours" in holiday


def test_a_technician_without_a_calendar_is_always_available(tenant_a):
    with scope(tenant=tenant_a):
        member = make_technician(tenant_a, "tech@acme.test")
        profile = TechnicianProfile.objects.get(membership=member)
        assert dispatch.calendar_warning(profile, at(2), at(4, day=HOLIDAY)) == ""


# --- the board ------------------------------------------------------------------------------------


@pytest.fixture
def coordinator_client(admin_a):
    return client_for(admin_a)


def board_url(day=TUESDAY):
    return f"{reverse('fieldservice_dispatch')}?date={day.isoformat()}"


def assign_data(visit, technician, start="10:00", end="12:00", day=TUESDAY, **extra):
    prefix = f"visit-{visit.pk}"
    data = {
        f"{prefix}-technician": technician.pk,
        f"{prefix}-day": day.isoformat(),
        f"{prefix}-start": start,
        f"{prefix}-end": end,
    }
    return data | {f"{prefix}-{name}": value for name, value in extra.items()}


def assign(client, visit, technician, **values):
    url = reverse("fieldservice_dispatch_assign", kwargs={"pk": visit.pk})
    return client.post(url, assign_data(visit, technician, **values))


def test_the_board_groups_waiting_visits_and_shows_each_technicians_day_with_gaps(
    tenant_a, admin_a, coordinator_client, django_assert_max_num_queries
):
    with scope(tenant=tenant_a):
        calendar = office_calendar(tenant_a)
        tech = make_technician(tenant_a, "wang@acme.test", calendar=calendar)
        book(tenant_a, tech, at(9), at(10))
        book(tenant_a, tech, at(10, 45), at(12))
        for region in ("Chaoyang", "Haidian", "Haidian"):
            visit_needing(tenant_a, admin_a, region=region)
    with django_assert_max_num_queries(25):
        response = coordinator_client.get(board_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="dispatch-visit"') == 3
    assert page.index("Chaoyang ·") < page.index("Haidian ·")
    assert "45 minutes to travel" in page
    assert "09:00–18:00" in page
    assert f'data-technician="{tech.pk}"' in page


def test_the_board_shows_a_holiday_as_a_day_off(tenant_a, coordinator_client):
    with scope(tenant=tenant_a):
        make_technician(tenant_a, "wang@acme.test", calendar=office_calendar(tenant_a))
    page = coordinator_client.get(board_url(HOLIDAY)).content.decode()
    assert "day off" in page


def test_assigning_schedules_the_visit_through_the_service(tenant_a, admin_a, coordinator_client):
    with scope(tenant=tenant_a):
        tech = make_technician(tenant_a, "wang@acme.test", calendar=office_calendar(tenant_a))
        visit = visit_needing(tenant_a, admin_a)
    response = assign(coordinator_client, visit, tech)
    assert response.status_code == 302
    assert response["Location"] == board_url()
    with scope(tenant=tenant_a):
        visit.refresh_from_db()
        [event] = visit.events.filter(action="scheduled")
    assert (visit.status, visit.technician, visit.appointment_start) == (S.SCHEDULED, tech, at(10))
    assert visit.appointment_end == at(12)
    assert event.actor == admin_a


def test_assigning_an_overlapping_window_shows_the_refusal_on_the_form(
    tenant_a, admin_a, coordinator_client
):
    with scope(tenant=tenant_a):
        tech = make_technician(tenant_a, "wang@acme.test")
        book(tenant_a, tech, at(11), at(13))
        visit = visit_needing(tenant_a, admin_a)
    response = assign(coordinator_client, visit, tech)
    assert response.status_code == 400
    assert "This technician has another visit in this window." in response.content.decode()
    with scope(tenant=tenant_a):
        visit.refresh_from_db()
    assert visit.status == S.UNSCHEDULED


def test_assigning_outside_the_calendar_warns_first_then_books_when_confirmed(
    tenant_a, admin_a, coordinator_client
):
    with scope(tenant=tenant_a):
        tech = make_technician(tenant_a, "wang@acme.test", calendar=office_calendar(tenant_a))
        visit = visit_needing(tenant_a, admin_a)
    warned = assign(coordinator_client, visit, tech, start="18:00", end="20:00")
    with scope(tenant=tenant_a):
        visit.refresh_from_db()
    assert warned.status_code == 200
    assert "outside the technician&#x27;s working calendar" in warned.content.decode()
    assert "schedule_anyway" in warned.content.decode()
    assert visit.status == S.UNSCHEDULED
    booked = assign(
        coordinator_client, visit, tech, start="18:00", end="20:00", schedule_anyway="on"
    )
    with scope(tenant=tenant_a):
        visit.refresh_from_db()
    assert booked.status_code == 302
    assert (visit.status, visit.appointment_start) == (S.SCHEDULED, at(18))


def test_a_window_ending_before_it_starts_is_a_form_error(tenant_a, admin_a, coordinator_client):
    with scope(tenant=tenant_a):
        tech = make_technician(tenant_a, "wang@acme.test")
        visit = visit_needing(tenant_a, admin_a)
    response = assign(coordinator_client, visit, tech, start="12:00", end="10:00")
    assert response.status_code == 400
    assert "The window must end after it starts." in response.content.decode()


def test_the_proposals_list_the_best_technicians_with_reasons(
    tenant_a, admin_a, coordinator_client
):
    with scope(tenant=tenant_a):
        make_technician(tenant_a, "a-fridge@acme.test", skills=["冰箱"])
        best = make_technician(tenant_a, "b-aircon@acme.test", skills=["空调"])
        visit = visit_needing(tenant_a, admin_a, skills=["空调"])
    url = reverse("fieldservice_dispatch_proposals", kwargs={"pk": visit.pk})
    prefix = f"visit-{visit.pk}"
    query = {f"{prefix}-day": "2026-12-08", f"{prefix}-start": "10:00", f"{prefix}-end": "12:00"}
    page = coordinator_client.get(url, query).content.decode()
    fragment = coordinator_client.get(url, query, HTTP_HX_REQUEST="true").content.decode()
    assert page.index("b-aircon") < page.index("a-fridge")
    assert f'<option value="{best.pk}" selected>★ b-aircon (proposed)</option>' in page
    assert "Lacks: 空调" in fragment
    assert "<html" not in fragment


def test_the_board_speaks_chinese(tenant_a, admin_a, coordinator_client):
    with scope(tenant=tenant_a):
        make_technician(tenant_a, "wang@acme.test")
        visit_needing(tenant_a, admin_a, region="朝阳")
    coordinator_client.cookies["django_language"] = "zh-hans"
    page = coordinator_client.get(board_url()).content.decode()
    assert "派工看板" in page
    assert "分配" in page


# --- who may dispatch -----------------------------------------------------------------------------


def test_an_agent_who_is_not_a_coordinator_gets_404(tenant_a, admin_a, agent_client_a):
    with scope(tenant=tenant_a):
        visit = visit_needing(tenant_a, admin_a)
        tech = make_technician(tenant_a, "wang@acme.test")
    assert agent_client_a.get(reverse("fieldservice_dispatch")).status_code == 404
    assert assign(agent_client_a, visit, tech).status_code == 404


def test_a_technician_who_is_not_a_coordinator_cannot_assign_but_a_coordinator_one_can(
    tenant_a, admin_a
):
    with scope(tenant=tenant_a):
        visit = visit_needing(tenant_a, admin_a)
        plain = make_technician(tenant_a, "plain@acme.test")
        lead = make_technician(tenant_a, "lead@acme.test", is_coordinator=True)
    assert assign(client_for(plain), visit, plain).status_code == 404
    assert assign(client_for(lead), visit, plain).status_code == 302


def test_an_outsider_gets_404_on_the_board_the_proposals_and_the_assignment(
    tenant_a, admin_a, outsider_client
):
    with scope(tenant=tenant_a):
        visit = visit_needing(tenant_a, admin_a)
        tech = make_technician(tenant_a, "wang@acme.test")
    proposals = reverse("fieldservice_dispatch_proposals", kwargs={"pk": visit.pk})
    assert outsider_client.get(reverse("fieldservice_dispatch")).status_code == 404
    assert outsider_client.get(proposals).status_code == 404
    assert assign(outsider_client, visit, tech).status_code == 404


def test_a_coordinator_of_another_tenant_cannot_assign_this_tenants_visit(
    tenant_a, tenant_b, admin_a, outsider
):
    with scope(tenant=tenant_a):
        visit = visit_needing(tenant_a, admin_a)
    with scope(tenant=tenant_b):
        their_tech = make_technician(tenant_b, "theirs@globex.test")
    response = assign(client_for(outsider, "globex.localhost"), visit, their_tech)
    assert response.status_code == 404


def test_a_depot_repair_is_not_on_the_board(tenant_a, admin_a, coordinator_client):
    with scope(tenant=tenant_a):
        repair = make_work_order(tenant_a, admin_a, kind="depot_repair")
    url = reverse("fieldservice_dispatch_proposals", kwargs={"pk": repair.pk})
    assert coordinator_client.get(url).status_code == 404
    assert "dispatch-visit" not in coordinator_client.get(board_url()).content.decode()


def test_a_team_lead_sees_the_board_link_in_the_navigation(tenant_a):
    with scope(tenant=tenant_a):
        lead = MembershipFactory(tenant=tenant_a, user=UserFactory(), role=Role.TEAM_LEAD)
    page = client_for(lead).get(reverse("fieldservice_dispatch")).content.decode()
    assert f'href="{reverse("fieldservice_dispatch")}"' in page


def test_the_proposals_without_a_window_propose_for_this_morning(
    tenant_a, admin_a, coordinator_client
):
    with scope(tenant=tenant_a):
        make_technician(tenant_a, "wang@acme.test")
        visit = visit_needing(tenant_a, admin_a)
    url = reverse("fieldservice_dispatch_proposals", kwargs={"pk": visit.pk})
    page = coordinator_client.get(url).content.decode()
    assert 'value="09:00"' in page
    assert "★ wang (proposed)" in page
