"""The abuse limits' window arithmetic, the network a per-address limit counts, the figures."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.events.rules import MAX_EVENTS
from chalicelib.limits import rules
from chalicelib.limits.rules import LIMITS, Limit

MINUTE = Limit("test", 10, 60)
instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc))


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


# No deadline: the arithmetic is microseconds; on a 2-core machine shared with other suites a
# deadline measures the neighbours.
@settings(deadline=None)
@given(instants, st.integers(1, 86_400), st.integers(0, 2**32))
def test_a_window_holds_its_instant_is_as_long_as_the_limit_and_starts_on_the_phase(now, seconds, phase):
    limit = Limit("test", 1, seconds)
    w = rules.window(limit, now, phase)

    assert w.start <= now.timestamp() < w.end
    assert w.end - w.start == seconds
    assert (w.start - phase) % seconds == 0


@settings(deadline=None)
@given(instants, st.integers(0, 2**32))
def test_retry_after_lands_in_the_next_window_and_no_later(now, phase):
    w = rules.window(MINUTE, now, phase)
    wait = rules.retry_after(w, now)

    assert 1 <= wait <= 60
    assert rules.window(MINUTE, now + timedelta(seconds=wait), phase).start == w.end
    if wait > 1:  # a second less and the client would still be in the full window
        assert rules.window(MINUTE, now + timedelta(seconds=wait - 1), phase) == w


def test_windows_on_the_boundaries():
    assert rules.window(MINUTE, at(120)) == rules.Window(120, 180)
    assert rules.window(MINUTE, at(179.999)) == rules.Window(120, 180)
    assert rules.window(MINUTE, at(180)) == rules.Window(180, 240)
    assert rules.window(MINUTE, at(125), phase=7) == rules.Window(67, 127)
    assert rules.window(MINUTE, at(127), phase=67) == rules.Window(127, 187)  # the phase is taken modulo
    assert rules.retry_after(rules.Window(120, 180), at(120)) == 60
    assert rules.retry_after(rules.Window(120, 180), at(179.2)) == 1


def test_per_address_limits_count_an_ipv4_address_or_an_ipv6_64():
    assert rules.network("203.0.113.7") == "203.0.113.7"
    assert rules.network("2001:db8:1:2:aaaa::1") == rules.network("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert rules.network("2001:db8:1:3::1") != rules.network("2001:db8:1:2::1")
    assert rules.network("::ffff:203.0.113.7") == "203.0.113.7"
    assert rules.network("") == rules.network("not an address") == "unknown"


def test_the_figures_fit_real_use():
    limits = [getattr(LIMITS, f.name) for f in dataclasses.fields(LIMITS)]
    assert len({limit.scope for limit in limits}) == len(limits)  # scopes are key prefixes: never shared
    assert all("#" not in limit.scope for limit in limits)
    for limit in (LIMITS.events_per_user, LIMITS.events_per_device, LIMITS.anonymous_events_per_address):
        assert limit.count >= 5 * MAX_EVENTS  # several full batches a window
    assert LIMITS.anonymous_events_per_address.count >= 10 * LIMITS.events_per_device.count  # many behind one NAT
    # The simulator logs in several hundred users a minute from one address.
    assert LIMITS.logins_per_address.count / LIMITS.logins_per_address.seconds * 60 >= 1_000
    assert LIMITS.invite_logins_per_address.count < LIMITS.logins_per_address.count
