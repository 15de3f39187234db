"""Quality spot checks (质检) and the monthly assessment with its Service Star."""

from decimal import Decimal

from django_scopes import scope

from reports.assessment import AssessmentRow, monthly_assessment, ranked, weighted_score
from reports.kpis import KpiSource
from reports.models import AssessmentSettings, QualityCheck, QualityCriterion
from reports.selectors import month_period
from reports.services import quality_check_create, quality_rubric_for
from tests.conftest import client_for
from tickets.models import TicketEvent

SAMPLE = "/reports/quality/?start=2025-03-03&end=2025-03-10&size=10"


def _scores(tenant, greeting=5, accuracy=4, resolved=5, attitude=3) -> dict:
    # The default rubric: greeting (w 1), record accuracy (w 2), resolved (w 2), attitude (w 1),
    # each scored 0–5.
    criteria = quality_rubric_for(tenant)
    return dict(
        zip([c.pk for c in criteria], [greeting, accuracy, resolved, attitude], strict=True)
    )


def test_it_lets_a_supervisor_sample_score_and_the_agent_see_the_result(
    week, quality_a, agent_client_a, agent_b
):
    supervisor = client_for(quality_a)
    t = week.tickets
    sample = supervisor.get(SAMPLE).context["sample"]
    # Resolved or closed in the period, not checked yet: T1, T2, T3 and T5.
    assert sorted(x.number for x in sample) == sorted(t[k].number for k in ("t1", "t2", "t3", "t5"))

    url = f"/reports/quality/tickets/{t['t1'].number}/"
    assert supervisor.get(url).status_code == 200
    with scope(tenant=week.tenant):
        scores = _scores(week.tenant)
    form = {f"criterion_{pk}": score for pk, score in scores.items()}
    response = supervisor.post(url, {**form, "comment": "Good notes, curt ending."})
    assert response.status_code == 302
    with scope(tenant=week.tenant):
        check = QualityCheck.objects.get()
        # (1·5/5 + 2·4/5 + 2·5/5 + 1·3/5) / 6 = 5.2 / 6 = 86.67 %; record accuracy 4/5 = 80 %.
        assert check.score_percent == Decimal("86.67")
        assert check.record_accuracy_percent == Decimal("80.00")
        assert check.agent == week.agent_a and check.team == week.repair
        assert TicketEvent.objects.filter(ticket=t["t1"], action="quality_check").exists()
    assert t["t1"].number not in [x.number for x in supervisor.get(SAMPLE).context["sample"]]

    own = agent_client_a.get("/reports/quality/")
    assert [c.pk for c, _scores in own.context["checks"]] == [check.pk]
    assert "86.67" in own.content.decode() and "Good notes" in own.content.decode()
    assert client_for(agent_b).get("/reports/quality/").context["checks"] == []


def test_it_refuses_spot_checks_by_agents_and_of_open_tickets(week, quality_a, agent_client_a):
    t = week.tickets
    with scope(tenant=week.tenant):
        form = {f"criterion_{pk}": s for pk, s in _scores(week.tenant).items()}
    closed, still_open = (f"/reports/quality/tickets/{t[k].number}/" for k in ("t1", "t4"))
    assert agent_client_a.post(closed, form).status_code == 404
    supervisor = client_for(quality_a)
    assert supervisor.post(still_open, form).status_code == 400
    too_high = {**form, next(iter(form)): 6}
    assert supervisor.post(closed, too_high).status_code == 400
    with scope(tenant=week.tenant):
        assert not QualityCheck.objects.exists()


def test_it_lets_the_tenant_define_its_rubric(week, quality_a):
    client = client_for(quality_a)
    assert client.get("/reports/quality/rubric/").status_code == 200
    response = client.post(
        "/reports/quality/rubric/",
        {"action": "add", "name": "Product knowledge", "weight": "1.5", "max_score": "10"},
    )
    assert response.status_code == 302
    with scope(tenant=week.tenant):
        added = QualityCriterion.objects.get(name="Product knowledge")
        assert added.max_score == 10 and added.weight == Decimal("1.50")
    client.post("/reports/quality/rubric/", {"action": "retire", "criterion": added.pk})
    with scope(tenant=week.tenant):
        assert added not in quality_rubric_for(week.tenant)


def _march(week) -> KpiSource:
    return KpiSource(tenant=week.tenant, period=month_period(week.tenant, "2025-03"))


def test_it_scores_and_ranks_agents_for_the_month(week, quality_a):
    with scope(tenant=week.tenant):
        quality_check_create(
            ticket=week.tickets["t1"], supervisor=quality_a, scores=_scores(week.tenant)
        )
        AssessmentSettings.objects.create(tenant=week.tenant, star_min_tickets=2)
        result = monthly_assessment(_march(week))
    b, a = result.agents
    # Agent A: satisfaction 66.67 (answers 5, 2, 4); resolution rate 66.67 (created in March:
    # T1, T2 resolved, T7 still new); first response (3,600 + 7,200) / 2 = 5,400 s against
    # 60 min → 100 · 3,600 / 5,400 = 66.67; record accuracy 80 (the spot check of T1).
    # Weights 3/3/2/2: (3·66.67 + 3·66.67 + 2·66.67 + 2·80) / 10 = 693.36 / 10 = 69.34.
    assert (a.name, a.score, a.rank) == (str(week.agent_a.user), Decimal("69.34"), 2)
    assert a.response_time == Decimal("66.67") and a.record_accuracy == Decimal("80.00")
    # Agent B: no answers, no checks → those marks drop out. Resolution rate 50 (T3 of T3, T4);
    # first response 1,800 s within 60 min → 100. (3·50 + 2·100) / 5 = 70 → rank 1.
    assert (b.name, b.score, b.rank, b.satisfaction) == (
        str(week.agent_b.user),
        Decimal("70.00"),
        1,
        None,
    )
    # Service Star: the best-ranked agent with ≥ 2 resolved in March. B resolved only T3, so
    # the star is A (T1, T2, T5).
    assert result.star is not None and result.star.key == week.agent_a.pk
    assert a.is_star and not b.is_star


def test_it_names_no_service_star_below_the_minimum(week):
    with scope(tenant=week.tenant):
        AssessmentSettings.objects.create(tenant=week.tenant, star_min_tickets=4)
        assert monthly_assessment(_march(week)).star is None


def test_it_shares_ranks_between_equal_scores():
    def row(name, score, resolved=0):
        return AssessmentRow(name, name, resolved, None, None, None, None, None, score)

    rows = ranked(
        [
            row("c", Decimal(80)),
            row("a", Decimal(90)),
            row("b", Decimal(80), 5),
            row("d", None),
            row("e", Decimal(70)),
        ]
    )
    assert [(r.name, r.rank) for r in rows] == [
        ("a", 1),
        ("b", 2),  # equal score: more resolved first, same rank
        ("c", 2),
        ("e", 4),
        ("d", None),
    ]


def test_it_leaves_components_without_data_out_of_the_score():
    weights = {"satisfaction": Decimal(3), "resolution_rate": Decimal(1)}
    assert weighted_score({"satisfaction": None, "resolution_rate": Decimal(50)}, weights) == 50
    assert weighted_score({"satisfaction": None, "resolution_rate": None}, weights) is None


def test_it_shows_an_agent_only_their_own_assessment_row(week, agent_client_a, manager_a):
    response = agent_client_a.get("/reports/assessment/?month=2025-03")
    assert [r.key for r in response.context["agents"]] == [week.agent_a.pk]
    assert response.context["teams"] == []
    everyone = client_for(manager_a).get("/reports/assessment/?month=2025-03")
    assert {r.key for r in everyone.context["agents"]} == {week.agent_a.pk, week.agent_b.pk}


def test_it_lets_managers_change_the_weights(week, manager_a, agent_client_a):
    data = {
        "weight_satisfaction": "1",
        "weight_resolution_rate": "1",
        "weight_response_time": "1",
        "weight_record_accuracy": "0",
        "response_target_minutes": "30",
        "star_min_tickets": "1",
    }
    assert agent_client_a.post("/reports/assessment/settings/", data).status_code == 404
    assert client_for(manager_a).post("/reports/assessment/settings/", data).status_code == 302
    with scope(tenant=week.tenant):
        settings = AssessmentSettings.objects.get()
        assert settings.response_target_minutes == 30 and settings.weight_record_accuracy == 0
