"""A keyboard-only visitor votes on a tool page: Tab to the Ship button, see where focus is,
press Enter, hear the result. No mouse and no element.click() anywhere."""

from playwright.sync_api import Locator, Page, expect

SLUG = "code-llama-4"
TOOL_PAGE = f"/tools/{SLUG}/"
MAX_TABS = 150  # far more stops than the page has before its vote widget

FOCUS_STYLE = """el => {
    const style = getComputedStyle(el);
    return {
        focusVisible: el.matches(":focus-visible"),
        outlineStyle: style.outlineStyle,
        outlineWidth: style.outlineWidth,
        outlineColor: style.outlineColor,
        boxShadow: style.boxShadow,
    };
}"""


def tab_to(page: Page, target: Locator) -> list[str]:
    """Press Tab until ``target`` has focus; returns what got focus on the way (for the message)."""
    visited = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return visited
        visited.append(
            page.evaluate(
                """() => {
                    const el = document.activeElement;
                    const name = (el.getAttribute("aria-label") || el.textContent || "").trim();
                    return `${el.tagName.toLowerCase()} ${name.slice(0, 40)}`;
                }"""
            )
        )
    raise AssertionError(
        f"{MAX_TABS} presses of Tab never reached the Ship button; focus went to: {visited}"
    )


def test_a_keyboard_user_tabs_to_ship_and_votes_with_enter(page, live_demo):
    page.goto(TOOL_PAGE)
    widget = page.locator(f"#vote-{SLUG}")
    ship = page.get_by_role("button", name="Ship", exact=True)
    expect(ship).to_have_count(1)
    expect(ship).to_have_attribute("aria-pressed", "false")
    figure = widget.locator(f".community-figure--{SLUG}")
    count_before = figure.inner_text()
    page.evaluate("window.__keyboardMarker = 'no reload'")

    tab_to(page, ship)

    focus = ship.evaluate(FOCUS_STYLE)
    assert focus["focusVisible"], focus
    has_outline = (
        focus["outlineStyle"] != "none"
        and focus["outlineWidth"] not in ("0px", "")
        and not focus["outlineColor"].replace(" ", "").endswith(",0)")  # not transparent
    )
    has_ring = focus["boxShadow"] not in ("none", "")
    assert has_outline or has_ring, f"the focused Ship button shows no focus indicator: {focus}"

    page.keyboard.press("Enter")

    live_region = page.locator("#live-region")
    expect(live_region).to_have_attribute("aria-live", "polite")
    expect(live_region).to_contain_text("Ship vote counted")
    expect(ship).to_have_attribute("aria-pressed", "true")
    expect(figure).not_to_have_text(count_before)
    expect(figure).to_have_text("1 vote so far")
    assert page.evaluate("window.__keyboardMarker") == "no reload", "the page reloaded"
    assert page.url.endswith(TOOL_PAGE)


def test_focus_stays_on_the_vote_button_after_voting(page, live_demo):
    """htmx swaps the whole vote form; the new button has the old one's id, so htmx gives it the
    focus back and a keyboard user goes on from where they were, not from the top of the page."""
    page.goto(TOOL_PAGE)
    ship = page.get_by_role("button", name="Ship", exact=True)
    tab_to(page, ship)

    page.keyboard.press("Space")

    expect(ship).to_have_attribute("aria-pressed", "true")
    expect(ship).to_be_focused()
