from playwright.sync_api import expect


def test_a_visitor_reads_the_seed_comparison(page, live_demo):
    page.goto("/")
    page.get_by_role("link", name="Code Llama 4 (70B & 400B) vs Mistral 3 Small (22B)").click()

    expect(page).to_have_title(
        "Code Llama 4 (70B & 400B) vs Mistral 3 Small (22B): "
        "Which AI Tool Should You Ship? — Ship or Skip"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Code Llama 4 (70B & 400B) vs Mistral 3 Small (22B)"
    )
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumb).to_contain_text("Compare")

    decision = page.locator("table.decision-table")
    panel_row = decision.get_by_role("row").filter(has_text="Panel verdict")
    expect(panel_row.get_by_role("cell")).to_have_text(
        ["Ship · 4 ship / 0 skip", "Ship · 4 ship / 0 skip"]
    )
    founder = page.get_by_role("region", name="Founder")
    expect(founder.locator(".score")).to_have_text(["74/100 · ship", "72/100 · ship"])

    expect(page.get_by_role("heading", name="Weekly AI Tool Verdicts")).to_be_visible()
    expect(page.get_by_role("complementary", name="Your bookmarks")).to_contain_text(
        "No bookmarks yet"
    )


def test_the_comparison_reads_on_a_phone(browser, live_demo):
    context = browser.new_context(base_url=live_demo.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/compare/code-llama-4-vs-mistral-3-small/")
    # Nothing but the decision table (which scrolls in its own box) may widen the page.
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390
    expect(page.locator(".tool-card").first).to_be_visible()
    context.close()
