"""Journey 4: the agent resolves a portal request; the worker e-mails the customer the survey
link; the customer answers it (in Chinese) with a low score; a follow-up due within 24 h
appears in "My follow-ups" of the lead of the ticket's team (the responsible department)."""

from datetime import UTC, datetime, timedelta

from e2e_helpers import (
    ACME,
    check_accessibility,
    link_in_mail,
    login,
    messages_text,
    nav_link,
    portal_submit,
    screenshot,
    wait_for_mail,
)
from playwright.sync_api import expect

from helpdesk.demo import ACME_TEAMS  # the demo teams and their leads, as seed_demo made them

TEAM_LEADS = {team: lead for team, lead, _members in ACME_TEAMS}
REPAIR = "Repair 维修"


def test_low_survey_score_creates_follow_up_for_team_lead(new_page, unique):
    email = f"e2e-survey-{unique}@example.test"
    subject = f"Dryer does not heat {unique}"
    customer = new_page("en")
    number, _follow_link = portal_submit(customer, subject=subject, email=email, category=REPAIR)

    # The agent answers and resolves.
    agent = new_page("en")
    login(agent, ACME, "agent1@acme.test")
    agent.goto(f"{ACME}/tickets/{number}/")
    team = agent.locator("#id_properties_team option:checked").inner_text().strip()
    assert team in TEAM_LEADS, f"ticket #{number} is in team {team!r}, not a demo team"
    agent.fill("#id_reply_body", f"The heating element was replaced ({unique}).")
    agent.locator("#composer input[name=kind][value=public]").check()
    agent.locator("#composer button.composer-send").click()
    agent.wait_for_load_state()
    assert "Reply sent." in messages_text(agent)
    agent.select_option("#id_properties_status", "resolved")
    agent.get_by_role("button", name="Save properties").click()
    agent.wait_for_load_state()
    expect(agent.locator(".ticket-badges .badge").first).to_contain_text("Resolved")

    # The invitation reaches the customer by e-mail (sent by the Celery worker).
    invitation = wait_for_mail(to=email, contains="/survey/")
    survey_path = link_in_mail(invitation, "/survey/")
    assert f"#{number}" in str(invitation["Subject"]), invitation["Subject"]

    # The customer answers in Chinese: very dissatisfied, and says why.
    survey = new_page("zh-hans")
    survey.goto(f"{ACME}{survey_path}")
    expect(survey.locator("h1")).to_have_text("请评价我们的服务")
    expect(survey.locator("main")).to_contain_text(subject)
    check_accessibility(survey)
    survey.locator("input[name=overall][value='1']").check()
    survey.locator("input[name=nps][value='2']").check()
    survey.fill("#id_comment", f"师傅迟到了两个小时，态度也不好 ({unique})")
    screenshot(survey, "survey-zh-hans", full_page=True)
    survey.get_by_role("button", name="提交答案").click()
    survey.wait_for_load_state()
    expect(survey.locator("h1")).to_have_text("感谢您的作答")
    check_accessibility(survey)
    screenshot(survey, "survey-thanks-zh-hans")

    # The lead of the ticket's team has the call to make, due within 24 hours.
    lead = new_page("en")
    login(lead, ACME, TEAM_LEADS[team])
    nav_link(lead, "My follow-ups").click()
    expect(lead.locator("h1")).to_have_text("My follow-ups")
    rows = lead.locator("table.follow-up-table tbody tr", has_text=f"#{number}")
    call = rows.filter(has_text="Call after a bad survey")
    expect(call).to_have_count(1)
    expect(call).to_contain_text(subject)
    due = datetime.fromisoformat(call.locator("time").get_attribute("datetime"))
    now = datetime.now(UTC)
    assert now < due <= now + timedelta(hours=24, minutes=1), f"call due at {due}, now {now}"
    check_accessibility(lead)
    screenshot(lead, "follow-ups-lead-en", full_page=True)

    # The ticket page tells the same story: the answer and the follow-up.
    call.get_by_role("link", name=f"#{number}").click()
    expect(lead.locator("h1")).to_contain_text(subject)
    answer = lead.locator(".surveys-panel .survey-answer")
    expect(answer).to_contain_text("1/5")
    expect(answer).to_contain_text("Bad survey")
    expect(answer).to_contain_text("师傅迟到了两个小时")
    follow_ups = lead.locator(".surveys-panel .follow-up-list")
    expect(follow_ups).to_contain_text("Call after a bad survey")
