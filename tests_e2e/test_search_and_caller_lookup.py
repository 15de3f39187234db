"""Journey: a hotline agent finds a caller by phone number however it is spelled, from the top
bar's search box, and looks the caller up while logging a call; axe-core finds nothing serious
on either page, in English or in Chinese."""

import random
import re

from e2e_helpers import (
    ACME,
    check_accessibility,
    check_axe,
    login,
    messages_text,
    screenshot,
    ticket_number_from_url,
)
from playwright.sync_api import expect

AGENT = "agent1@acme.test"
AGENT_NAME = "Zhang Wei"


def a_mobile_number() -> tuple[str, str, str]:
    """One new mainland mobile number in three spellings: plain, +86 grouped, dashed."""
    digits = f"139{random.randrange(10**8):08d}"  # noqa: S311 - a test's sample data
    return (
        digits,
        f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}",
        (f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"),
    )


def log_call(page, *, phone: str, name: str, subject: str) -> int:
    page.goto(f"{ACME}/tickets/new/")
    page.fill("#id_customer_phone", phone)
    page.fill("#id_customer_name", name)
    page.fill("#id_subject", subject)
    page.locator("main form.intake-form button[type=submit]:not([name])").click()
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    return ticket_number_from_url(page.url)


def search_from_top_bar(page, text: str) -> None:
    page.locator("main h1").click()  # out of any field, so "/" is the shortcut
    page.keyboard.press("/")
    expect(page.locator("#topbar-search-q")).to_be_focused()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))


def test_agent_finds_a_caller_by_phone_in_three_spellings(new_page, unique):
    plain, grouped, dashed = a_mobile_number()
    name = f"Huang {unique}"
    page = new_page("en")
    login(page, ACME, AGENT)
    number = log_call(page, phone=plain, name=name, subject=f"Washer leaks {unique}")

    for spelling in (grouped, plain, dashed):
        search_from_top_bar(page, spelling)
        customers = page.locator("section[aria-labelledby=search-customers] tbody tr")
        expect(customers).to_have_count(1)
        expect(customers).to_contain_text(name)
        tickets = page.locator("section[aria-labelledby=search-tickets]")
        expect(tickets.get_by_role("link", name=f"#{number}")).to_be_visible()
    check_accessibility(page)
    check_axe(page)
    screenshot(page, "search-phone-en")

    page.goto(f"{ACME}/search/?q=h")
    expect(page.locator("main [role=status]")).to_contain_text("Type at least 2 characters")

    chinese = new_page("zh-hans")
    login(chinese, ACME, AGENT)
    chinese.goto(f"{ACME}/search/?q={plain}")
    expect(chinese.locator("section[aria-labelledby=search-customers]")).to_contain_text(name)
    expect(chinese.locator("main h1")).to_have_text("搜索")
    check_accessibility(chinese)
    check_axe(chinese)
    chinese.set_viewport_size({"width": 390, "height": 844})
    check_axe(chinese)
    screenshot(chinese, "search-phone-zh-hans-phone", full_page=True)


def test_agent_looks_the_caller_up_while_logging_a_call(new_page, unique):
    plain, _grouped, dashed = a_mobile_number()
    name = f"Huang {unique}"
    email = f"huang-{unique}@example.test"
    page = new_page("en")
    login(page, ACME, AGENT)
    page.goto(f"{ACME}/tickets/new/")
    page.fill("#id_customer_email", email)
    page.fill("#id_customer_phone", plain)
    page.fill("#id_customer_name", name)
    page.fill("#id_subject", f"First call {unique}")
    page.locator("main form.intake-form button[type=submit]:not([name])").click()
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))

    page.goto(f"{ACME}/tickets/new/")
    check_axe(page)
    page.locator("#id_customer_phone").press_sequentially(dashed)
    match = page.locator("#caller-matches .caller", has_text=name)
    expect(match).to_have_count(1)
    expect(match).to_contain_text("1 open ticket")
    check_axe(page)
    screenshot(page, "intake-caller-lookup-en")
    match.get_by_role("button", name=re.compile("Use this customer")).click()
    expect(page.locator("#id_customer_email")).to_have_value(email)
    expect(page.locator("#id_customer_name")).to_have_value(name)
    expect(page.locator("#id_subject")).to_be_focused()
    page.keyboard.type(f"Second call {unique}")
    page.locator("main form.intake-form button[type=submit]:not([name])").click()
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    assert "created." in messages_text(page)
    expect(page.locator("main")).to_contain_text(email)
    expect(page.locator("main")).to_contain_text(AGENT_NAME)

    # The same customer, not a duplicate: the search finds one, with two open tickets.
    page.goto(f"{ACME}/search/?q={plain}")
    customers = page.locator("section[aria-labelledby=search-customers] tbody tr")
    expect(customers).to_have_count(1)
    expect(customers.locator("td").nth(4)).to_have_text("2")

    chinese = new_page("zh-hans")
    login(chinese, ACME, AGENT)
    chinese.goto(f"{ACME}/tickets/new/")
    chinese.locator("#id_customer_phone").press_sequentially(plain)
    expect(chinese.locator("#caller-matches .caller", has_text=name)).to_have_count(1)
    check_accessibility(chinese)
    check_axe(chinese)
