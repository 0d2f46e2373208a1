"""Playwright driving Debian's Chromium (Playwright's own browser download is not available)."""

import os
import shutil

import pytest
from playwright.sync_api import sync_playwright

from comparisons.demo import load_demo_content

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-background-networking",  # the machine has no network beyond loopback
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-component-update",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Browser tests need Chromium on PATH (Debian: apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_demo(transactional_db, live_server):
    load_demo_content()
    return live_server


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context; the test fails if the page breaks its Content-Security-Policy."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not violations, violations
