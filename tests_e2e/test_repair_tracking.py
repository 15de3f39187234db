"""Journey: a customer's request becomes a depot repair. The manager opens it from the ticket's
"Visits and repairs" panel with the inbound tracking number and moves it to diagnosed; the
customer gets the RMA number by e-mail and, following their request's link, sees the repair's
stages with the expected dates and the tracking number."""

import re

from e2e_helpers import ACME, check_accessibility, login, portal_submit, screenshot, wait_for_mail
from playwright.sync_api import expect


def test_customer_follows_the_stages_of_a_depot_repair(new_page, unique):
    email = f"e2e-repair-{unique}@example.test"
    customer = new_page("en")
    number, follow_link = portal_submit(customer, subject=f"Washer to repair {unique}", email=email)

    desk = new_page("en")
    login(desk, ACME, "manager@acme.test")
    desk.goto(f"{ACME}/tickets/{number}/")
    panel = desk.locator("#work-orders-panel")
    expect(panel).to_contain_text("No visit or repair yet.")
    panel.get_by_role("link", name="New depot repair").click()
    expect(desk.locator("h1")).to_contain_text(f"#{number}")
    desk.get_by_label("Inbound carrier (depot repair)").fill("SF Express")
    desk.get_by_label("Inbound tracking number (depot repair)").fill(f"SF{unique}")
    desk.get_by_role("button", name="Create the work order").click()
    desk.wait_for_url(re.compile(r"/work-orders/\d+/$"))
    rma = re.search(r"RMA-\d{6}", desk.locator("h1").inner_text()).group(0)
    desk.get_by_role("button", name="Diagnosed").click()
    expect(desk.locator("h1 .badge")).to_have_text("Diagnosed")
    check_accessibility(desk)
    screenshot(desk, "work-order-repair-en", full_page=True)

    mail = wait_for_mail(to=email, contains=rma)
    assert "/support/t/" in mail.get_body(preferencelist=("plain",)).get_content()

    customer.goto(f"{ACME}{re.sub(r'^https?://[^/]+', '', follow_link)}")
    stages = customer.locator("ol.work-order-steps")
    expect(customer.locator("main")).to_contain_text(f"Repair {rma}")
    expect(customer.locator("main")).to_contain_text(f"SF Express SF{unique}")
    expect(stages.locator("li[aria-current=step]")).to_contain_text("Diagnosed")
    expect(stages).to_contain_text("expected")
    expect(stages).to_contain_text("Delivered")
    check_accessibility(customer)
    screenshot(customer, "portal-repair-stages-en", full_page=True)
