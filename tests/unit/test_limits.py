import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from throttle import limits
from throttle.limits import Rate


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("30/m", Rate(30, 60)),
        ("5/15m", Rate(5, 900)),
        ("1000/h", Rate(1000, 3600)),
        ("3/s", Rate(3, 1)),
        ("10/d", Rate(10, 86400)),
    ],
)
def test_rates_read_like_count_per_period(text, rate):
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["", "30", "thirty/m", "30/week", "-1/m"])
def test_a_malformed_rate_is_a_configuration_error(text):
    with pytest.raises(ImproperlyConfigured):
        Rate.parse(text)


@pytest.mark.django_db
def test_a_key_is_allowed_up_to_its_limit_then_refused_until_the_window_passes(monkeypatch):
    rate = Rate(3, 60)
    monkeypatch.setattr(limits.time, "time", lambda: 6000.0)
    assert [limits.hit("k", rate) for _ in range(4)] == [True, True, True, False]
    assert limits.exceeded("k", rate)
    monkeypatch.setattr(limits.time, "time", lambda: 6060.0)  # the next window
    assert not limits.exceeded("k", rate)
    assert limits.hit("k", rate)


@pytest.mark.django_db
def test_keys_are_counted_separately():
    rate = Rate(1, 60)
    assert limits.hit("a", rate) and limits.hit("b", rate)
    assert not limits.hit("a", rate)


def test_a_malformed_rate_setting_fails_the_system_check(settings):
    from throttle.checks import check_rates

    settings.SHIPSKIP_VOTE_RATE = "lots"
    errors = check_rates(None)
    assert [error.id for error in errors] == ["throttle.E001"]
    assert "SHIPSKIP_VOTE_RATE" in errors[0].msg


@pytest.mark.django_db
def test_hit_all_counts_every_key_and_refuses_when_any_is_over(monkeypatch):
    monkeypatch.setattr(limits.time, "time", lambda: 12000.0)
    tight, loose = Rate(1, 60), Rate(100, 60)
    assert limits.hit_all([("voter", tight), ("address", loose)])
    assert not limits.hit_all([("voter", tight), ("address", loose)])
    assert limits.hit_all([("other-voter", tight), ("address", loose)])
    assert not limits.exceeded("address", Rate(4, 60))  # counted three times
    assert limits.exceeded("address", Rate(3, 60))


@pytest.mark.django_db
def test_purging_removes_only_counters_whose_window_has_ended(monkeypatch):
    minute, hour = Rate(1, 60), Rate(1, 3600)
    monkeypatch.setattr(limits.time, "time", lambda: 7200.0)
    limits.hit_all([("vote:voter:anon:old", minute), ("login:address:x", hour)])
    monkeypatch.setattr(limits.time, "time", lambda: 7290.0)  # the minute is over, the hour not
    limits.hit("vote:voter:anon:new", minute)
    assert limits.purge_expired() == 1
    assert not limits.hit("login:address:x", hour)  # still refused: its window still counts
    assert not limits.hit("vote:voter:anon:new", minute)
    monkeypatch.setattr(limits.time, "time", lambda: 10800.0)  # both windows over
    out = io.StringIO()
    call_command("purge_rate_limits", stdout=out)
    assert out.getvalue() == "Removed 2 expired rate-limit counters.\n"
