"""Discovery as a visitor sees it: the directory's filters in place with htmx (and as a plain GET
without JavaScript), search-as-you-type in the header, building a comparison from the pickers,
and the decision table's "Show only differences" switch and leaders."""

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from comparisons.models import Review, Tool

SPLIT_TOOLS = {"abridge", "cursor", "raycast-ai", "whoop-coach"}
SPLIT_NAMES_BY_NAME = ["Abridge", "Cursor", "Raycast AI", "WHOOP Coach"]
ALL_TOOLS = 23
CURATED_THREE = "/compare/cursor-vs-github-copilot-vs-claude-code/"


def mark_page(page: Page) -> None:
    page.evaluate("window.__marker = 'still here'")


def expect_no_reload(page: Page) -> None:
    assert page.evaluate("window.__marker") == "still here"


def result_cards(page: Page):
    return page.locator("section#tool-results article.tool-card")


def card_slugs(page: Page) -> list[str]:
    ids = result_cards(page).evaluate_all("cards => cards.map(card => card.id)")
    return [card_id.removeprefix("tool-card-") for card_id in ids]


def expect_settled(page: Page) -> None:
    """htmx has finished swapping and settling: nothing on the page is still moving."""
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    expect(page.locator(busy)).to_have_count(0)


def expect_results(page: Page, count: int) -> None:
    """The heading and the cards agree on how many tools are listed."""
    title = f"{count} tool{'' if count == 1 else 's'}"
    expect(page.locator("#results-title")).to_have_text(title)
    expect(result_cards(page)).to_have_count(count)


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def comparison_tool_cards(page: Page):
    return page.get_by_role("region", name="The tools").locator("article.tool-card")


def decision_row(page: Page, label: str):
    return page.locator("section#decision table.decision-table tbody tr").filter(
        has=page.get_by_role("rowheader", name=label, exact=True)
    )


def reviewed(slug: str, persona: str) -> str:
    return Review.objects.get(tool__slug=slug, persona__slug=persona).verdict


def test_filtering_by_a_split_panel_updates_the_list_in_place_with_a_shareable_address(
    page, live_demo
):
    page.goto("/tools/")
    expect_results(page, ALL_TOOLS)
    mark_page(page)

    page.get_by_label("Panel verdict").select_option(label="Split panel")

    expect_results(page, 4)
    assert set(card_slugs(page)) == SPLIT_TOOLS
    expect(page).to_have_url(re.compile(r"/tools/\?(.+&)?verdict=split\b"))
    assert query_of(page)["verdict"] == ["split"]
    expect_no_reload(page)

    # The address is a shareable link: loading it afresh lists the same four.
    page.reload()
    expect_results(page, 4)
    assert set(card_slugs(page)) == SPLIT_TOOLS
    expect(page.get_by_label("Panel verdict")).to_have_value("split")

    mark_page(page)
    page.get_by_label("Sort by").select_option(label="Name")

    expect(page).to_have_url(re.compile(r"[?&]sort=name\b"))
    expect(result_cards(page).locator(".tool-card__name")).to_have_text(SPLIT_NAMES_BY_NAME)
    assert query_of(page) == {"verdict": ["split"], "sort": ["name"]}
    expect_no_reload(page)


def test_filtering_pushes_the_clean_address_with_only_the_chosen_filter(page, live_demo):
    page.goto("/tools/")
    expect_results(page, ALL_TOOLS)

    page.get_by_label("Panel verdict").select_option(label="Split panel")

    expect_results(page, 4)
    expect(page).to_have_url(live_demo.url + "/tools/?verdict=split")


def test_the_dissent_filter_lists_tools_the_skeptic_skipped_but_the_builder_shipped(
    page, live_demo
):
    published = Review.objects.filter(tool__status="published")
    skeptic_skips = set(
        published.filter(persona__slug="skeptic", verdict="skip").values_list(
            "tool__slug", flat=True
        )
    )
    builder_ships = set(
        published.filter(persona__slug="builder", verdict="ship").values_list(
            "tool__slug", flat=True
        )
    )
    page.goto("/tools/")
    expect_results(page, ALL_TOOLS)
    mark_page(page)

    page.get_by_label("Skipped by").select_option(label="the Skeptic")
    expect_results(page, len(skeptic_skips))
    page.get_by_label("but shipped by").select_option(label="the Builder")

    expected = skeptic_skips & builder_ships
    expect_results(page, len(expected))
    slugs = card_slugs(page)
    assert "cursor" in slugs
    assert set(slugs) == expected
    for slug in slugs:
        assert reviewed(slug, "skeptic") == "skip", slug
        assert reviewed(slug, "builder") == "ship", slug
    query = query_of(page)
    assert query["skipped"] == ["skeptic"]
    assert query["shipped"] == ["builder"]
    expect_no_reload(page)


def test_a_search_with_no_results_says_so_and_clearing_the_filters_brings_every_tool_back(
    page, live_demo
):
    page.goto("/tools/")
    expect_results(page, ALL_TOOLS)
    filters = page.locator("form#filters")

    filters.get_by_label("Search", exact=True).fill("zzzz nothing")
    filters.get_by_role("button", name="Apply").click()

    expect(page.locator("#results-title")).to_have_text("0 tools for “zzzz nothing”")
    expect(result_cards(page)).to_have_count(0)
    results = page.locator("section#tool-results")
    expect(results).to_contain_text("No tools match “zzzz nothing”.")
    expect_settled(page)  # a click while the results still settle can land on the old ones

    results.get_by_role("link", name="Clear the filters").click()

    expect(page).to_have_url(live_demo.url + "/tools/")
    expect_results(page, ALL_TOOLS)
    expect(filters.get_by_label("Search", exact=True)).to_have_value("")


def test_without_javascript_apply_filters_the_directory_with_a_plain_get(browser, live_demo):
    context = browser.new_context(java_script_enabled=False, base_url=live_demo.url)
    try:
        page = context.new_page()
        page.goto("/tools/")
        expect_results(page, ALL_TOOLS)

        page.get_by_label("Panel verdict").select_option(label="Split panel")
        # Without htmx nothing happens until the form is submitted.
        expect_results(page, ALL_TOOLS)
        with page.expect_navigation():
            page.get_by_role("button", name="Apply").click()

        assert urlsplit(page.url).path == "/tools/"
        assert query_of(page)["verdict"] == ["split"]
        expect_results(page, 4)
        assert set(card_slugs(page)) == SPLIT_TOOLS
        expect(page.get_by_label("Panel verdict")).to_have_value("split")
    finally:
        context.close()


def test_header_search_suggests_a_tool_while_typing_and_the_suggestion_opens_its_page(
    page, live_demo
):
    page.goto("/")
    page.get_by_label("Search tools").press_sequentially("curs")

    suggestion = page.locator("#site-search-suggestions").get_by_role(
        "link", name=re.compile(r"^Cursor\b")
    )
    expect(suggestion).to_be_visible()
    suggestion.click()

    expect(page).to_have_url(live_demo.url + "/tools/cursor/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cursor")


def test_the_compare_with_picker_on_a_tool_page_opens_a_comparison_with_the_chosen_tool(
    page, live_demo
):
    page.goto("/tools/ollama/")
    page.get_by_label("Another tool").press_sequentially("LM Studio")

    suggestion = page.locator("#compare-with-suggestions").get_by_role(
        "link", name="Compare with LM Studio", exact=True
    )
    expect(suggestion).to_be_visible()
    suggestion.click()

    # Ollama vs LM Studio is curated, so the editor's order stands.
    expect(page).to_have_url(live_demo.url + "/compare/ollama-vs-lm-studio/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ollama vs LM Studio")
    expect(comparison_tool_cards(page)).to_have_count(2)


def test_pressing_compare_on_a_tool_page_finds_the_typed_tool_by_name(page, live_demo):
    page.goto("/tools/ollama/")
    page.get_by_label("Another tool").fill("LM Studio")

    page.get_by_role("button", name="Compare", exact=True).click()

    expect(page).to_have_url(live_demo.url + "/compare/ollama-vs-lm-studio/")
    expect(comparison_tool_cards(page)).to_have_count(2)


def test_adding_a_third_tool_to_a_comparison_builds_an_alphabetical_three_way_comparison(
    page, live_demo
):
    page.goto("/compare/ollama-vs-lm-studio/")
    expect(comparison_tool_cards(page)).to_have_count(2)
    add = page.get_by_role("region", name="Add a tool to this comparison")

    add.get_by_label("Tool", exact=True).press_sequentially("Claude Code")
    expect(
        page.locator("#add-tool-suggestions").get_by_role(
            "link", name="Compare with Claude Code", exact=True
        )
    ).to_be_visible()
    add.get_by_role("button", name="Compare", exact=True).click()

    # Not curated: the three slugs in alphabetical order.
    expect(page).to_have_url(live_demo.url + "/compare/claude-code-vs-lm-studio-vs-ollama/")
    heading = page.get_by_role("heading", level=1)
    for name in ("Ollama", "LM Studio", "Claude Code"):
        expect(heading).to_contain_text(name)
    expect(comparison_tool_cards(page)).to_have_count(3)
    expect(page.locator('meta[name="robots"]')).to_have_attribute("content", "noindex")
    # Room for a fourth tool still.
    expect(page.get_by_role("heading", name="Add a tool to this comparison")).to_be_visible()


def test_show_only_differences_hides_identical_rows_in_place_and_brings_them_back(page, live_demo):
    assert set(
        Tool.objects.filter(slug__in=["cursor", "github-copilot", "claude-code"]).values_list(
            "category__name", flat=True
        )
    ) == {"Developer Tools"}
    page.goto(CURATED_THREE)
    expect(decision_row(page, "Category")).to_have_count(1)
    expect(decision_row(page, "Panel verdict")).to_have_count(1)
    switch = page.get_by_label("Show only differences")
    expect(switch).not_to_be_checked()
    mark_page(page)

    switch.check()

    expect(decision_row(page, "Category")).to_have_count(0)
    expect(decision_row(page, "Panel verdict")).to_have_count(1)
    expect(page.locator("section#decision")).to_contain_text(
        "Rows where every tool is the same are hidden."
    )
    expect(page).to_have_url(live_demo.url + CURATED_THREE + "?only=differences")
    expect(page.get_by_label("Show only differences")).to_be_checked()
    expect_no_reload(page)

    page.get_by_label("Show only differences").uncheck()

    expect(decision_row(page, "Category")).to_have_count(1)
    expect(decision_row(page, "Category").get_by_role("cell")).to_have_text(["Developer Tools"] * 3)
    expect(page).not_to_have_url(re.compile(r"only=differences"))
    expect(page.get_by_label("Show only differences")).not_to_be_checked()
    expect_no_reload(page)


def test_the_decision_table_marks_github_copilot_as_the_panel_verdict_leader(page, live_demo):
    page.goto(CURATED_THREE)
    headers = page.locator("section#decision table.decision-table thead th")
    expect(headers).to_have_text(["Criterion", "Cursor", "GitHub Copilot", "Claude Code"])

    cells = decision_row(page, "Panel verdict").get_by_role("cell")
    expect(cells).to_have_count(3)
    cursor, copilot, claude_code = cells.nth(0), cells.nth(1), cells.nth(2)

    expect(copilot).to_have_class(re.compile(r"\bis-leader\b"))
    expect(copilot).to_contain_text("Ship · 4 ship / 0 skip")
    expect(copilot.locator(".leader-badge")).to_have_text("Leads")
    for other, summary in ((cursor, "Split · 2 ship / 2 skip"), (claude_code, "3 ship / 1 skip")):
        expect(other).to_contain_text(summary)
        expect(other).not_to_have_class(re.compile(r"\bis-leader\b"))
        expect(other.locator(".leader-badge")).to_have_count(0)
    expect(decision_row(page, "Panel verdict").locator(".is-leader")).to_have_count(1)
