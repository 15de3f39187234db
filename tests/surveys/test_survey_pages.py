"""The survey settings page (tenant admins only, validated) and the outsider on every new
agent page: 404, never 403, and nothing changes."""

from decimal import Decimal

import pytest

from surveys.models import FollowUp, SurveySettings
from surveys.services import survey_settings_for
from tests.conftest import client_for

SETTINGS_URL = "/settings/surveys/"


def settings_form(**overrides):
    data = {
        "weight_response_speed": "2",
        "weight_resolution": "3",
        "weight_professionalism": "1",
        "weight_product": "0.5",
        "reminder_after_days": "2",
        "edit_window_hours": "48",
        "invitation_expiry_days": "10",
        "call_tier_codes": ["vip"],
        "follow_up_hours": "24",
        "label_overall_zh_hans": "您满意吗？",
        "label_overall_en": "",
    }
    data.update(overrides)
    return data


def test_it_creates_the_settings_lazily_with_the_defaults(tenant_a):
    assert not SurveySettings.objects.exists()
    config = survey_settings_for(tenant_a)
    assert config.call_tier_codes == ["vip", "important"]
    assert (config.reminder_after_days, config.edit_window_hours) == (3, 24)
    assert survey_settings_for(tenant_a).pk == config.pk


def test_a_tenant_admin_edits_the_settings(admin_client_a, tenant_a):
    assert admin_client_a.get(SETTINGS_URL).status_code == 200
    response = admin_client_a.post(SETTINGS_URL, settings_form())
    assert response.status_code == 302
    config = survey_settings_for(tenant_a)
    assert config.weights() == {
        "response_speed": Decimal("2"),
        "resolution": Decimal("3"),
        "professionalism": Decimal("1"),
        "product": Decimal("0.5"),
    }
    assert config.call_tier_codes == ["vip"]
    assert config.question_labels == {"overall": {"zh-hans": "您满意吗？"}}
    assert config.label("overall", "zh-hans") == "您满意吗？"
    assert config.label("overall", "en").startswith("Overall")


@pytest.mark.parametrize(
    "overrides",
    [
        {
            "weight_response_speed": "0",
            "weight_resolution": "0",
            "weight_professionalism": "0",
            "weight_product": "0",
        },
        {"weight_product": "-1"},
        {"reminder_after_days": "10"},  # not before the link expires
        {"invitation_expiry_days": "0"},
        {"call_tier_codes": ["nonsense"]},
        {"follow_up_hours": "0"},
    ],
)
def test_it_rejects_invalid_settings(admin_client_a, tenant_a, overrides):
    before = survey_settings_for(tenant_a).weights()
    response = admin_client_a.post(SETTINGS_URL, settings_form(**overrides))
    assert response.status_code == 400
    assert survey_settings_for(tenant_a).weights() == before


def test_an_agent_does_not_see_the_settings(agent_client_a):
    assert agent_client_a.get(SETTINGS_URL).status_code == 404
    assert agent_client_a.post(SETTINGS_URL, settings_form()).status_code == 404


def test_the_outsider_gets_404_on_every_new_agent_page(resolve, outsider_client, tenant_a):
    ticket = resolve(tier_code="vip")
    call = FollowUp.objects.get(ticket=ticket)
    urls = (
        "/follow-ups/",
        SETTINGS_URL,
        f"/tickets/{ticket.number}/follow-ups/new/",
        f"/tickets/{ticket.number}/follow-ups/{call.pk}/log/",
    )
    for url in urls:
        for method in ("get", "post"):
            response = getattr(outsider_client, method)(url, {"status": "done"})
            assert response.status_code == 404, (url, method)
    call.refresh_from_db()
    assert call.status == "pending"
    assert FollowUp.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_sign_in(resolve):
    assert client_for(None).get("/follow-ups/").status_code == 302


def test_the_navigation_links_my_follow_ups(agent_client_a):
    assert b'href="/follow-ups/"' in agent_client_a.get("/follow-ups/").content
