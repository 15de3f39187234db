"""The ticket page from the keyboard: the "?" list of shortcuts, reply and take by key; the
composer's templates menu and its draft kept across pages."""

import re

from e2e_helpers import ACME, login, messages_text, portal_submit, tiny_png
from playwright.sync_api import expect

REPAIR = "Repair 维修"
RESOLVED_MACRO = "已解决 Resolved"  # knowledge/demo.py: sets the status to resolved


def ticket_for_lead(new_page, unique: str, language: str = "en"):
    """A portal request in Repair, opened by the repair team's lead (not its assignee)."""
    customer = new_page(language)
    number, _ = portal_submit(
        customer,
        subject=f"Oven door stuck {unique}",
        email=f"e2e-keys-{unique}@example.test",
        category=REPAIR,
    )
    page = new_page(language)
    login(page, ACME, "lead.repair@acme.test")
    page.goto(f"{ACME}/tickets/{number}/")
    expect(page.locator("h1")).to_contain_text(f"#{number}")
    return page, number


def test_shortcuts_list_reply_and_take_the_ticket(new_page, unique):
    page, _ = ticket_for_lead(new_page, unique)
    dialog = page.locator("#shortcuts")
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Assign the ticket to me")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("i")
    expect(page.locator("#id_reply_body")).to_be_focused()
    expect(page.locator("#composer input[name=kind][value=internal]")).to_be_checked()
    page.keyboard.type("r stays text in the box")  # no shortcut fires while typing
    expect(page.locator("#id_reply_body")).to_have_value("r stays text in the box")
    page.locator("#id_reply_body").fill("")
    page.locator("h1").click()
    page.keyboard.press("r")
    expect(page.locator("#id_reply_body")).to_be_focused()
    expect(page.locator("#composer input[name=kind][value=public]")).to_be_checked()

    page.locator("h1").click()
    expect(page.locator("#take-form")).to_be_visible()
    page.keyboard.press("a")
    page.wait_for_load_state()
    assert "You took this ticket." in messages_text(page)
    expect(page.locator("#id_properties_assignee option:checked")).to_contain_text("Li Qiang")
    expect(page.locator("#take-form")).to_have_count(0)


def test_the_shortcuts_list_is_in_chinese_on_a_chinese_page(new_page, unique):
    page, _ = ticket_for_lead(new_page, unique, "zh-hans")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_contain_text("键盘快捷键")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()


def test_a_template_is_found_inserted_at_the_cursor_and_the_draft_survives_leaving(
    new_page, unique
):
    page, number = ticket_for_lead(new_page, unique)
    box = page.locator("#id_reply_body")
    box.fill(f"Dear customer ({unique}),")
    page.locator("#template-menu summary").click()
    page.locator("#template-menu-filter").fill(RESOLVED_MACRO[:3])
    visible = page.locator("#template-menu-list li:visible")
    expect(visible).to_have_count(1)
    page.keyboard.press("ArrowDown")
    expect(visible.get_by_role("button", name="Insert")).to_be_focused()
    page.keyboard.press("Enter")
    # What the agent typed stays; the template's text comes after it.
    expect(box).to_have_value(re.compile(rf"^Dear customer \({unique}\),\n\n.*{number}", re.S))

    page.goto(f"{ACME}/tickets/")
    page.goto(f"{ACME}/tickets/{number}/")
    expect(box).to_have_value(re.compile(rf"^Dear customer \({unique}\),"))
    page.locator("#composer .composer-send").click()
    page.wait_for_load_state()
    assert "Reply sent." in messages_text(page)
    page.goto(f"{ACME}/tickets/")
    page.goto(f"{ACME}/tickets/{number}/")
    expect(page.locator("#id_reply_body")).to_have_value("")


DROP_A_FILE = """([name, bytes]) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([new Uint8Array(bytes)], name, {type: "image/png"}));
  const box = document.getElementById("id_reply_body");
  const drop = {dataTransfer: transfer, bubbles: true, cancelable: true};
  box.dispatchEvent(new DragEvent("drop", drop));
}"""


def test_formatting_buttons_and_a_dropped_image_become_part_of_the_reply(
    new_page, unique, tmp_path
):
    page, _ = ticket_for_lead(new_page, unique)
    box = page.locator("#id_reply_body")
    box.fill(f"Fixed {unique}")
    box.evaluate("(box) => box.setSelectionRange(0, 5)")
    page.locator("md-bold").click()
    expect(box).to_have_value(f"**Fixed** {unique}")
    png = tiny_png(tmp_path / "photo.png").read_bytes()
    page.evaluate(DROP_A_FILE, ["photo.png", list(png)])
    expect(page.locator("#composer-files-status")).to_contain_text("photo.png")
    page.locator("#composer .composer-send").click()
    page.wait_for_load_state()
    assert "Reply sent." in messages_text(page)
    reply = page.locator(".thread-item", has_text=f"Fixed {unique}")
    expect(reply.locator("strong", has_text="Fixed")).to_be_visible()
    expect(reply).to_contain_text("photo.png")
