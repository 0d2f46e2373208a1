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
