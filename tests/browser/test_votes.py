"""Community votes on the seed comparison, as a visitor sees them: in place with htmx, across
reloads and visitors, without JavaScript, and kept when the visitor logs in."""

from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from comparisons.models import Tool
from votes.models import Vote

COMPARISON = "/compare/code-llama-4-vs-mistral-3-small/"
SLUG = "code-llama-4"
OTHER_SLUG = "mistral-3-small"
PASSWORD = "a-long-test-passphrase-42"


def card(page: Page, slug: str = SLUG):
    return page.locator(f"article#tool-card-{slug}")


def vote_button(page: Page, name: str, slug: str = SLUG):
    widget = card(page, slug).locator(f"form#vote-{slug}")
    return widget.get_by_role("button", name=name, exact=True)


def expect_community_figure(page: Page, text: str, slug: str = SLUG) -> None:
    """The card, the decision table and the vote widget all show the same figure."""
    expect(card(page, slug).locator(f"dd.community-figure--{slug}")).to_have_text(text)
    expect(page.locator(f"table.decision-table td.community-figure--{slug}")).to_have_text(text)
    expect(page.locator(f"form#vote-{slug} .community-figure--{slug}")).to_have_text(text)
    expect(page.locator(f".community-figure--{slug}")).to_have_text([text] * 3)


def expect_pressed(page: Page, ship: bool, skip: bool, slug: str = SLUG) -> None:
    expect(vote_button(page, "Ship", slug)).to_have_attribute("aria-pressed", str(ship).lower())
    expect(vote_button(page, "Skip", slug)).to_have_attribute("aria-pressed", str(skip).lower())


def open_comparison(page: Page) -> None:
    page.goto(COMPARISON)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Code Llama 4 (70B & 400B) vs Mistral 3 Small (22B)"
    )


def mark_page(page: Page) -> None:
    page.evaluate("window.__marker = 'still here'")


def expect_no_reload(page: Page) -> None:
    assert page.evaluate("window.__marker") == "still here"


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill the login form on the current page and submit it."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


def votes_on(slug: str = SLUG):
    return Vote.objects.filter(tool__slug=slug)


def test_a_visitor_votes_ship_without_a_reload_and_every_figure_updates(page, live_demo):
    open_comparison(page)
    expect_community_figure(page, "No community votes yet")
    expect_pressed(page, ship=False, skip=False)
    mark_page(page)

    vote_button(page, "Ship").click()

    expect_pressed(page, ship=True, skip=False)
    expect_community_figure(page, "1 vote so far")
    widget = page.locator(f"form#vote-{SLUG}")
    expect(widget.locator(".vote-widget__message")).to_have_text(
        "Ship vote counted — 1 vote so far"
    )
    expect(page.locator("#live-region")).to_have_text("Ship vote counted — 1 vote so far")
    # The other tool on the page is untouched.
    expect_community_figure(page, "No community votes yet", slug=OTHER_SLUG)
    expect_pressed(page, ship=False, skip=False, slug=OTHER_SLUG)
    expect_no_reload(page)


def test_a_vote_survives_a_reload(page, live_demo):
    open_comparison(page)
    vote_button(page, "Ship").click()
    expect_community_figure(page, "1 vote so far")

    page.reload()

    expect_pressed(page, ship=True, skip=False)
    expect_community_figure(page, "1 vote so far")
    # A fresh page carries no leftover status message.
    expect(page.locator(f"form#vote-{SLUG} .vote-widget__message")).to_have_count(0)


def test_two_visitors_vote_and_both_votes_count(browser, page, live_demo):
    open_comparison(page)
    vote_button(page, "Ship").click()
    expect_community_figure(page, "1 vote so far")

    other_context = browser.new_context(base_url=live_demo.url)
    try:
        other = other_context.new_page()
        open_comparison(other)
        # The other visitor sees the first vote but has not voted yet.
        expect_community_figure(other, "1 vote so far")
        expect_pressed(other, ship=False, skip=False)

        vote_button(other, "Skip").click()

        expect_pressed(other, ship=False, skip=True)
        expect_community_figure(other, "2 votes so far")
        expect(other.locator("#live-region")).to_have_text("Skip vote counted — 2 votes so far")
    finally:
        other_context.close()

    page.reload()
    expect_community_figure(page, "2 votes so far")
    expect_pressed(page, ship=True, skip=False)

    assert votes_on().count() == 2
    assert sorted(votes_on().values_list("value", flat=True)) == ["ship", "skip"]
    tool = Tool.objects.get(slug=SLUG)
    assert (tool.community_ships, tool.community_skips) == (1, 1)


def test_a_visitor_switches_their_vote_and_then_withdraws_it(page, live_demo):
    open_comparison(page)
    mark_page(page)

    vote_button(page, "Ship").click()
    expect_pressed(page, ship=True, skip=False)
    expect_community_figure(page, "1 vote so far")

    vote_button(page, "Skip").click()
    expect_pressed(page, ship=False, skip=True)
    expect_community_figure(page, "1 vote so far")
    expect(page.locator("#live-region")).to_have_text("Skip vote counted — 1 vote so far")
    assert list(votes_on().values_list("value", flat=True)) == ["skip"]

    vote_button(page, "Skip").click()
    expect_pressed(page, ship=False, skip=False)
    expect_community_figure(page, "No community votes yet")
    expect(page.locator("#live-region")).to_have_text("Vote withdrawn — No community votes yet")
    assert votes_on().count() == 0
    tool = Tool.objects.get(slug=SLUG)
    assert (tool.community_ships, tool.community_skips) == (0, 0)
    expect_no_reload(page)


def test_voting_works_without_javascript_through_a_normal_post(browser, live_demo):
    context = browser.new_context(base_url=live_demo.url, java_script_enabled=False)
    try:
        page = context.new_page()
        open_comparison(page)

        with page.expect_navigation():
            vote_button(page, "Ship").click()

        assert page.url == live_demo.url + COMPARISON
        expect(page.locator(".messages")).to_contain_text("Ship vote counted — 1 vote so far")
        expect_community_figure(page, "1 vote so far")
        expect_pressed(page, ship=True, skip=False)
        assert votes_on().count() == 1

        # Pressing the pressed button withdraws the vote, again by a plain form post.
        with page.expect_navigation():
            vote_button(page, "Ship").click()

        expect(page.locator(".messages")).to_contain_text("Vote withdrawn — No community votes yet")
        expect_community_figure(page, "No community votes yet")
        expect_pressed(page, ship=False, skip=False)
        assert votes_on().count() == 0
    finally:
        context.close()


def test_logging_in_keeps_the_vote_cast_anonymously(page, live_demo):
    user = get_user_model().objects.create_user("ada", "ada@example.com", PASSWORD)
    open_comparison(page)
    vote_button(page, "Ship").click()
    expect_community_figure(page, "1 vote so far")
    anonymous_vote = votes_on().get()
    assert anonymous_vote.user_id is None
    assert anonymous_vote.anonymous_id is not None

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    log_in(page, "ada")

    expect(page).to_have_url(live_demo.url + COMPARISON)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect_pressed(page, ship=True, skip=False)
    expect_community_figure(page, "1 vote so far")

    vote = votes_on().get()
    assert vote.pk == anonymous_vote.pk
    assert vote.user_id == user.pk
    assert vote.anonymous_id is None
    assert vote.value == "ship"
