"""Journey 3: under a seconds-long drill policy a ticket turns amber, then red, on the agent's
queue without a reload (the queue re-renders itself every HELPDESK_QUEUE_POLL_SECONDS, set to
2 by ``make e2e``; beat sweeps the SLA every second), and the team lead is notified.

The drill policy is created by the tenant admin through the SLA settings pages. It applies
only to the "Warranty" category, which no open demo ticket uses, so the other journeys keep
the ordinary policies. First response 0.25 min (15 s) with amber at 50 %: amber after 7.5 s,
red after 15 s, which leaves the two-second poll a wide amber window.
"""

import re

from e2e_helpers import (
    ACME,
    check_accessibility,
    create_ticket,
    login,
    messages_text,
    screenshot,
)
from playwright.sync_api import expect

WARRANTY = "Warranty 保修"
COLOUR_TIMEOUT_MS = 40_000


def create_drill_policy(page, name: str) -> None:
    page.goto(f"{ACME}/settings/sla/")
    check_accessibility(page)
    page.get_by_role("link", name="New policy").click()
    expect(page.locator("h1")).to_have_text("New policy")
    page.fill("#id_name", name)
    page.fill("#id_position", "1")
    page.locator("#id_categories").get_by_label(WARRANTY).check()
    page.select_option("#id_calendar", label="24×7")
    page.fill("#id_first_response_minutes", "0.25")
    page.fill("#id_amber_percent", "50")
    check_accessibility(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/settings/sla/$"))
    assert "Policy saved" in messages_text(page)
    expect(page.locator("main table").first).to_contain_text(name)


def test_ticket_turns_amber_then_red_without_reload_and_lead_is_notified(new_page, unique):
    admin = new_page("en")
    login(admin, ACME, "admin@acme.test")
    create_drill_policy(admin, f"E2E drill {unique}")
    screenshot(admin, "sla-policies-en")

    agent = new_page("en")
    login(agent, ACME, "agent1@acme.test")
    subject = f"Compressor under warranty {unique}"
    number = create_ticket(
        agent, subject=subject, email=f"e2e-sla-{unique}@example.test", category=WARRANTY
    )
    expect(agent.locator(".sla-times")).to_contain_text(f"E2E drill {unique}")

    # The Repair team's board, narrowed to this ticket; from here on the page is not reloaded.
    agent.goto(f"{ACME}/tickets/?queue=team&q={unique}")
    row = agent.locator("#ticket-results tbody tr", has_text=subject)
    expect(row).to_have_count(1)
    badge = row.locator(".sla-badge")
    expect(badge).to_have_class(re.compile(r"\bsla-(green|amber)\b"))
    agent.evaluate("() => { window.e2eNotReloaded = true; }")

    expect(badge).to_have_class(re.compile(r"\bsla-amber\b"), timeout=COLOUR_TIMEOUT_MS)
    expect(badge).to_contain_text("At risk")
    screenshot(agent, "queue-sla-amber-en")
    expect(badge).to_have_class(re.compile(r"\bsla-red\b"), timeout=COLOUR_TIMEOUT_MS)
    expect(badge).to_contain_text("Breached")
    assert agent.evaluate("() => window.e2eNotReloaded === true"), "the queue page was reloaded"
    check_accessibility(agent)
    screenshot(agent, "queue-sla-red-en")

    # The Repair team's lead: the unread badge in the header, then the notification itself
    # (in the lead's language, the tenant's default Chinese, unless they chose one).
    lead = new_page("en")
    login(lead, ACME, "lead.repair@acme.test")
    expect(lead.locator("nav.mainnav .count-badge")).to_be_visible()
    lead.locator("nav.mainnav").get_by_role("link", name=re.compile("Notifications")).click()
    breach = lead.locator(
        ".notification-list li", has=lead.locator(f"a[href='/tickets/{number}/']")
    )
    expect(breach.first).to_be_visible()
    expect(breach.filter(has_text=re.compile(r"SLA (breached|超时)"))).to_have_count(1)
    check_accessibility(lead)
    screenshot(lead, "notifications-lead-en")
    breach.filter(has_text=re.compile(r"SLA (breached|超时)")).get_by_role("link").click()
    expect(lead.locator("h1")).to_contain_text(subject)
    # The sweeper's checkpoint, named in the reader's language (not its raw code).
    breach_events = lead.locator(
        "ol.history li", has_text=re.compile(r"missed SLA target|SLA 超时")
    )
    expect(breach_events.first).to_contain_text("SLA")
