"""Constants and page helpers shared by the end-to-end journeys (imported by name)."""

import email
import email.policy
import os
import re
import struct
import time
import zlib
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

PORT = os.environ.get("E2E_PORT", "")
ACME = f"http://acme.localhost:{PORT}"
GLOBEX = f"http://globex.localhost:{PORT}"
PASSWORD = "helpdesk-demo"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "test-results/screenshots"))
FAILURES = SCREENSHOTS.parent / "failures"
# Every e-mail the stack sends (Django's file-based backend, set by run.py).
MAIL = Path(os.environ.get("E2E_MAIL", "test-results/e2e-mail"))
MAIL_TIMEOUT_SECONDS = 30
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    # Chromium resolves *.localhost to loopback by itself; this makes it independent of that.
    "--host-resolver-rules=MAP *.localhost 127.0.0.1",
]
TIMEOUT_MS = 15_000


# --- helpers used by the journeys ---------------------------------------------------------------


def login(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{email} could not sign in on {base}"


def nav_link(page, name: str):
    """A link of the top bar's navigation, opening "More" first when the link sits in it."""
    nav = page.locator("nav.mainnav")
    link = nav.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        nav.locator("details.navmore > summary").click()
    return link


def rail_link(page, name: str):
    """A queue or saved view in the queue page's left rail (its name, then its count)."""
    return page.locator("nav.queue-rail").get_by_role(
        # Not \b: after a Chinese name JavaScript sees no word boundary before the count.
        "link",
        name=re.compile(rf"^{re.escape(name)}(\s|$)"),
    )


def choose_language(page, code: str) -> None:
    """Pick a language in the user menu: the page reloads in it at once."""
    page.locator("details.usermenu > summary").click()
    with page.expect_navigation():
        page.select_option("#language-select", code)
    page.wait_for_load_state()


def screenshot(page, name: str, *, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # No focus ring left over from the keyboard checks; the mouse out of the way.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    page.screenshot(path=str(path), full_page=full_page)
    return path


def messages_text(page) -> str:
    return page.locator("main .messages").inner_text()


def ticket_number_from_url(url: str) -> int:
    match = re.search(r"/tickets/(\d+)/", url)
    assert match, f"not a ticket page: {url}"
    return int(match.group(1))


def create_ticket(page, *, subject: str, email: str, category: str = "", channel: str = "") -> int:
    """Log a request through /tickets/new/ as the signed-in agent (a phone call unless
    ``channel`` says otherwise: a call stays with the agent); returns the ticket number."""
    page.goto(f"{ACME}/tickets/new/")
    page.fill("#id_customer_email", email)
    page.fill("#id_customer_name", "E2E Customer")
    page.fill("#id_subject", subject)
    page.fill("#id_description", "The dishwasher stops after five minutes.")
    if category:
        page.select_option("#id_category", label=category)
    if channel:
        page.select_option("#id_channel", value=channel)
    page.locator("main form.intake-form button[type=submit]:not([name])").click()
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    return ticket_number_from_url(page.url)


def tiny_png(path: Path) -> Path:
    """Write a valid 1×1 PNG (a red pixel) for the attachment steps."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte, then one red pixel
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path


# --- the customer portal (/support/) ------------------------------------------------------------


def portal_fill(page, *, name: str, email: str, description: str, category: str = "") -> None:
    """The portal form's fields other than the subject (typed by the journeys themselves)."""
    page.fill("#id_name", name)
    page.fill("#id_email", email)
    page.fill("#id_description", description)
    if category:
        page.select_option("#id_category", label=category)


def portal_send(page) -> tuple[int, str]:
    """Send the portal form; on the confirmation page returns (request number, follow link)."""
    page.locator("main form.portal-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/support/received/[^/]+/$"))
    number_text = page.locator(".ticket-number-big").inner_text()
    match = re.search(r"#(\d+)", number_text)
    assert match, f"no request number on the confirmation page: {number_text!r}"
    follow = page.get_by_role("link", name=re.compile("Follow your request|跟进您的诉求"))
    link = follow.get_attribute("href")
    assert link and "/support/t/" in link, link
    return int(match.group(1)), link


def portal_submit(page, *, subject: str, email: str, category: str = "") -> tuple[int, str]:
    """A customer files a request on acme's portal; returns (number, follow link)."""
    page.goto(f"{ACME}/support/")
    portal_fill(
        page,
        name="E2E Customer",
        email=email,
        description="The washing machine stops and shows an error.",
        category=category,
    )
    page.fill("#id_subject", subject)
    return portal_send(page)


# --- e-mail (test-results/e2e-mail/) ------------------------------------------------------------

_MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what Django's file-based backend writes after each


def sent_mails() -> list[EmailMessage]:
    """Every complete message in the mail folder (one written right now is left for later)."""
    found = []
    for path in sorted(MAIL.glob("*")):
        chunks = path.read_bytes().split(_MAIL_SEPARATOR)
        for chunk in chunks[:-1]:  # the last is empty, or a message still being written
            found.append(email.message_from_bytes(chunk.strip(b"\n"), policy=email.policy.default))
    return found


def mail_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""


def wait_for_mail(*, to: str, contains: str, timeout: float = MAIL_TIMEOUT_SECONDS) -> EmailMessage:
    """The first mail to ``to`` whose text contains ``contains``; the worker sends them, so
    this waits for it."""
    deadline = time.monotonic() + timeout
    while True:
        for message in sent_mails():
            if to in str(message.get("To", "")) and contains in mail_text(message):
                return message
        if time.monotonic() > deadline:
            raise AssertionError(f"no e-mail to {to} containing {contains!r} in {MAIL}")
        time.sleep(0.5)


def link_in_mail(message: EmailMessage, path_prefix: str) -> str:
    """The path (on the tenant host) of the first link in the mail under ``path_prefix``.
    Only the path: a mail sent by the worker has no request, so its links carry the
    production scheme and port, not the test server's."""
    for url in re.findall(r"https?://\S+", mail_text(message)):
        parts = urlsplit(url.rstrip(".,;)>"))
        if parts.path.startswith(path_prefix):
            return parts.path
    raise AssertionError(f"no {path_prefix} link in the e-mail {message['Subject']!r}")


_A11Y_SCRIPT = """
() => {
  const visible = (el) => {
    const style = getComputedStyle(el);
    return el.getClientRects().length > 0 && style.visibility !== 'hidden'
      && style.display !== 'none';
  };
  const skipped = ['hidden', 'submit', 'button', 'reset', 'image'];
  const controls = [...document.querySelectorAll('input, select, textarea')].filter(
    (el) => !skipped.includes((el.getAttribute('type') || '').toLowerCase()) && visible(el));
  const labelled = (el) => {
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    if (ids.length && ids.every((id) => document.getElementById(id))) return true;
    if (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) return true;
    return el.closest('label') !== null;
  };
  return {
    controls: controls.length,
    unlabelled: controls.filter((el) => !labelled(el)).map((el) => el.outerHTML.slice(0, 160)),
    h1: document.querySelectorAll('h1').length,
  };
}
"""

_FOCUS_SCRIPT = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    boxShadow: style.boxShadow,
  };
}
"""


# What an automated accessibility check (axe-core) may not find on a page.
AXE_BLOCKING_IMPACTS = ("serious", "critical")


def check_axe(page) -> None:
    """axe-core finds no serious or critical violation on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    blocking = [
        (v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3])
        for v in violations
        if v["impact"] in AXE_BLOCKING_IMPACTS
    ]
    assert blocking == [], f"axe-core on {page.url}: {blocking}"


def check_accessibility(page, *, tab_stops: int = 4) -> None:
    """Every visible form control is labelled, there is exactly one h1, and keyboard focus
    is visible on the first few tab stops (an outline of some width, or a focus shadow)."""
    result = page.evaluate(_A11Y_SCRIPT)
    where = page.url
    assert result["unlabelled"] == [], f"unlabelled form controls on {where}: {result}"
    assert result["h1"] == 1, f"{where} has {result['h1']} h1 elements"
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    checked = []
    for _ in range(tab_stops):
        page.keyboard.press("Tab")
        focus = page.evaluate(_FOCUS_SCRIPT)
        if focus is None:
            continue
        shown = (focus["outlineStyle"] != "none" and focus["outlineWidth"] > 0) or (
            focus["boxShadow"] not in ("", "none")
        )
        assert shown, f"focus is invisible on {where}: {focus}"
        checked.append(focus["tag"])
    assert any(tag in ("a", "button") for tag in checked), (
        f"no link or button reached by Tab on {where}: {checked}"
    )
