"""The ticket page: a macro sent from an empty reply box, a transfer whose reason the customer
never sees, and a ticket worked from the queue to "Submit as Resolved" with the keyboard."""

from e2e_helpers import ACME, check_accessibility, login, messages_text, portal_submit, screenshot
from playwright.sync_api import expect

CUSTOMER_CARE = "Customer care 客服中心"
REPAIR = "Repair 维修"
RESOLVED_MACRO = "已解决 Resolved"  # knowledge/demo.py: sets the status to resolved


def open_ticket(page, number: int) -> None:
    page.goto(f"{ACME}/tickets/{number}/")
    expect(page.locator("h1")).to_contain_text(f"#{number}")


def portal_request(new_page, *, subject: str, email: str, language: str = "en"):
    """A customer files a Repair request on the portal; then an agent signs in.
    Returns (customer's page, agent's page, number, follow link)."""
    customer = new_page(language)
    number, follow_link = portal_submit(customer, subject=subject, email=email, category=REPAIR)
    agent = new_page(language)
    login(agent, ACME, "agent1@acme.test")
    return customer, agent, number, follow_link


def test_a_macro_sends_its_own_text_when_the_reply_box_is_empty(new_page, unique):
    _, page, number, _ = portal_request(
        new_page, subject=f"Dryer is noisy {unique}", email=f"e2e-macro-{unique}@example.test"
    )
    open_ticket(page, number)
    expect(page.locator("#id_reply_body")).to_have_value("")
    page.locator("#template-menu summary").click()
    macro = page.locator("#template-menu li", has=page.locator("strong", has_text=RESOLVED_MACRO))
    macro.get_by_role("button", name="Send and apply").click()
    page.wait_for_url(f"{ACME}/tickets/{number}/")
    expect(page.locator("main .messages")).to_contain_text(f"Reply sent with “{RESOLVED_MACRO}”.")
    reply = page.locator(".thread-item:not(.is-internal)", has_text="has been resolved")
    expect(reply).to_contain_text(f"your request #{number} has been resolved")
    expect(page.locator(".ticket-header .badge.status-resolved")).to_be_visible()
    check_accessibility(page)


def test_a_transfer_reason_stays_internal_and_the_customer_reads_only_their_message(
    new_page, unique
):
    reason = f"Refund needs the billing lead {unique}"
    told = f"A colleague from our service team takes over ({unique})."
    customer, page, number, follow_link = portal_request(
        new_page, subject=f"Refund for a repair {unique}", email=f"e2e-tr-{unique}@example.test"
    )
    open_ticket(page, number)
    transfer = page.locator("form[action$='/transfer/']")
    message = transfer.locator("#id_transfer_customer_message")
    # Both texts are on screen before anything is sent; the customer's is prefilled.
    expect(transfer.locator("#id_transfer_reason")).to_be_visible()
    expect(message).to_be_visible()
    expect(message).not_to_have_value("")
    transfer.locator("#id_transfer_team").select_option(label=CUSTOMER_CARE)
    transfer.locator("#id_transfer_reason").fill(reason)
    transfer.locator("#id_transfer_expected_handling_minutes").fill("60")
    message.fill(told)
    screenshot(page, "ticket-transfer-form-en")
    transfer.get_by_role("button", name="Transfer").click()
    page.wait_for_load_state()
    assert f"Ticket transferred to {CUSTOMER_CARE}." in messages_text(page)

    customer.goto(follow_link)
    main = customer.locator("main")
    expect(customer.locator("ol.thread")).to_contain_text(told)
    expect(main).not_to_contain_text(reason)
    expect(main).not_to_contain_text("Customer care")
    expect(main).not_to_contain_text("..")
    check_accessibility(customer)

    lead = new_page("en")
    login(lead, ACME, "lead.care@acme.test")
    open_ticket(lead, number)
    expect(lead.locator(".thread-item.is-internal")).to_contain_text(reason)


def focused(page) -> dict:
    return page.evaluate(
        "() => ({text: (document.activeElement.innerText || '').trim(),"
        " href: document.activeElement.getAttribute('href') || '',"
        " id: document.activeElement.id})"
    )


def tab_until(page, wanted, *, limit: int = 60) -> int:
    """Press Tab until ``wanted(focused element)``; returns how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if wanted(focused(page)):
            return presses
    raise AssertionError(f"not reached with {limit} Tab presses; last: {focused(page)}")


def test_working_a_ticket_from_the_queue_to_resolved_with_the_keyboard_only(new_page, unique):
    customer, page, number, follow_link = portal_request(
        new_page, subject=f"Fridge is warm {unique}", email=f"e2e-kb-{unique}@example.test"
    )
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{ACME}/tickets/?queue=open&q={unique}")

    tab_until(page, lambda f: f["href"] == f"/tickets/{number}/")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{ACME}/tickets/{number}/")
    # A ticket with one message: the reply box shows without scrolling at 1366×768.
    expect(page.locator("#id_reply_body")).to_be_in_viewport()
    screenshot(page, "ticket-page-1366-en")

    # Skip to content, then skip to the reply box: four key presses.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert tab_until(page, lambda f: f["href"] == "#id_reply_body", limit=3) == 1
    page.keyboard.press("Enter")
    expect(page.locator("#id_reply_body")).to_be_focused()
    page.keyboard.type(f"The thermostat was reset; it cools again ({unique}).")
    assert tab_until(page, lambda f: f["text"] == "Submit as Resolved", limit=10) <= 10
    page.keyboard.press("Enter")
    page.wait_for_load_state()

    assert "Reply sent. The ticket is now Resolved." in messages_text(page)
    expect(page.locator(".ticket-header .badge.status-resolved")).to_be_visible()
    expect(page.locator(".thread-item", has_text="thermostat was reset")).to_contain_text(
        "Public reply"
    )
    check_accessibility(page)

    customer.goto(follow_link)
    expect(customer.locator("ol.thread")).to_contain_text("The thermostat was reset")


def test_the_ticket_page_fits_a_phone_in_chinese(new_page, unique):
    _, page, number, _ = portal_request(
        new_page,
        subject=f"冰箱不制冷 {unique}",
        email=f"e2e-ph-{unique}@example.test",
        language="zh-hans",
    )
    page.set_viewport_size({"width": 390, "height": 844})
    open_ticket(page, number)
    expect(page.get_by_role("button", name="提交为已解决")).to_be_visible()
    expect(page.get_by_role("button", name="保存属性")).to_be_attached()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    check_accessibility(page)
    screenshot(page, "ticket-page-phone-zh-hans", full_page=True)
