"""The queue: a lead shares a saved view with a team (its agents see it in the rail with its
count, another team's do not); the page fits 1,366 × 768 with 15 rows or more above the fold,
reaches the first ticket in a few Tab presses, passes axe-core and stays usable on a phone, in
English and Chinese."""

import pytest
from e2e_helpers import ACME, check_axe, create_ticket, login, messages_text, rail_link, screenshot
from playwright.sync_api import expect

CUSTOMER_CARE = "Customer care 客服中心"  # helpdesk/demo.py: led by lead.care, agent2 in it
SIZES = {
    "1366": {"width": 1366, "height": 768},
    "1920": {"width": 1920, "height": 1080},
    "phone": {"width": 375, "height": 812},
}

# Where the queue stands on the screen: the bar's height, whether anything scrolls sideways,
# how many rows of the first row's height fit between its top and the bottom of the window.
LAYOUT_SCRIPT = """
() => {
  const bar = document.querySelector('header.topbar').getBoundingClientRect();
  const row = document.querySelector('#ticket-results tbody tr').getBoundingClientRect();
  return {
    barHeight: bar.height,
    sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    rowsThatFit: Math.floor((window.innerHeight - row.top) / row.height),
  };
}
"""


def test_a_lead_shares_a_saved_view_with_a_team(new_page, unique):
    subject = f"Refund for a broken kettle {unique}"
    agent = new_page("en")
    login(agent, ACME, "agent2@acme.test")
    create_ticket(agent, subject=subject, email=f"e2e-view-{unique}@example.test")

    lead = new_page("en")
    login(lead, ACME, "lead.care@acme.test")
    lead.goto(f"{ACME}/tickets/?queue=all&q={unique}")
    # A filter is set, so the panel is open already.
    expect(lead.locator("details.queue-filters")).to_have_attribute("open", "")
    lead.fill("#id_name", f"Kettles {unique}")
    lead.select_option("#id_shared_with_team", label=CUSTOMER_CARE)
    lead.get_by_role("button", name="Save this view").click()
    assert f"View “Kettles {unique}” saved." in messages_text(lead)
    expect(lead.locator("h1")).to_have_text(f"Kettles {unique}")

    agent.goto(f"{ACME}/tickets/")
    shared = rail_link(agent, f"Kettles {unique}")
    expect(shared.locator(".rail-count")).to_have_text("1")
    expect(shared).to_contain_text(f"shared with {CUSTOMER_CARE}")
    shared.click()
    expect(agent.locator("#ticket-results tbody tr", has_text=subject)).to_have_count(1)

    other = new_page("en")
    login(other, ACME, "agent3@acme.test")
    other.goto(f"{ACME}/tickets/")
    expect(other.locator("nav.queue-rail")).to_be_visible()
    expect(other.locator("nav.queue-rail")).not_to_contain_text(f"Kettles {unique}")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_queue_fits_the_screen_and_the_keyboard(new_page, language):
    page = new_page(language)
    login(page, ACME, "manager@acme.test")
    page.set_viewport_size(SIZES["1366"])
    page.goto(f"{ACME}/tickets/?queue=all")
    layout = page.evaluate(LAYOUT_SCRIPT)
    assert layout["barHeight"] < 56, f"the top bar wraps: {layout}"
    assert layout["sideways"] <= 0, f"the page scrolls sideways: {layout}"
    assert layout["rowsThatFit"] >= 15, f"too few rows above the fold: {layout}"
    check_axe(page)
    screenshot(page, f"queue-1366-{language}")

    # From the top of the page: the skip link, then the first row's box and its ticket.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("href", "#ticket-results")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    first = page.locator("#ticket-results tbody tr").first.locator("td.subject a")
    expect(first).to_be_focused()

    page.set_viewport_size(SIZES["1920"])
    page.reload()
    check_axe(page)
    screenshot(page, f"queue-1920-{language}")

    # On a phone the bar wraps and the table scrolls inside itself; the page never sideways.
    page.set_viewport_size(SIZES["phone"])
    page.reload()
    sideways = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert sideways <= 0, f"the page scrolls sideways on a phone by {sideways}px"
    expect(page.locator("#topbar-search-q")).to_be_visible()
