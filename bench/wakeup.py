"""The inactivity wake-up on a large population: what it reads grows with who is due, not
with how many users there are. Runs on DynamoDB Local, whose indexes behave like AWS's (moto
answers an index query by scanning the table, which would hide exactly what is measured).

The floor is the due users themselves: a run cannot decide about a user without reading at
least that user's index entry once. Printed: items read per due user, for 10,000 and 100,000.
"""
from __future__ import annotations

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

DUE = 1_000
TEN_AM = datetime(2031, 6, 10, 2, tzinfo=timezone.utc)  # 10:00 in China


def run() -> str:
    from devstack import dynamodb_local
    from devstack.__main__ import LOCAL_ENV

    port = dynamodb_local.free_port()
    os.environ.update(LOCAL_ENV)
    os.environ.update({"HUILIU_TABLE_PREFIX": "huiliu-bench-", "HUILIU_LOG_LEVEL": "WARNING",
                       "HUILIU_DYNAMODB_ENDPOINT": f"http://127.0.0.1:{port}"})
    from devstack.wechat_sandbox import Sandbox, serve

    sandbox = Sandbox(appid=LOCAL_ENV["HUILIU_WECHAT_APPID"], secret=LOCAL_ENV["HUILIU_WECHAT_SECRET"])
    server, url = serve(sandbox)
    os.environ["HUILIU_WECHAT_API_BASE"] = url
    database = dynamodb_local.start(port)
    try:
        from infra.seed import seed
        from infra.tables import create_all

        create_all()
        seed()
        lines = ["inactivity wake-up on DynamoDB Local, 1,000 users due at day 3:"]
        for population, shift in ((10_000, 0), (100_000, 40)):
            lines.append(_measure(sandbox, population, TEN_AM + timedelta(days=shift)))
        return "\n".join(lines)
    finally:
        server.shutdown()
        dynamodb_local.stop(database)


def _measure(sandbox, population: int, now: datetime) -> str:
    from chalicelib.config import china_day
    from chalicelib.events.models import Activity
    from chalicelib.store.roundtrips import counting
    from chalicelib.wakeup import service as wakeup
    from chalicelib.wakeup.models import Consent
    from chalicelib.wechat import get_wechat

    today = china_day(now)
    quiet_days = [d for d in range(10, 29)]  # in no step's window (3-5, 7-9, 30-32 days)
    tag = uuid.uuid4().hex[:6]
    for i in range(DUE):
        sandbox.consent[(sandbox.user(f"b{tag}{i}").openid, "tpl_benefit_arrived")] += 1

    def write(chunk: range) -> None:
        with Activity.batch_write() as users, Consent.batch_write() as consents:
            for i in chunk:
                due = i < DUE
                last = (today - timedelta(days=3 if due else quiet_days[i % len(quiet_days)])).isoformat()
                name = f"b{tag}{i}"
                openid = sandbox.user(name).openid if due else f"o-{name}"
                users.save(Activity(f"u-{name}", first_seen_day="2030-01-01", last_active_day=last,
                                    active_day_set={last}, openid=openid))
                if due:
                    consents.save(Consent(f"u-{name}", "tpl_benefit_arrived", credits=1, last_answer="accept",
                                          openid=openid, updated_at=now))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, [range(i, min(i + 2_500, population)) for i in range(0, population, 2_500)]))
    started = time.perf_counter()
    with counting() as calls:
        report = wakeup.run_inactive(wechat=get_wechat(), now=now)
    seconds = time.perf_counter() - started
    items_read = report.candidates + calls["GetItem"]
    return (f"  {population:>7,} users: {report.candidates} candidates, {items_read} items read "
            f"= {items_read / DUE:.2f}x the due floor (target <= 1.2); {dict(report.decisions)}; {seconds:.1f} s")


if __name__ == "__main__":
    print(run())
