"""The ticket page and the phone intake in English and Chinese: no serious or critical
axe-core finding, and the screenshots of both at 1366×768 and 1920×1080 for the README."""

import pytest
from e2e_helpers import ACME, check_axe, login, portal_submit, screenshot
from playwright.sync_api import expect

SIZES = ((1366, 768), (1920, 1080))


def shoot_at_both_sizes(page, name: str) -> None:
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        screenshot(page, f"{name}-{width}x{height}")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_ticket_page_passes_axe_in_both_languages(new_page, unique, language):
    customer = new_page(language)
    number, _ = portal_submit(
        customer,
        subject=f"Washer drum noise 洗衣机异响 {unique}",
        email=f"e2e-axe-{unique}@example.test",
        category="Repair 维修",
    )
    page = new_page(language)
    login(page, ACME, "agent1@acme.test")
    page.goto(f"{ACME}/tickets/{number}/")
    expect(page.locator("#template-menu")).to_be_attached()  # the menu loaded
    check_axe(page)
    page.locator("#template-menu summary").click()
    check_axe(page)
    page.keyboard.press("Escape")
    page.locator("h1").click()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    check_axe(page)
    page.keyboard.press("Escape")
    shoot_at_both_sizes(page, f"ticket-page-{language}")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_phone_intake_passes_axe_in_both_languages(new_page, language):
    page = new_page(language)
    login(page, ACME, "agent1@acme.test")
    page.goto(f"{ACME}/tickets/new/")
    expect(page.locator("h1")).to_be_visible()
    check_axe(page)
    shoot_at_both_sizes(page, f"phone-intake-{language}")
