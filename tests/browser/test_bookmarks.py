"""Bookmarks as a person sees them: the login detour for visitors, the button and the panel
updating in place, and comparing bookmarked tools from /bookmarks/."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from comparisons.models import Tool
from votes.models import Bookmark

COMPARISON = "/compare/code-llama-4-vs-mistral-3-small/"
SLUG = "code-llama-4"
NAME = "Code Llama 4 (70B & 400B)"
PASSWORD = "a-long-test-passphrase-42"


def make_user(username: str = "ada"):
    return get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD)


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill the login form on the current page and submit it."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


def log_in_and_return_to(page: Page, path: str, username: str) -> None:
    page.goto(f"/accounts/login/?next={path}")
    log_in(page, username)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert page.url.endswith(path)


def bookmark_button(page: Page, slug: str = SLUG):
    return page.locator(f"article#tool-card-{slug} form#bookmark-{slug}").get_by_role("button")


def bookmarks_panel(page: Page):
    return page.get_by_role("complementary", name="Your bookmarks")


def mark_page(page: Page) -> None:
    page.evaluate("window.__marker = 'still here'")


def expect_no_reload(page: Page) -> None:
    assert page.evaluate("window.__marker") == "still here"


def test_an_anonymous_visitor_who_bookmarks_is_sent_to_log_in_and_then_back(page, live_demo):
    make_user()
    page.goto(COMPARISON)
    button = bookmark_button(page)
    expect(button).to_have_accessible_name(f"Bookmark {NAME}")
    expect(button).to_have_attribute("aria-pressed", "false")

    button.click()

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    assert page.url.endswith("/accounts/login/?next=" + COMPARISON.replace("/", "%2F"))
    log_in(page, "ada")

    expect(page).to_have_url(live_demo.url + COMPARISON)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Code Llama 4 (70B & 400B) vs Mistral 3 Small (22B)"
    )
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_user_bookmarks_a_tool_and_the_panel_updates_without_a_reload(page, live_demo):
    user = make_user()
    log_in_and_return_to(page, COMPARISON, "ada")
    panel = bookmarks_panel(page)
    expect(panel).to_contain_text("No bookmarks yet")
    expect(panel.get_by_role("link", name=NAME, exact=True)).to_have_count(0)
    mark_page(page)

    bookmark_button(page).click()

    button = bookmark_button(page)
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_text(re.compile(r"^\s*Bookmarked\b"))
    expect(panel.get_by_role("link", name=NAME, exact=True)).to_be_visible()
    expect(panel.get_by_role("link", name=NAME, exact=True)).to_have_attribute(
        "href", f"/tools/{SLUG}/"
    )
    expect(panel).not_to_contain_text("No bookmarks yet")
    assert list(Bookmark.objects.filter(user=user).values_list("tool__slug", flat=True)) == [SLUG]
    expect_no_reload(page)

    bookmark_button(page).click()

    expect(bookmark_button(page)).to_have_attribute("aria-pressed", "false")
    expect(bookmark_button(page)).to_have_accessible_name(f"Bookmark {NAME}")
    expect(panel).to_contain_text("No bookmarks yet")
    expect(panel.get_by_role("link", name=NAME, exact=True)).to_have_count(0)
    assert not Bookmark.objects.filter(user=user).exists()
    expect_no_reload(page)


def test_a_bookmark_is_still_there_after_a_reload(page, live_demo):
    make_user()
    log_in_and_return_to(page, COMPARISON, "ada")
    expect(bookmarks_panel(page)).to_contain_text("No bookmarks yet")
    bookmark_button(page).click()
    expect(bookmark_button(page)).to_have_attribute("aria-pressed", "true")

    page.reload()

    expect(bookmark_button(page)).to_have_attribute("aria-pressed", "true")
    expect(bookmarks_panel(page).get_by_role("link", name=NAME, exact=True)).to_be_visible()


def test_the_bookmarks_page_compares_two_ticked_tools(page, live_demo):
    user = make_user()
    for slug in ["github-copilot", "ollama", "claude"]:
        Bookmark.objects.create(user=user, tool=Tool.objects.get(slug=slug))

    log_in_and_return_to(page, "/", "ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Bookmarks").click()

    expect(page).to_have_url(live_demo.url + "/bookmarks/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your bookmarks")
    rows = page.locator(".bookmark-rows > li")
    expect(rows).to_have_count(3)
    for name in ["GitHub Copilot", "Ollama", "Claude"]:
        expect(page.get_by_role("checkbox", name=f"Compare {name}", exact=True)).not_to_be_checked()

    page.get_by_role("checkbox", name="Compare Ollama", exact=True).check()
    page.get_by_role("checkbox", name="Compare Claude", exact=True).check()
    page.get_by_role("button", name="Compare selected").click()

    expect(page).to_have_url(re.compile(r"/compare/"))
    assert page.url.startswith(live_demo.url + "/compare/")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Ollama")
    expect(heading).to_contain_text("Claude")
    expect(heading).not_to_contain_text("GitHub Copilot")
    expect(page.locator("article.tool-card")).to_have_count(2)
