"""Playwright driving Debian's Chromium (Playwright's own browser download is not available)."""

import os
import shutil
from pathlib import Path

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


# npm packages the browser tests use (package.json at the repository root; `make node-deps`).
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
AXE_SCRIPT = NODE_MODULES / "axe-core" / "axe.min.js"


@pytest.fixture
def new_context(browser, live_server):
    """Make more browser contexts on the live server: ``new_context(color_scheme="dark", ...)``
    takes Playwright's ``browser.new_context`` options. Every context is closed after the test.

    As with ``page``, the test fails if a page breaks its Content-Security-Policy, except in a
    context made with ``bypass_csp=True`` (the browser does not enforce the policy there; only
    the accessibility tests use it, to inject axe-core).
    """
    contexts = []
    violations = []

    def make(**options):
        options.setdefault("base_url", live_server.url)
        context = browser.new_context(**options)
        contexts.append(context)
        if not options.get("bypass_csp"):
            context.on(
                "console",
                lambda message: (
                    violations.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
        return context

    yield make
    for context in contexts:
        context.close()
    assert not violations, violations


@pytest.fixture(scope="session")
def axe_script():
    """The path of axe-core's browser bundle, installed by npm from package-lock.json."""
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `make node-deps` (npm ci) first.")
    return AXE_SCRIPT
