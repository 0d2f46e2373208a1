import pytest

from comparisons.demo import load_demo_content


@pytest.fixture
def demo(db):
    """The demo catalog, as `make run` loads it."""
    load_demo_content()
