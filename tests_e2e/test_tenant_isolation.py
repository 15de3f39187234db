"""Journey 6: a member of tenant globex sees nothing of acme by URL; and inside acme a ticket
number that does not exist is a 404."""

import re

from e2e_helpers import ACME, GLOBEX, check_accessibility, login, screenshot
from playwright.sync_api import expect

# acme pages and their data (demo tickets 1–8 exist; 1 is "Washing machine leaks water").
ACME_URLS = (
    "/",
    "/tickets/",
    "/tickets/?queue=all",
    "/tickets/1/",
    "/tickets/2/",
    "/tickets/new/",
    "/notifications/",
    "/settings/",
    "/settings/sla/",
    "/settings/api-tokens/",
)
# (acme's name on its own sign-in page is public; its tickets and people are not.)
ACME_DATA = ("Washing machine", "洗衣机", "agent1@acme.test", "Zhang Wei", "张伟", "Unassigned")


def assert_no_acme_data(page) -> None:
    body = page.locator("body").inner_text()
    leaked = [text for text in ACME_DATA if text in body]
    assert leaked == [], f"{page.url} shows acme data: {leaked}"


def test_globex_member_sees_nothing_of_acme(new_page):
    page = new_page("en")
    login(page, GLOBEX, "admin@globex.test")
    expect(page.locator("h1")).to_contain_text("Globex")
    check_accessibility(page)
    screenshot(page, "globex-home-en")

    # The globex session does not travel to acme's host: every acme page asks for a sign-in.
    for path in ACME_URLS:
        response = page.goto(f"{ACME}{path}")
        assert response is not None
        assert response.status == 404 or "/accounts/login/" in page.url, (path, page.url)
        assert_no_acme_data(page)

    # Signing in to acme with the globex account is refused.
    page.goto(f"{ACME}/accounts/login/")
    page.fill("#id_username", "admin@globex.test")
    page.fill("#id_password", "helpdesk-demo")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("This account has no access to this service desk.")
    assert "/accounts/login/" in page.url
    assert_no_acme_data(page)
    check_accessibility(page)
    screenshot(page, "acme-login-refused-en")

    # Even the globex session cookie replayed on acme's host gets 404s, never data.
    session = next(c for c in page.context.cookies(GLOBEX) if c["name"] == "sessionid")
    page.context.add_cookies([{"name": "sessionid", "value": session["value"], "url": ACME}])
    for path in ACME_URLS[1:]:
        response = page.goto(f"{ACME}{path}")
        assert response is not None
        assert response.status == 404 or "/accounts/login/" in page.url, (path, response.status)
        assert_no_acme_data(page)
    # (Through the browser: Playwright's own HTTP client does not resolve *.localhost.)
    response = page.goto(f"{ACME}/api/v1/me/")
    assert response is not None and response.status in (401, 403, 404), response
    assert "acme" not in response.text().lower()

    # And globex's own ticket numbers are globex's: acme's ticket 1 is not found there.
    response = page.goto(f"{GLOBEX}/tickets/1/")
    assert response is not None and response.status == 404
    assert_no_acme_data(page)


def test_acme_agent_gets_404_for_a_ticket_number_that_does_not_exist(new_page):
    page = new_page("en")
    login(page, ACME, "agent1@acme.test")
    response = page.goto(f"{ACME}/tickets/1/")
    assert response is not None and response.status == 200
    response = page.goto(f"{ACME}/tickets/987654/")
    assert response is not None and response.status == 404
    expect(page.locator("body")).not_to_contain_text(re.compile("Washing machine|Traceback"))
