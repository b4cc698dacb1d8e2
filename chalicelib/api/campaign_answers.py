"""What the 活动 functions answer (``chalicelib.api.campaign_views``), for the OpenAPI document;
named by reference, so only the generator and the tests import this module. Money in fen."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalicelib.api.answers import Answer

State = Literal["scheduled", "live", "paused", "ended"]


class Settings(Answer):
    name: str
    product_id: str
    original_price: int
    starts_at: datetime
    ends_at: datetime  # an end by an operator sets it to the moment of the end
    per_user_limit: int
    state: State  # ended (by time or by an operator) > paused > scheduled > live
    ended_at: datetime | None  # when an operator ended it
    version: int  # goes up with every change: an edit names the one it was made on


class Activity(Settings):
    activity_id: str
    group_price: int
    size: int
    time_limit_minutes: int
    pay_minutes: int
    stock: int | None  # groups that may be opened; None: unlimited
    stock_left: int | None
    new_users_only: bool
    leader_coupon: str | None
    virtual_fill_share: int | None
    opened: int  # groups opened
    succeeded: int  # groups that succeeded


class Activities(Answer):
    activities: list[Activity]


class Bargain(Settings):
    campaign_id: str
    floor_price: int
    helpers: int
    duration_minutes: int
    helper_daily_cap: int
    new_user_bonus: bool
    buy_at_current: bool
    started: int  # bargains started
    bought: int  # bargains paid for


class Bargains(Answer):
    campaigns: list[Bargain]
