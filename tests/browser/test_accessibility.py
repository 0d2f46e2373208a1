"""axe-core on every kind of page, in the light and the dark theme: no serious or critical
violation.

The theme follows the visitor's system setting until they press the theme toggle, so each page is
checked four ways: ``light`` and ``dark`` emulate ``prefers-color-scheme`` (a first-time visitor),
``dark-by-toggle`` and ``light-by-toggle`` start from the other system setting and press the toggle
(which sets ``data-theme`` on <html>: the stylesheet's other path to each palette). The Django
admin has its own theme switch and is checked in the two system themes only.

axe-core comes from npm (package.json, `make node-deps`); the strict CSP would block the injected
script, so these pages open in a context made with ``bypass_csp=True``. Every other browser test
keeps failing on a CSP violation. Each run also writes every violation, whatever its impact, to
tests/browser/artifacts/axe-<page>-<theme>.json (git-ignored).
"""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import Page, expect

from comparisons.models import Tool
from votes.services import bookmark_add

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
BLOCKING_IMPACTS = {"serious", "critical"}
PASSWORD = "a-long-test-passphrase-42"

TOOL = "code-llama-4"
COMPARISON = "/compare/code-llama-4-vs-mistral-3-small/"  # the seed comparison (demo content)

# name: (path, needs a logged-in user)
PAGES = {
    "home": ("/", False),
    "directory": ("/tools/", False),
    "tool": (f"/tools/{TOOL}/", False),
    "comparison": (COMPARISON, False),
    "panel": ("/panel/", False),
    "bookmarks": ("/bookmarks/", True),
    "login": ("/accounts/login/", False),
    "admin-login": ("/admin/login/", False),
}
# theme: (the system's prefers-color-scheme, the theme chosen with the toggle or None)
THEMES = {
    "light": ("light", None),
    "dark": ("dark", None),
    "dark-by-toggle": ("light", "dark"),
    "light-by-toggle": ("dark", "light"),
}
CASES = [
    (name, theme)
    for name in PAGES
    for theme in THEMES
    if THEMES[theme][1] is None or name != "admin-login"  # the admin has no site toggle
]


def log_in_with_bookmarks(context, base_url: str) -> None:
    """A user with two bookmarks, logged in with a session cookie (the login form is tested
    elsewhere)."""
    user = get_user_model().objects.create_user("ada", "ada@example.com", PASSWORD)
    for slug in (TOOL, "mistral-3-small"):
        bookmark_add(user_id=user.pk, tool=Tool.objects.get(slug=slug))
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie.value,
                "url": base_url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


def run_axe(page: Page, axe_script: Path) -> dict:
    """Inject axe-core into every frame (iframe content is checked only where it runs) and run it
    on the whole document with its default rules."""
    for frame in page.frames:
        frame.add_script_tag(path=str(axe_script))
    return page.evaluate("""async () => await axe.run(document, {resultTypes: ["violations"]})""")


def describe(violations: list[dict]) -> str:
    """Everything a developer needs to find and fix each violation."""
    lines = []
    for violation in violations:
        lines.append(
            f"- [{violation['impact']}] {violation['id']}: {violation['help']}"
            f" ({len(violation['nodes'])} element(s); {violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            target = " >>> ".join(
                " ".join(part) if isinstance(part, list) else part for part in node["target"]
            )
            lines.append(f"    target: {target}")
            lines.append(f"      html: {node['html'][:200]}")
            for summary_line in (node.get("failureSummary") or "").splitlines():
                lines.append(f"      {summary_line.strip()}")
    return "\n".join(lines)


def choose_theme(page: Page, chosen: str) -> None:
    """Press the header's theme toggle once, from the keyboard: the other theme shows."""
    toggle = page.get_by_role("button", name=re.compile("theme", re.IGNORECASE))
    expect(toggle).to_be_visible()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("data-theme", chosen)
    expect(toggle).to_have_attribute("aria-pressed", "true" if chosen == "dark" else "false")


@pytest.mark.parametrize(("name", "theme"), CASES)
def test_no_serious_or_critical_axe_violations(new_context, axe_script, live_demo, name, theme):
    path, logged_in = PAGES[name]
    system, chosen = THEMES[theme]
    context = new_context(
        bypass_csp=True,
        color_scheme=system,
        reduced_motion="reduce",  # no theme transition half-way through when axe reads colours
        viewport={"width": 1280, "height": 900},
    )
    if logged_in:
        log_in_with_bookmarks(context, live_demo.url)
    page = context.new_page()

    response = page.goto(path, wait_until="networkidle")  # htmx panels loaded after the page

    assert response is not None, path
    assert response.status == 200, f"{path} answered {response.status}"
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (system == "dark")
    if chosen:
        choose_theme(page, chosen)
    if logged_in:
        assert "/accounts/login/" not in page.url, "the bookmarks page sent the user to log in"
        assert "Code Llama 4" in page.inner_text("main"), "the user's bookmarks are not listed"
    result = run_axe(page, axe_script)
    violations = result["violations"]
    data_theme = page.evaluate("document.documentElement.dataset.theme || null")

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{name}-{theme}.json").write_text(
        json.dumps(
            {
                "page": path,
                "color_scheme": system,
                "data_theme": data_theme,
                "axe": result["testEngine"]["version"],
                "violations": violations,
            },
            indent=2,
        )
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    others = [v for v in violations if v["impact"] not in BLOCKING_IMPACTS]
    assert not blocking, (
        f"axe-core {result['testEngine']['version']} found serious or critical violations on "
        f"{path} (theme {theme}: prefers-color-scheme {system}, data-theme {data_theme}):\n"
        f"{describe(blocking)}\n"
        + (f"Also (moderate or minor, not failing):\n{describe(others)}" if others else "")
    )
