"""Journey 2: an agent takes an unassigned ticket, replies, notes and transfers it; the
receiving team's lead sees the whole history (once in English, once in Chinese after switching
the language selector). And a public reply from a reply template plus an internal note on a
portal request: the customer's view shows the reply but not the note."""

import re

from e2e_helpers import (
    ACME,
    check_accessibility,
    choose_language,
    create_ticket,
    login,
    messages_text,
    nav_link,
    portal_submit,
    rail_link,
    screenshot,
)
from playwright.sync_api import expect

CUSTOMER_CARE = "Customer care 客服中心"
REPAIR = "Repair 维修"
GREETING = "问候 Greeting"  # knowledge/demo.py: approved for the whole tenant


def composer_send(page, body: str, kind: str) -> None:
    page.fill("#id_reply_body", body)
    page.locator(f"#composer input[name=kind][value={kind}]").check()
    page.locator("#composer button.composer-send").click()
    page.wait_for_load_state()


def test_agent_takes_replies_notes_and_transfers_en(new_page, unique):
    subject = f"Dishwasher stops mid-cycle {unique}"
    page = new_page("en")
    login(page, ACME, "agent1@acme.test")
    check_accessibility(page)
    nav_link(page, "Tickets").click()
    expect(page.locator("#ticket-results .sla-badge").first).to_be_visible()
    screenshot(page, "queue-open-en")
    number = create_ticket(
        page, subject=subject, email=f"e2e-{unique}@example.test", channel="email"
    )
    assert f"Ticket #{number} created." in messages_text(page)

    # Unassigned queue, reached through the navigation: the row shows its SLA badge.
    nav_link(page, "Tickets").click()
    rail_link(page, "Unassigned").click()
    expect(page.locator("h1")).to_have_text("Unassigned")
    row = page.locator("#ticket-results tbody tr", has_text=subject)
    expect(row).to_have_count(1)
    badge = row.locator(".sla-badge")
    expect(badge).to_have_class(re.compile(r"\bsla-(green|amber|red)\b"))
    expect(badge).to_contain_text(re.compile(r"On track|At risk|Breached"))
    check_accessibility(page)
    screenshot(page, "queue-unassigned-en")

    row.get_by_role("link", name=subject).click()
    expect(page.locator("h1")).to_contain_text(subject)
    check_accessibility(page)
    page.get_by_role("button", name="Take this ticket").click()
    assert "You took this ticket." in messages_text(page)
    expect(page.locator("#id_properties_assignee option:checked")).to_contain_text("Zhang Wei")

    composer_send(page, f"We will send a technician tomorrow ({unique}).", "public")
    assert "Reply sent." in messages_text(page)
    composer_send(page, f"Customer sounded annoyed; check the warranty ({unique}).", "internal")
    assert "Internal note added." in messages_text(page)
    public = page.locator(".thread-item:not(.is-internal)", has_text="send a technician")
    internal = page.locator(".thread-item.is-internal", has_text="check the warranty")
    expect(public).to_contain_text("Public reply")
    expect(internal).to_contain_text("Internal note")
    screenshot(page, "ticket-detail-en")

    transfer = page.locator("form[action$='/transfer/']")
    transfer.locator("#id_transfer_team").select_option(label=CUSTOMER_CARE)
    transfer.locator("#id_transfer_reason").fill(f"Billing question about the repair {unique}")
    transfer.locator("#id_transfer_expected_handling_minutes").fill("45")
    transfer.get_by_role("button", name="Transfer").click()
    page.wait_for_load_state()
    assert f"Ticket transferred to {CUSTOMER_CARE}." in messages_text(page)

    # The receiving team's lead is told, and the history shows every step.
    lead = new_page("en")
    login(lead, ACME, "lead.care@acme.test")
    lead.goto(f"{ACME}/notifications/")
    expect(lead.locator(".notification-list")).to_contain_text(
        f"Ticket #{number} was transferred to {CUSTOMER_CARE}"
    )
    lead.goto(f"{ACME}/tickets/{number}/")
    history = lead.locator("ol.history")
    for event in (
        "created the ticket",
        "changed the assignee",
        "replied to the customer",
        "added an internal note",
        "transferred the ticket",
    ):
        expect(history).to_contain_text(event)
    expect(history).to_contain_text(f"Reason: Billing question about the repair {unique}")
    expect(lead.locator(".sla-times")).to_contain_text("First response")
    check_accessibility(lead)


def test_agent_journey_in_chinese_via_language_selector(new_page, unique):
    subject = f"洗碗机中途停机 {unique}"
    page = new_page("en")
    login(page, ACME, "agent1@acme.test")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    choose_language(page, "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("nav.mainnav")).to_contain_text("知识库")

    number = create_ticket(
        page, subject=subject, email=f"e2e-zh-{unique}@example.test", channel="email"
    )
    assert f"工单 #{number} 已创建。" in messages_text(page)
    nav_link(page, "工单").click()
    rail_link(page, "未分配").click()
    expect(page.locator("h1")).to_have_text("未分配")
    row = page.locator("#ticket-results tbody tr", has_text=subject)
    expect(row.locator(".sla-badge")).to_have_class(re.compile(r"\bsla-(green|amber|red)\b"))
    check_accessibility(page)
    screenshot(page, "queue-zh-hans")

    row.get_by_role("link", name=subject).click()
    page.get_by_role("button", name="领取此工单").click()
    assert "您已领取此工单。" in messages_text(page)
    composer_send(page, f"明天安排师傅上门 ({unique})", "public")
    assert "回复已发送。" in messages_text(page)
    composer_send(page, f"客户情绪较大，核对保修 ({unique})", "internal")
    assert "内部备注已添加。" in messages_text(page)
    expect(page.locator(".thread-item.is-internal", has_text="核对保修")).to_contain_text(
        "内部备注"
    )
    check_accessibility(page)
    screenshot(page, "ticket-detail-zh-hans", full_page=True)


def test_public_reply_from_template_customer_sees_reply_but_not_note(new_page, unique):
    """The customer files on the portal; the agent inserts the "Greeting" reply template into
    the composer (its placeholders filled), adds a line and sends it in public, then adds an
    internal note; the customer's follow link shows the reply and never the note."""
    subject = f"Washer drains slowly {unique}"
    customer = new_page("en")
    number, follow_link = portal_submit(
        customer, subject=subject, email=f"e2e-tpl-{unique}@example.test", category=REPAIR
    )

    page = new_page("en")
    login(page, ACME, "agent1@acme.test")
    page.goto(f"{ACME}/tickets/{number}/")
    expect(page.locator("h1")).to_contain_text(subject)
    # The composer's menu lists the approved templates; the filter finds the greeting.
    page.locator("#template-menu summary").click()
    page.locator("#template-menu-filter").fill(GREETING)
    greeting = page.locator("#template-menu-list li:visible", has_text=GREETING)
    greeting.get_by_role("button", name="Insert", exact=True).click()
    body = page.locator("#id_reply_body")
    expect(body).to_have_value(
        f"E2E Customer 您好，感谢您联系我们。关于工单 #{number}，"
        "我是客服 Zhang Wei 张伟，将尽快为您处理。"
    )
    body.press("End")
    body.press_sequentially(f" The part is ordered ({unique}).")
    check_accessibility(page)
    screenshot(page, "ticket-template-inserted-en", full_page=True)
    page.locator("#composer input[name=kind][value=public]").check()
    page.locator("#composer button.composer-send").click()
    page.wait_for_load_state()
    assert "Reply sent." in messages_text(page)
    composer_send(page, f"Ordered from the central store, not local ({unique}).", "internal")
    assert "Internal note added." in messages_text(page)
    reply = page.locator(".thread-item:not(.is-internal)", has_text="The part is ordered")
    expect(reply).to_contain_text(f"关于工单 #{number}")
    expect(page.locator(".thread-item.is-internal", has_text="central store")).to_have_count(1)

    # The customer's view: the reply with its filled placeholders, not the note.
    customer.goto(follow_link)
    thread = customer.locator("ol.thread")
    expect(thread).to_contain_text(f"The part is ordered ({unique}).")
    expect(thread).to_contain_text("Zhang Wei")
    expect(customer.locator("main")).not_to_contain_text("central store")
    expect(customer.locator("main")).not_to_contain_text("{{")
    check_accessibility(customer)
    screenshot(customer, "portal-ticket-reply-en", full_page=True)
