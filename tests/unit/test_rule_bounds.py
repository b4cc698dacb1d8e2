"""The ranges of the rule books and of the clock hold the arithmetic the routes do with them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import msgspec
import pytest

from chalicelib import bounds, rulebook
from chalicelib.checkin.rules import CheckinRules
from chalicelib.config import china_day
from chalicelib.events import rules as events
from chalicelib.members import rules as members
from chalicelib.referral.rules import ReferralRules, within_window
from chalicelib.wakeup.rules import WakeupRules

# DynamoDB stores numbers of magnitude 1E-130 to 9.9999999999999999999999999999999999999E+125.
DYNAMODB_SMALLEST, DYNAMODB_LARGEST = 1e-130, 9.99e125
EVENTS_ON_TOP = 1e8  # a score is a sum: the largest single term must leave room for this many

BOOKS = [members.MembershipRules, CheckinRules, ReferralRules, events.SegmentRules, WakeupRules]


@pytest.mark.parametrize("kind", BOOKS)
def test_the_defaults_are_within_their_own_bounds(kind):
    assert rulebook.parse("defaults", msgspec.to_builtins(kind()), kind) == kind()


# The instants an event can be stamped with: the clock's window, less the week a client
# clock is trusted back.
EARLIEST, LATEST = bounds.CLOCK_FROM - events.MAX_PAST, bounds.CLOCK_UNTIL + events.MAX_FUTURE


def test_the_clock_window_fits_the_shortest_half_life():
    doublings = max(abs((moment - events.EPOCH).days) for moment in (EARLIEST, LATEST)) / events.MIN_HALF_LIFE_DAYS

    assert doublings <= events.MAX_DOUBLINGS


@pytest.mark.parametrize("half_life", [events.MIN_HALF_LIFE_DAYS, 7.0, events.MAX_HALF_LIFE_DAYS])
def test_scores_stay_inside_dynamodb_numbers_over_the_whole_clock_window(half_life):
    book = events.SegmentRules(half_life_days=half_life)

    largest = events.forward_weight(events.MAX_WEIGHT, LATEST, book) * EVENTS_ON_TOP
    smallest = events.forward_weight(events.MIN_WEIGHT, EARLIEST, book)

    assert largest < DYNAMODB_LARGEST and smallest > DYNAMODB_SMALLEST
    assert events.score_at(largest, LATEST, book) == pytest.approx(events.MAX_WEIGHT * EVENTS_ON_TOP)


def test_a_half_life_of_a_day_is_refused_because_it_overflows_inside_the_window():
    with pytest.raises(OverflowError):  # 1,826 doublings: past a float, let alone DynamoDB
        events.forward_weight(1.0, LATEST, events.SegmentRules(half_life_days=1.0))
    with pytest.raises(msgspec.ValidationError, match="halfLifeDays"):
        msgspec.convert({"halfLifeDays": 1.0}, events.SegmentRules)


def test_a_tiny_weight_is_refused_but_zero_is_a_weight():
    assert msgspec.convert({"weights": {"share": 0}}, events.SegmentRules).weights == {"share": 0.0}
    with pytest.raises(msgspec.ValidationError, match="weights"):
        msgspec.convert({"weights": {"share": 1e-300}}, events.SegmentRules)


@pytest.mark.parametrize("years", [0, 10, None])
def test_point_buckets_have_dates_across_the_clock_window(years):
    book = members.MembershipRules(points_expiry_years=years)
    for moment in (bounds.CLOCK_FROM, bounds.CLOCK_UNTIL):
        bucket = members.bucket_for(china_day(moment), book)
        expires = members.bucket_expires_at(bucket)
        assert expires is None or expires > moment


@pytest.mark.parametrize("shared_at", [
    datetime(bounds.FIRST_YEAR, 1, 1, tzinfo=timezone(timedelta(hours=14))),
    datetime(bounds.LAST_YEAR, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-12))),
])
def test_a_link_at_either_end_of_the_accepted_years_is_outside_the_longest_window(shared_at):
    book = ReferralRules(window_days=365)
    for now in (bounds.CLOCK_FROM, bounds.CLOCK_UNTIL):
        assert within_window(shared_at, now, book) is False
