"""The seed comparison in the light and the dark theme, on a phone and a desktop: full-page
screenshots saved to docs/screenshots/ (committed, so a reviewer sees the design without running
anything), and the things a person would notice at once checked on the way."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
COMPARISON = "/compare/code-llama-4-vs-mistral-3-small/"  # the seed comparison (demo content)
TITLE = "Code Llama 4 (70B & 400B) vs Mistral 3 Small (22B)"

DEVICES = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 1,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1},
}

# The page's background colour as the browser paints it, and its relative luminance (WCAG).
BACKGROUND_LUMINANCE = """() => {
    const paint = el => getComputedStyle(el).backgroundColor;
    let colour = paint(document.body);
    if (/rgba\\(.*,\\s*0\\)$/.test(colour) || colour === "transparent") {
        colour = paint(document.documentElement);
    }
    const [r, g, b] = colour.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return {colour, luminance: 0.2126 * r + 0.7152 * g + 0.0722 * b};
}"""


@pytest.mark.parametrize("device", list(DEVICES))
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_comparison_screenshot(new_context, live_demo, theme, device):
    context = new_context(color_scheme=theme, reduced_motion="reduce", **DEVICES[device])
    page = context.new_page()
    page.goto(COMPARISON, wait_until="networkidle")  # the bookmarks panel loads after the page
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("button", name="Ship", exact=True)).to_have_count(2)

    # The theme is the one asked for: a light page in light, a dark page in dark.
    background = page.evaluate(BACKGROUND_LUMINANCE)
    if theme == "light":
        assert background["luminance"] > 0.6, f"light theme, page background {background}"
    else:
        assert background["luminance"] < 0.1, f"dark theme, page background {background}"

    # Nothing runs off the side: no horizontal scrolling of the page itself.
    width = DEVICES[device]["viewport"]["width"]
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= width, f"{device}: the page is {scroll_width}px wide in a {width}px view"

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"comparison-{theme}-{device}.png", full_page=True)
