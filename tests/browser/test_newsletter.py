from django.core import mail
from playwright.sync_api import expect

from newsletter.models import Subscriber


def test_a_visitor_subscribes_in_place_and_is_asked_to_confirm(page, live_demo):
    page.goto("/compare/code-llama-4-vs-mistral-3-small/")
    page.evaluate("window.__marker = 'still here'")
    signup = page.locator("#newsletter-signup")
    signup.get_by_label("Your e-mail").fill("not an address")
    # The browser's own check would stop a plain submit; ask the server as htmx would.
    signup.evaluate("form => form.setAttribute('novalidate', '')")
    signup.get_by_role("button", name="Subscribe").click()
    expect(page.locator("#newsletter-signup [role=alert]")).to_contain_text(
        "doesn't look like an e-mail address"
    )

    page.locator("#newsletter-signup").get_by_label("Your e-mail").fill("reader@example.com")
    page.locator("#newsletter-signup").get_by_role("button", name="Subscribe").click()
    expect(page.locator("#newsletter-signup")).to_contain_text("Check your inbox to confirm")
    assert page.evaluate("window.__marker") == "still here"
    assert Subscriber.objects.get().confirmed_at is None
    assert mail.outbox[-1].to == ["reader@example.com"]
