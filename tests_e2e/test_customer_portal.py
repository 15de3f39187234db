"""Journey 1: a customer opens acme's portal (/support/), sees a suggested article while typing
the subject, sends the form with an attachment, gets the request number on the confirmation
page and follows the request by its link, the same link the "received" e-mail carries.
Once in English; the suggestions once more in Chinese, the tenant's default language."""

import re

from e2e_helpers import (
    ACME,
    check_accessibility,
    link_in_mail,
    portal_fill,
    portal_send,
    screenshot,
    tiny_png,
    wait_for_mail,
)
from playwright.sync_api import expect

REPAIR = "Repair 维修"
E4_ARTICLE = "Washing machine shows error code E4"


def type_subject(page, text: str) -> None:
    """Key by key, as a person types: the suggestions are fetched on keyup."""
    page.locator("#id_subject").press_sequentially(text, delay=40)


def test_customer_submits_on_portal_with_suggested_article_and_attachment(
    new_page, unique, tmp_path
):
    email = f"e2e-portal-{unique}@example.test"
    # Every word of the subject must be in an article for it to be suggested (public search).
    subject = "Washing machine error code E4"
    photo = tiny_png(tmp_path / f"display-{unique}.png")

    page = new_page("en")
    page.goto(f"{ACME}/support/")
    expect(page.locator("h1")).to_have_text("How can we help?")
    check_accessibility(page)
    portal_fill(
        page,
        name="E2E Portal Customer",
        email=email,
        description=f"It stops after five minutes and the display shows E4 ({unique}).",
        category=REPAIR,
    )

    # While the subject is typed, matching public articles appear under it.
    type_subject(page, subject)
    suggestions = page.locator("#kb-suggestions")
    expect(suggestions).to_contain_text("These articles may answer your question:")
    article = suggestions.get_by_role("link", name=E4_ARTICLE)
    expect(article).to_be_visible()
    expect(article).to_have_attribute("href", re.compile(r"^/support/kb/\d+/\?q="))
    # Only public articles: the internal phone checklist never shows on the portal.
    expect(suggestions).not_to_contain_text("内部")
    page.set_input_files("#id_attachments", str(photo))
    check_accessibility(page)
    screenshot(page, "portal-suggestion-en", full_page=True)

    number, follow_link = portal_send(page)
    expect(page.locator("h1")).to_have_text("Thank you — we have your request")
    expect(page.locator(".ticket-number-big")).to_have_text(f"Request number: #{number}")
    check_accessibility(page)
    screenshot(page, "portal-confirmation-en")

    # The "received" e-mail carries the same signed link as the confirmation page.
    received = wait_for_mail(to=email, contains="/support/t/")
    assert link_in_mail(received, "/support/t/") == re.sub(r"^https?://[^/]+", "", follow_link)

    page.get_by_role("link", name="Follow your request").click()
    page.wait_for_url(re.compile(r"/support/t/[^/]+/$"))
    expect(page.locator("h1")).to_contain_text(f"#{number}")
    expect(page.locator("h1")).to_contain_text(subject)
    expect(page.locator(".ticket-badges")).to_contain_text("Status")
    expect(page.locator("main")).to_contain_text(f"display shows E4 ({unique})")
    attachment = page.locator(".thread ul.attachments").get_by_role("link", name=photo.name)
    expect(attachment).to_be_visible()
    with page.expect_download() as download:
        attachment.click()
    assert download.value.suggested_filename == photo.name
    downloaded = download.value.path()
    assert downloaded is not None and downloaded.read_bytes() == photo.read_bytes()
    check_accessibility(page)
    screenshot(page, "portal-ticket-en", full_page=True)

    # A forged link is a plain 404, not somebody else's request.
    response = page.goto(f"{ACME}/support/t/not-a-real-token/")
    assert response is not None and response.status == 404


def test_portal_suggests_articles_in_chinese(new_page, unique):
    page = new_page(None)  # acme's default language: Chinese
    page.goto(f"{ACME}/support/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("有什么可以帮您？")
    type_subject(page, "洗衣机漏水")
    suggestions = page.locator("#kb-suggestions")
    expect(suggestions).to_contain_text("以下文章或许能解答您的问题：")
    expect(suggestions.get_by_role("link", name="洗衣机漏水怎么办")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "portal-suggestion-zh-hans", full_page=True)
