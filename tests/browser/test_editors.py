from django.core.management import call_command
from playwright.sync_api import expect

from comparisons.models import Status, Tool


def test_an_editor_adds_a_reviewed_tool_publishes_it_and_views_it_on_site(page, live_demo):
    call_command("make_editor", "edith", "--no-input")
    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.get(username="edith")
    editor.set_password("a long editor passphrase")
    editor.save()

    page.goto("/admin/")
    page.get_by_label("Username").fill("edith")
    page.get_by_label("Password").fill("a long editor passphrase")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Tools").first.click()
    page.get_by_role("link", name="Add tool").click()
    # The admin binds the slug's prefill when the page has loaded: typing earlier (seen under a
    # full parallel run) leaves the slug with the first keys only.
    page.wait_for_url("**/admin/comparisons/tool/add/", wait_until="load")

    page.get_by_label("Name:").press_sequentially("Zed Agent")
    expect(page.get_by_label("Slug:")).to_have_value("zed-agent")  # prefilled from the name
    page.get_by_label("Maker:").fill("Zed Industries")
    page.get_by_label("Category:").select_option(label="Developer Tools")
    page.get_by_label("Best for:").fill("An editor with an agent built in")
    page.get_by_label("Description:").fill("A fast editor whose agent edits across files.")
    page.get_by_label("Pricing text:").fill("Free editor; agent usage from $20/mo")
    page.get_by_label("Entry price:").fill("Free")
    page.get_by_label("Pricing model:").select_option(label="Freemium")
    page.get_by_label("Status:").select_option(label="Published")
    for index, (persona, score, verdict) in enumerate(
        [
            ("Builder", "88", "Ship"),
            ("Skeptic", "55", "Skip"),
            ("Futurist", "79", "Ship"),
            ("Founder", "70", "Ship"),
        ]
    ):
        page.locator(f'select[name="reviews-{index}-persona"]').select_option(label=persona)
        page.locator(f'input[name="reviews-{index}-score"]').fill(score)
        page.locator(f'select[name="reviews-{index}-verdict"]').select_option(label=verdict)
        page.locator(f'textarea[name="reviews-{index}-body"]').fill(f"{persona} thinks so.")
    page.get_by_role("button", name="Save and continue editing").first.click()

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert Tool.objects.get(slug="zed-agent").status == Status.PUBLISHED

    page.get_by_role("link", name="View on site").click()
    site = page
    expect(site.get_by_role("heading", level=1)).to_have_text("Zed Agent")
    expect(site.locator(".panel-summary")).to_contain_text("Ship")
    expect(site.get_by_text("Draft — a preview")).to_have_count(0)
