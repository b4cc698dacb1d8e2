"""One simulated day after another against the running local stack, over HTTP.

The day, in China time: 10:00 the inactivity wake-up, 11:00 the post-purchase chain, then the
morning's visits; 16:00 and 20:00 the cart journey (and at 20:00 the check-in reminder), then
the evening's visits; group-buy closes through the day; at 00:30 the rollup of the day that
ended, at 01:30 the alert rules over it. Each visit is what a mini-program session does: open the
home page (the first time, the privacy notice: who agrees gets an anonymous id, and the page view
is kept under it; the others' is only counted), log in with a fresh ``wx.login`` code and that id,
open the shop, send events, maybe check in, accept subscribe messages, view and cart a product,
share, help a friend's bargain or join their group, and sometimes buy (phone number first, best
coupon, the merchant's order system locking and consuming it, the payment).
"""
from __future__ import annotations

import itertools
import random
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from devstack.simulation.client import OPERATOR, SERVER, Client, Unexpected
from devstack.simulation.population import Person, Population

CHINA = timezone(timedelta(hours=8))
TEMPLATES = ("tpl_benefit_arrived", "tpl_cart_reminder", "tpl_checkin_reminder")  # WeChat asks for 3 at most
PRIVACY_VERSION = "sim-1"
# (China time, jobs run then); visits happen at the "visits" marks.
SCHEDULE = (
    (time(10, 0), ("wakeup-inactive", "groupbuy-close")),
    (time(11, 0), ("wakeup-post-purchase",)),
    (time(11, 30), "visits"),
    (time(16, 0), ("wakeup-cart", "groupbuy-close")),
    (time(20, 0), ("wakeup-habit", "wakeup-cart")),
    (time(20, 30), "visits"),
    (time(23, 30), ("groupbuy-close",)),
)


@dataclass
class Shared:
    """What one visitor leaves for others: open bargains and groups, invitations for tomorrow."""

    bargains: list[tuple[str, str]] = field(default_factory=list)  # (bargain id, owner name)
    groups: list[tuple[str, str]] = field(default_factory=list)  # (group id, leader name)
    invites: list[str] = field(default_factory=list)  # invite codes of yesterday's shares
    lock: threading.Lock = field(default_factory=threading.Lock)


class World:
    def __init__(self, api: Client, wechat: Client, population: Population, *, first_day: date, workers: int,
                 seed: int) -> None:
        self.api, self.wechat, self.population = api, wechat, population
        self.first_day, self.workers = first_day, workers
        self.rng = random.Random(seed)
        self.shared = Shared()
        self.catalog: list[dict] = []
        self.run = population.run
        self.orders = itertools.count(1)
        self.messages_seen = 0
        self.sent_messages = 0

    # --- the campaign this run sells with -----------------------------------------------------
    def prepare(self, holdout_percent: int) -> None:
        """Offers valid over the simulated weeks (the demo seed's start today), and the universal
        control group the journeys-on vs -off comparison needs."""
        start = datetime.combine(self.first_day - timedelta(days=1), time(0), CHINA).isoformat()
        end = datetime.combine(self.first_day + timedelta(days=400), time(0), CHINA).isoformat()
        call = self.api.call
        call("operator-templates-create", "POST", "/operator/coupon-templates", {
            "templateId": f"{self.run}-cash", "name": "模拟 满50减8", "kind": "threshold", "amount": 800,
            "threshold": 5000, "channel": "claim", "validDays": 14, "perUserLimit": 3}, headers=OPERATOR)
        call("operator-groupbuy-create", "POST", "/operator/groupbuy/activities", {
            "activityId": f"{self.run}-gb", "name": "模拟 坚果两人团", "productId": "p-nuts", "originalPrice": 8990,
            "groupPrice": 5990, "size": 2, "startsAt": start, "endsAt": end, "timeLimitMinutes": 24 * 60,
            "perUserLimit": 3}, headers=OPERATOR)
        call("operator-bargain-create", "POST", "/operator/bargain/campaigns", {
            "campaignId": f"{self.run}-bg", "name": "模拟 牛肉干砍价", "productId": "p-jerky", "originalPrice": 5990,
            "floorPrice": 990, "helpers": 4, "startsAt": start, "endsAt": end, "durationMinutes": 48 * 60,
            "perUserLimit": 2}, headers=OPERATOR)
        rules = call("operator-rules-get", "GET", "/operator/rules/wakeup", headers=OPERATOR).body["rules"] or {}
        call("operator-rules-put", "PUT", "/operator/rules/wakeup", {**rules, "globalHoldoutPercent": holdout_percent},
             headers=OPERATOR)
        self.catalog = call("shop", "GET", "/shop").body["products"]

    # --- the day -----------------------------------------------------------------------------------
    def day(self, index: int, arrivals: int) -> None:
        today = self.first_day + timedelta(days=index)
        born = self.population.arrive(index, arrivals)
        with self.shared.lock:
            invites, self.shared.invites = self.shared.invites, []
        for code in invites:  # yesterday's shares bring their friends today
            born += self.population.arrive(index, 1, invited_by=code)
        visited: set[str] = set()
        for at, what in SCHEDULE:
            self.clock(today, at)
            if what == "visits":
                self.visits(index, visited, morning=at.hour < 12)
            else:
                for job in what:
                    self.api.call(f"job:{job}", "POST", f"/operator/jobs/{job}", headers=OPERATOR)
                self.deliver(index)
        self.clock(today + timedelta(days=1), time(0, 30))
        self.api.call("job:metrics-rollup", "POST", "/operator/jobs/metrics-rollup", headers=OPERATOR)
        # 01:30: the alert rules over the days the rollup finished (预警; the seed holds one).
        self.clock(today + timedelta(days=1), time(1, 30))
        self.api.call("job:alerts-evaluate", "POST", "/operator/jobs/alerts-evaluate", headers=OPERATOR)

    def clock(self, day: date, at: time) -> None:
        instant = datetime.combine(day, at, CHINA).astimezone(timezone.utc)
        self.api.call("operator-clock-set", "PUT", "/operator/clock", {"now": instant.isoformat()}, headers=OPERATOR)

    def deliver(self, index: int) -> None:
        """What the WeChat sandbox delivered since the last look reaches the people it was for."""
        messages = self.wechat.call("sandbox", "GET", "/sandbox/messages").body["messages"]
        people = self.population.by_name()
        for m in messages[self.messages_seen:]:
            person = people.get(m["user"])
            if person is not None:
                person.messaged.add(index)
        self.sent_messages += len(messages) - self.messages_seen
        self.messages_seen = len(messages)

    def visits(self, index: int, visited: set[str], *, morning: bool) -> None:
        due = []
        for p in self.population.people:
            if p.name in visited or p.arrived > index:
                continue
            # Half of the day's visitors come in the morning; a message at 16:00/20:00 can still bring one in.
            if p.visits_today(index, self.rng) and (not morning or self.rng.random() < 0.5 or p.arrived == index):
                due.append(p)
        visited.update(p.name for p in due)
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            list(pool.map(lambda p: self.visit(p, index), due))

    # --- one session -------------------------------------------------------------------------------
    def visit(self, p: Person, index: int) -> None:
        rng = random.Random(f"{p.name}:{index}")
        try:
            self.home_before_login(p)
            self.login(p)
            self.api.call("shop", "GET", "/shop")
            if rng.random() < 0.45:
                self.api.call("checkin", "POST", "/checkin", {}, token=p.token)
                if p.visits == 0 and rng.random() < p.consent / 2:  # 签到提醒: the habit journey's audience
                    self.api.call("checkin-reminder", "POST", "/checkin/reminder", {"enabled": True}, token=p.token)
            self.check_bargains(p)
            if p.visits == 0 or rng.random() < 0.25:
                self.subscribe(p, rng)
            product = rng.choice(self.catalog)
            self.api.call("product", "GET", f"/products/{product['productId']}")
            cart = [product["productId"]]
            self.events(p, [("product_view", {"productId": product["productId"], "category": product["category"]})])
            carted = rng.random() < 0.4
            if carted:
                self.events(p, [("add_to_cart", {"cart": cart})])
            if rng.random() < p.helpful * 0.6:
                self.help_a_friend(p, rng)
            if rng.random() < p.share:
                self.share(p, rng)
            coupon_in_hand = index in p.messaged or index - 1 in p.messaged
            if rng.random() < p.buy * (2.0 if coupon_in_hand else 1.0) * (1.5 if carted else 1.0):
                self.buy(p, product, rng)
            elif rng.random() < 0.03:
                self.start_bargain(p)
            elif rng.random() < 0.03:
                self.open_group(p)
            p.visits += 1
            p.last_visit = index
        except Unexpected:
            pass  # already counted as an error; the person's session ends there

    def home_before_login(self, p: Person) -> None:
        if p.privacy and p.anonymous_id is None:
            agreed = {"agreed": True, "version": PRIVACY_VERSION}
            p.anonymous_id = self.api.call("auth-anonymous", "POST", "/auth/anonymous", agreed).body["anonymousId"]
        body: dict = {"events": [{"id": uuid.uuid4().hex, "name": "page_view", "props": {"page": "home"}}]}
        if p.anonymous_id:  # becomes the user's at login; without it, only counted
            body["anonymousId"] = p.anonymous_id
        self.api.call("events", "POST", "/events", body)

    def login(self, p: Person) -> None:
        body: dict = {"code": f"demo:{p.name}:{uuid.uuid4().hex[:8]}"}
        if p.anonymous_id:  # the visitor's events and agreement become the user's
            body["anonymousId"] = p.anonymous_id
        if p.invited_by and p.user_id is None:
            body["invite"] = {"code": p.invited_by}
        answer = self.api.call("auth-login", "POST", "/auth/login", body, ok=(401,))
        if answer.status == 401:  # the code was spent by an attempt that then failed: wx.login again, as told
            body["code"] = f"demo:{p.name}:{uuid.uuid4().hex[:8]}"
            answer = self.api.call("auth-login", "POST", "/auth/login", body)
        p.token, p.user_id = answer.body["token"], answer.body["user"]["id"]
        p.purchase_token = None  # a new session: the phone is asked again only when needed

    def purchase_level(self, p: Person) -> str:
        if p.purchase_token is None:
            answer = self.api.call("auth-phone", "POST", "/auth/phone", {"code": f"phone:{p.name}:{uuid.uuid4().hex[:8]}"},
                                   token=p.token, ok=(422,))
            if answer.status == 422:  # PHONE_CODE_INVALID: the button is tapped again for a new code
                answer = self.api.call("auth-phone", "POST", "/auth/phone",
                                       {"code": f"phone:{p.name}:{uuid.uuid4().hex[:8]}"}, token=p.token)
            p.purchase_token = answer.body["token"]
        return p.purchase_token

    def events(self, p: Person, items: list[tuple[str, dict]]) -> None:
        batch = [{"id": uuid.uuid4().hex, "name": name, "props": props} for name, props in items]
        self.api.call("events", "POST", "/events", {"events": batch}, token=p.token)

    def subscribe(self, p: Person, rng: random.Random) -> None:
        answers = {t: ("accept" if rng.random() < p.consent else "reject") for t in TEMPLATES}
        self.api.call("subscriptions", "POST", "/subscriptions", {"results": answers}, token=p.token)
        for template, answer in answers.items():  # what WeChat itself records when the user taps accept
            if answer == "accept":
                self.wechat.call("sandbox", "POST", "/sandbox/consent", {"user": p.name, "templateId": template})

    def share(self, p: Person, rng: random.Random) -> None:
        self.events(p, [("share", {"page": "home"})])
        if p.invite_code is None:
            p.invite_code = self.api.call("referral-me", "GET", "/referral/me", token=p.token).body["code"]
        friends = sum(rng.random() < 0.35 for _ in range(3))
        with self.shared.lock:
            self.shared.invites += [p.invite_code] * friends

    def buy(self, p: Person, product: dict, rng: random.Random) -> None:
        token = self.purchase_level(p)
        if rng.random() < 0.35:
            self.api.call("coupons-claim", "POST", "/coupons/claim", {"templateId": f"{self.run}-cash"}, token=token,
                          headers={"Idempotency-Key": uuid.uuid4().hex}, ok=(409,))
        qty = 1 if product["price"] >= 5000 else 2
        self.events(p, [("checkout_start", {"cart": [product["productId"]]})])
        quote = self.api.call("coupons-best", "POST", "/coupons/best",
                              {"lines": [{"productId": product["productId"], "qty": qty}]}, token=token).body
        order = self.order_id()
        best = quote.get("best")
        if best:
            line = {"productId": product["productId"], "category": product["category"], "price": product["price"], "qty": qty}
            self.api.call("server-coupon-lock", "POST", f"/server/coupons/{best['couponId']}/lock",
                          {"userId": p.user_id, "orderId": order, "lines": [line]}, headers=SERVER)
        self.pay(p, order, int(quote["payable"]))
        if best:
            self.api.call("server-coupon-consume", "POST", f"/server/coupons/{best['couponId']}/consume",
                          {"userId": p.user_id, "orderId": order}, headers=SERVER)

    def order_id(self) -> str:
        return f"{self.run}-o{next(self.orders)}"

    def pay(self, p: Person, order: str, amount: int) -> None:
        self.api.call("server-order-paid", "POST", f"/server/orders/{order}/paid", {"userId": p.user_id, "amount": amount},
                      headers=SERVER)

    def start_bargain(self, p: Person) -> None:
        answer = self.api.call("bargain-start", "POST", f"/bargain/{self.run}-bg", token=self.purchase_level(p),
                               headers={"Idempotency-Key": uuid.uuid4().hex}, ok=(409,))
        if answer.status == 201:
            p.bargains.append(answer.body["bargainId"])
            with self.shared.lock:
                self.shared.bargains.append((answer.body["bargainId"], p.name))

    def open_group(self, p: Person) -> None:
        answer = self.api.call("groupbuy-open", "POST", f"/groupbuy/{self.run}-gb/groups", {},
                               token=self.purchase_level(p), ok=(409,))
        if answer.status < 300:
            self.pay_group(p, answer.body)
            with self.shared.lock:
                self.shared.groups.append((answer.body["groupId"], p.name))

    def pay_group(self, p: Person, joined: dict) -> None:
        order = self.order_id()
        self.events(p, [("checkout_start", {"cart": []})])
        # 409: the group's deadline passed between the join and the payment; the merchant refunds it.
        paid = self.api.call("server-groupbuy-paid", "POST", f"/server/groupbuy/orders/{joined['orderRef']}/paid",
                             {"orderId": order}, headers=SERVER, ok=(409,))
        if paid.status == 200:
            self.pay(p, order, int(joined["price"]))

    def help_a_friend(self, p: Person, rng: random.Random) -> None:
        with self.shared.lock:
            bargains = [b for b in self.shared.bargains if b[1] != p.name]
            groups = [g for g in self.shared.groups if g[1] != p.name]
        if bargains and rng.random() < 0.6:
            bargain_id, _ = rng.choice(bargains)
            answer = self.api.call("bargain-help", "POST", f"/bargain/{bargain_id}/help", {}, token=p.token, ok=(409,))
            if answer.status == 200 and answer.body["complete"]:
                with self.shared.lock:  # the owner finds out on their next visit
                    self.shared.bargains = [b for b in self.shared.bargains if b[0] != bargain_id]
        elif groups:
            group_id, _ = rng.choice(groups)
            answer = self.api.call("groupbuy-join", "POST", f"/groupbuy/groups/{group_id}/join", {},
                                   token=self.purchase_level(p), ok=(409,))
            if answer.status < 300:
                self.pay_group(p, answer.body)
            with self.shared.lock:  # full or closed now, or joined: nobody else needs to try it
                self.shared.groups = [g for g in self.shared.groups if g[0] != group_id]

    def check_bargains(self, p: Person) -> None:
        """The owner opens their bargain's card; at the floor price they buy it."""
        for bargain_id in list(p.bargains):
            card = self.api.call("bargain-card", "GET", f"/bargain/{bargain_id}", token=p.token).body
            if card["state"] == "active" and card["secondsLeft"] > 0:
                continue
            p.bargains.remove(bargain_id)
            if card["state"] != "complete":
                continue
            bought = self.api.call("bargain-buy", "POST", f"/bargain/{bargain_id}/buy", token=self.purchase_level(p))
            order = self.order_id()
            self.events(p, [("checkout_start", {"cart": [card["productId"]]})])
            self.api.call("server-bargain-purchased", "POST", f"/server/bargain/{bargain_id}/purchased",
                          {"orderId": order}, headers=SERVER)
            self.pay(p, order, int(bought.body["price"]))

