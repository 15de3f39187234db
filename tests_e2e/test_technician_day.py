"""Journey: a technician's day on a phone (375×812). They open today's visit, start travel,
check in, fit a part from their van, take a photo, let the customer sign on the screen and
complete the visit; the database then holds the part, the photo and the signature, the
customer has the summary on the ticket, and no page was wider than the phone."""

import json
import os
import subprocess
import sys
from pathlib import Path

from e2e_helpers import ACME, check_accessibility, login, messages_text, screenshot, tiny_png
from playwright.sync_api import expect

PHONE = {"width": 375, "height": 812}
ROOT = Path(__file__).resolve().parent.parent
SEED_SCRIPT = Path(__file__).with_name("field_seed.py")


def field_data(step: str, mark: str) -> dict:
    """Run ``field_seed.py`` against the stack's database (seed, or check afterwards)."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEED_SCRIPT.read_text()],
        cwd=ROOT,
        env={**os.environ, "E2E_FIELD_STEP": step, "E2E_FIELD_MARK": mark},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width}px"


def assert_big_buttons(page) -> None:
    heights = page.evaluate(
        """() => [...document.querySelectorAll('main .field-button')]
             .filter((el) => el.getClientRects().length)
             .map((el) => [el.innerText.trim(), el.getBoundingClientRect().height])"""
    )
    small = [(text, height) for text, height in heights if height < 44]
    assert heights and small == [], f"buttons under 44 px on {page.url}: {small}"


def sign(page) -> None:
    """Draw a signature with the mouse: a down stroke and a loop."""
    box = page.locator("canvas[data-signature-pad]").bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + 120)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(x + 30 + step * 15, y + 120 - (step % 5) * 18, steps=2)
    page.mouse.up()


LOADED_WIDTH = """(img) => img.complete ? img.naturalWidth : new Promise((done) => {
  img.addEventListener("load", () => done(img.naturalWidth), { once: true });
  img.addEventListener("error", () => done(0), { once: true });
})"""


def loaded_width(image) -> int:
    """The image's natural width once the browser has loaded it (0 if it could not): scrolled
    to first, as a lazy image loads only near the viewport."""
    image.scroll_into_view_if_needed()
    return image.evaluate(LOADED_WIDTH)


def test_technician_completes_a_visit_on_a_phone(new_page, unique, tmp_path):
    seeded = field_data("seed", unique)
    page = new_page("en")
    page.set_viewport_size(PHONE)
    login(page, ACME, seeded["email"])

    page.goto(f"{ACME}/field/")
    expect(page.locator("h1")).to_have_text("My visits")
    job_link = page.get_by_role("link", name=f"Han Meimei {unique}")
    expect(job_link).to_be_visible()
    expect(page.locator(".field-job a[href^='tel:']")).to_have_text("13800138000")
    assert_fits_the_phone(page)
    screenshot(page, "technician-day-phone", full_page=True)

    job_link.click()
    expect(page.locator("h1")).to_contain_text(f"Han Meimei {unique}")
    check_accessibility(page)
    assert_big_buttons(page)
    assert_fits_the_phone(page)

    page.get_by_role("button", name="Start travel").click()
    expect(page.locator("main .messages")).to_contain_text("Travel started.")
    page.get_by_role("button", name="Check in").click()
    expect(page.locator("main .messages")).to_contain_text("Checked in.")
    assert_fits_the_phone(page)

    page.select_option("#id_part_part", value=str(seeded["part"]))
    page.fill("#id_part_quantity", "1")
    page.get_by_role("button", name="Add part").click()
    expect(page.locator("main .messages")).to_contain_text("Fitted: 1 ×")

    page.set_input_files("#id_photo", str(tiny_png(tmp_path / "pump.png")))
    page.fill("#id_caption", "Old pump")
    page.get_by_role("button", name="Upload photo").click()
    expect(page.locator("main .messages")).to_contain_text("Photo added.")
    photo = page.locator(".field-photos img")
    expect(photo).to_have_count(1)
    assert loaded_width(photo) == 1

    sign(page)
    page.fill("#id_signed_by", "Han Meimei")
    page.get_by_role("button", name="Save signature").click()
    expect(page.locator("main .messages")).to_contain_text("Signature saved.")
    signature = page.locator(".field-signature-image")
    expect(signature).to_be_visible()
    # The drawing as stored: as wide as the signature box was, not a broken image.
    assert loaded_width(signature) > 200
    assert_fits_the_phone(page)
    assert_big_buttons(page)
    screenshot(page, "technician-job-on-site-phone", full_page=True)

    page.fill("#id_complete_work_done", "Replaced the drain pump; no more leaks.")
    page.get_by_role("button", name="Complete the visit").click()
    assert "customer has been sent the summary" in messages_text(page)
    expect(page.locator(".field-status .badge")).to_have_text("Completed")
    expect(page.locator("#parts")).to_contain_text("1 × PUMP-")
    assert_fits_the_phone(page)
    screenshot(page, "technician-job-completed-phone", full_page=True)

    stored = field_data("check", unique)
    assert stored["status"] == "completed"
    assert stored["work_done"] == "Replaced the drain pump; no more leaks."
    assert stored["parts"] == [[f"PUMP-{unique}".upper(), 1]]
    assert stored["van_on_hand"] == 2
    assert stored["photos"] == 1
    assert stored["signed_by"] == "Han Meimei"
    assert stored["signature_bytes"] > 0
    assert stored["ticket_status"] == "resolved"
    [reply] = stored["replies"]
    assert "Replaced the drain pump" in reply and "Han Meimei" in reply
