"""Journey: on a phone, an agent finds a customer's air conditioner in the installed base by its
serial, reads its history and warranty, and follows it to the ticket about it, whose page shows
what the unit is entitled to and links back. No page is wider than the phone."""

from e2e_helpers import ACME, check_accessibility, login, nav_link, screenshot
from playwright.sync_api import expect

PHONE = {"width": 375, "height": 812}
SERIAL = "ACM-AC-000123"  # products/demo.py: Tom Baker's split air conditioner, in warranty


def assert_fits_the_screen(page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def test_agent_follows_a_unit_to_its_ticket_on_a_phone(new_page):
    page = new_page("en")
    page.set_viewport_size(PHONE)
    login(page, ACME, "agent1@acme.test")

    nav_link(page, "Installed base").click()
    page.locator("main").get_by_label("Search").fill(SERIAL.lower().replace("-", "-  ", 1))
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".badge")).to_contain_text("In warranty until")
    assert_fits_the_screen(page)

    rows.first.get_by_role("link", name=SERIAL).click()
    expect(page.locator("h1")).to_contain_text(SERIAL)
    tickets = page.locator("section", has=page.get_by_role("heading", name="Tickets"))
    expect(tickets.locator("tbody tr").first).to_contain_text("Air conditioner not cooling")
    check_accessibility(page)
    assert_fits_the_screen(page)
    screenshot(page, "unit-page-phone", full_page=True)

    tickets.locator("tbody tr").first.get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text("Air conditioner not cooling")
    unit_row = page.locator("#ticket-unit")
    expect(unit_row).to_contain_text(SERIAL)
    expect(unit_row.locator(".badge")).to_contain_text("In warranty until")
    assert_fits_the_screen(page)
    screenshot(page, "ticket-with-unit-phone")

    unit_row.get_by_role("link", name=SERIAL).click()
    expect(page.locator("h1")).to_contain_text(SERIAL)
