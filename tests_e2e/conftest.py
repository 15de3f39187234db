"""Browser fixtures for the end-to-end journeys: Debian's Chromium driven by Playwright.

These tests need the running stack that ``make e2e`` (``tests_e2e/run.py``) starts; collected
any other way (``pytest tests_e2e`` alone) they are skipped.
"""

import contextlib
import uuid
from collections.abc import Callable, Iterator

import pytest
from e2e_helpers import ACME, CHROMIUM, CHROMIUM_ARGS, FAILURES, GLOBEX, PORT, TIMEOUT_MS

try:
    import playwright  # noqa: F401 - only whether it is installed (pip install -e ".[e2e]")
except ImportError:
    collect_ignore_glob = ["test_*.py"]


def pytest_collection_modifyitems(config, items):
    if PORT:
        return
    skip = pytest.mark.skip(reason="needs the stack started by `make e2e` (E2E_PORT unset)")
    for item in items:
        item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, request) -> Iterator[Callable]:
    """``new_page(language="en")``: a page in a fresh browser context (its own cookies).

    ``language`` sets Django's language cookie on both demo tenants; ``None`` leaves the
    tenant's default (acme speaks Chinese by default). A failing test leaves a screenshot of
    every page it opened in test-results/failures/.
    """
    contexts = []
    blocked: list[str] = []  # what the Content-Security-Policy refused, on any page

    def watch(page):
        page.on(
            "console",
            lambda message: (
                blocked.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        return page

    def make(language: str | None = "en"):
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        context.set_default_timeout(TIMEOUT_MS)
        if language:
            context.add_cookies(
                [{"name": "django_language", "value": language, "url": u} for u in (ACME, GLOBEX)]
            )
        contexts.append(context)
        return watch(context.new_page())

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for number, context in enumerate(contexts):
        if failed:
            FAILURES.mkdir(parents=True, exist_ok=True)
            for page_number, page in enumerate(context.pages):
                name = f"{request.node.name}-{number}-{page_number}.png"
                # A failure shot must never hide the failure itself.
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(FAILURES / name), full_page=True)
        context.close()
    assert blocked == [], f"the page needed something the CSP forbids: {blocked}"


@pytest.fixture
def unique() -> str:
    """A short marker that makes this run's tickets and customers easy to find."""
    return uuid.uuid4().hex[:8]
