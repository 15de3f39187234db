"""Every KPI on the hand-built week of tests/reports/conftest.py, worked out by hand."""

from decimal import Decimal

import pytest
from django_scopes import scope

from reports import kpis
from reports.kpis import kpis_as_dict, pearson
from reports.models import DailyRollup, TicketFigures
from reports.rollup import rollup_refresh

from .conftest import NOW


@pytest.fixture
def source(week):
    with scope(tenant=week.tenant):
        yield week.source()


def test_it_counts_tickets_created_and_resolved_in_the_period(source):
    # Created Mon–Sun: T1, T2, T3, T4, T6 = 5 (T5 before, T7 after).
    assert kpis.tickets_created(source) == 5
    # Resolved in the period: T1 (Mon), T2 (Tue), T5 (Tue), T3 (Wed) = 4.
    assert kpis.tickets_resolved(source) == 4


def test_it_counts_the_backlog_at_the_end_of_the_period(source):
    # Created before Mon 03-10 00:00 and not resolved by then: T4 (open), T6 (new) = 2.
    assert kpis.backlog(source) == 2


def test_it_counts_the_live_backlog_when_the_period_runs_to_now(week, source):
    from dataclasses import replace

    live = replace(source, now=source.period.start_at)
    # Status active now: T4, T6 and T7 (created after the period, still new) = 3.
    assert kpis.backlog(live) == 3


def test_it_measures_first_response_in_the_sla_calendar(source):
    # T1: Mon 09:00 → 10:00 = 3,600 s. T2: Mon 17:00 → Tue 10:00 in office hours
    # (09–18) = 17–18 + 09–10 = 7,200 s. T3 (no policy, round the clock): 10:00 → 10:30
    # = 1,800 s. T4 and T6 unanswered. Mean = (3,600 + 7,200 + 1,800) / 3 = 4,200.
    assert kpis.first_response_average(source) == 4200.0
    # Median of [1,800, 3,600, 7,200] = 3,600.
    assert kpis.first_response_median(source) == 3600.0


def test_it_measures_resolution_with_pauses_cut_out(source):
    # T1: 09:00 → 17:00 = 28,800 s. T2: Mon 17–18 + Tue 09–12 = 14,400 s.
    # T3: 10:00 → 14:00 minus the 11–13 pause = 7,200 s. T5 (round the clock): Fri 02-28
    # 10:00 → Tue 03-04 10:00 = 4 days = 345,600 s. Mean = 396,000 / 4 = 99,000.
    assert kpis.resolution_average(source) == 99000.0
    # Median of [7,200, 14,400, 28,800, 345,600] = (14,400 + 28,800) / 2 = 21,600.
    assert kpis.resolution_median(source) == 21600.0


def test_it_computes_sla_compliance_from_breach_escalations(source):
    # First response, created in the period under a policy and decided: T1 met; T2 answered
    # but breached; T4 unanswered and breached → 1 / 3 = 33.33 %.
    assert kpis.first_response_sla_compliance(source) == Decimal("33.33")
    # Resolution, resolved in the period under a policy: T1 and T2, no resolution breach
    # (T3 and T5 have no policy) → 2 / 2 = 100 %.
    assert kpis.resolution_sla_compliance(source) == Decimal("100.00")


def test_it_counts_first_contact_resolution(source):
    # Resolved in the period: T1 (one public agent reply; the internal note and the
    # customer's message do not count) yes; T2 (two replies) no; T3 (reopened) no; T5 yes.
    # 2 / 4 = 50 %.
    assert kpis.first_contact_resolution(source) == Decimal("50.00")


def test_it_computes_resolution_reopen_and_complaint_rates(source):
    # Resolution rate: of the 5 created, T1, T2, T3 are resolved → 60 % (target 95 %).
    assert kpis.resolution_rate(source) == Decimal("60.00")
    # Reopen rate: of the 4 resolved, T3 was reopened → 25 %.
    assert kpis.reopen_rate(source) == Decimal("25.00")
    # Complaints: T2 and T3 of 5 created → 40 %.
    assert kpis.complaint_rate(source) == Decimal("40.00")
    # Repeat complaints: T3's customer C1 complained (T2) two days before → 1 / 2 = 50 %.
    assert kpis.repeat_complaint_rate(source) == Decimal("50.00")


def test_it_takes_satisfaction_csi_and_nps_from_the_survey_metrics(source):
    # Answers in the period: overall 5, 2, 4 → 2 of 3 satisfied (≥ 4) = 66.67 %.
    assert kpis.satisfaction_rate(source) == Decimal("66.67")
    # NPS 10 (promoter), 3 (detractor), 8 (passive) → 33.33 - 33.33 = 0.
    assert kpis.nps(source) == Decimal("0.00")
    # CSI, weights 1: response speed (4 + 2 + 4) / 3 = 3.333…, resolution 5 (one answer);
    # the others unrated → (3.333… + 5) / 2 = 4.17.
    assert kpis.csi(source) == Decimal("4.17")


def test_it_correlates_first_response_time_with_satisfaction(source):
    # Pairs (first response s, overall): T1 (3,600, 5), T2 (7,200, 2), T5 (3,600, 4).
    # x̄ = 4,800, ȳ = 11/3; Σdx·dy = -1,200·4/3 + 2,400·(-5/3) + (-1,200)·1/3 = -6,000;
    # Σdx² = 8,640,000; Σdy² = 14/3 → r = -6,000 / √(8,640,000 · 14/3) = -0.9449.
    assert kpis.response_satisfaction_correlation(source) == -0.9449


def test_it_has_no_correlation_with_too_few_pairs_or_no_variance():
    assert pearson([(1.0, 2.0), (2.0, 3.0)]) is None
    assert pearson([(1.0, 4.0), (2.0, 4.0), (3.0, 4.0)]) is None
    assert pearson([(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)]) == 1.0


def test_it_counts_escalations_by_reason(source):
    # In the period: two first-response breaches (T2, T4), one warning (T4), and one rule
    # escalation of T3 with two reasons, counted once under each.
    counted = {row["reason"]: row["count"] for row in kpis.escalations_by_reason(source)}
    assert counted == {
        "Breach (red)": 2,
        "Warning (amber)": 1,
        "repeat complaint within 30 days": 1,
        "angry wording": 1,
    }


def test_it_counts_follow_ups_done_on_time(source):
    # Due in the period, not cancelled: done early (on time), done a day late, still pending
    # → 1 / 3 = 33.33 %. The cancelled one and the one due after the period are left out.
    assert kpis.follow_ups_on_time(source) == Decimal("33.33")


def test_it_reads_knowledge_base_figures_from_the_knowledge_selectors(week, source):
    # Deflections on 03-04 and 03-08 (the 03-11 one is after the period) = 2.
    assert kpis.kb_deflections(source) == 2
    # Tickets created in the period with an article used: T1 of 5 = 20 %.
    assert kpis.kb_usage_rate(source) == Decimal("20.00")
    # Deflections belong to no team or agent: None under a filter.
    with scope(tenant=week.tenant):
        assert kpis.kb_deflections(week.source(agent=week.agent_a.pk)) is None


def test_it_narrows_every_figure_by_agent_team_category_tier_and_channel(week):
    t = week.tickets
    with scope(tenant=week.tenant):
        agent_a = week.source(agent=week.agent_a.pk)
        # Agent A: created T1, T2; first response (3,600 + 7,200) / 2; resolved T1, T2, T5.
        assert kpis.tickets_created(agent_a) == 2
        assert kpis.first_response_average(agent_a) == 5400.0
        assert kpis.tickets_resolved(agent_a) == 3
        # Billing: created T3, T4; one complaint of two.
        billing = week.source(teams=(week.billing.pk,))
        assert kpis.tickets_created(billing) == 2
        assert kpis.complaint_rate(billing) == Decimal("50.00")
        assert kpis.satisfaction_rate(billing) is None  # no answers: None, not 0
        # Category Repair: T1, T4 created; VIP tier: T1; channel phone: T2.
        assert kpis.tickets_created(week.source(category=t["t1"].category_id)) == 2
        assert kpis.tickets_created(week.source(tier=week.vip.pk)) == 1
        assert kpis.tickets_created(week.source(channel="phone")) == 1
        assert kpis.backlog(week.source(channel="chat")) == 1  # T6


def test_it_returns_a_json_serialisable_dict_with_the_previous_period(source):
    import json

    data = kpis_as_dict(source)
    json.dumps(data)
    assert data["period"] == {"start": "2025-03-03", "end": "2025-03-10"}
    assert data["kpis"]["tickets_created"] == {
        "value": 5,
        "previous": 1,  # the week before, 02-24 … 03-02: T5 (Fri 02-28)
        "unit": "count",
        "target": None,
    }
    assert data["kpis"]["resolution_rate"]["target"] == 95.0
    assert data["kpis"]["satisfaction_rate"]["value"] == 66.67


def test_it_recomputes_only_changed_tickets_and_their_days(week):
    t4 = week.tickets["t4"]
    with scope(tenant=week.tenant):
        t4.status, t4.resolved_at, t4.updated_at = "resolved", NOW, NOW
        t4.save(update_fields=["status", "resolved_at", "updated_at"])
        result = rollup_refresh(tenant=week.tenant, now=NOW)
        assert result.tickets == 1  # only T4 changed since the last run
        assert kpis.resolution_rate(week.source()) == Decimal("80.00")  # 4 of 5 now
        again = rollup_refresh(tenant=week.tenant, now=NOW)
        assert again.tickets == 1  # inside the overlap window: harmless, same figures
        assert TicketFigures.objects.count() == 7
        rows_before = DailyRollup.objects.count()
        rollup_refresh(tenant=week.tenant, now=NOW, full=True)
        assert DailyRollup.objects.count() == rows_before
        assert kpis.resolution_rate(week.source()) == Decimal("80.00")
