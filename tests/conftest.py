import pytest

from comparisons.demo import load_demo_content


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing is deliberately slow; tests check behaviour, not key stretching."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    """The demo catalog, as `make run` loads it."""
    load_demo_content()


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Each test starts with no cached pages (rolled-back tests can share catalog versions)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def change_feed(monkeypatch):
    """A listening change feed where the page cache reads it, as in every gunicorn worker.
    It hears only committed changes: tests that expect it to see writes use transaction=True."""
    from comparisons.changefeed import ChangeFeed

    live = ChangeFeed()
    monkeypatch.setattr("comparisons.pagecache.feed", live)
    live.start()
    assert live.wait_until_listening(), "the change feed did not connect"
    yield live
    live.stop()
