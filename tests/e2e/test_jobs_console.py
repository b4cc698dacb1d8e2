"""任务 over HTTP: every scheduled job with its schedule, last runs and checkpoint; a marketer runs
one now and sees the run; a second run by hand while one is under way is 409; an analyst reads
and is refused."""
from __future__ import annotations

from chalice.app import ScheduledEventConfig

import app as application
from chalicelib import job_runs
from chalicelib.api import job_views
from chalicelib.operators import roles
from tests.e2e.test_operators import Console, code, operator, own_address  # noqa: F401  (the fixture)


def test_the_schedules_shown_are_the_apps():
    scheduled = {s.name: s.schedule_expression for s in application.app.event_sources if isinstance(s, ScheduledEventConfig)}
    assert {name: expr.to_string() if hasattr(expr, "to_string") else expr for name, expr in scheduled.items()} \
        == job_views.SCHEDULES


def test_a_marketer_runs_a_job_now_and_sees_the_run_listed(api):
    marketer = Console(api, operator(roles.MARKETER))
    listed = marketer.call("GET", "/operator/jobs")
    assert listed.status_code == 200, listed.text
    assert [j["job"] for j in listed.json["jobs"]] == list(job_views.SCHEDULES)
    ran = marketer.call("POST", "/operator/jobs/groupbuy-close")
    assert ran.status_code == 200, ran.text
    after = {j["job"]: j for j in marketer.call("GET", "/operator/jobs").json["jobs"]}
    newest = after["groupbuy-close"]["runs"][0]
    assert newest["trigger"] == marketer.login["operator"]["name"] and newest["outcome"] == "done"
    assert newest["report"] == ran.json["report"] and newest["finishedAt"] >= newest["startedAt"]
    assert after["groupbuy-close"]["schedule"] == "rate(5 minutes)"
    # The lease ended with the run: a second run by hand is admitted.
    assert marketer.call("POST", "/operator/jobs/groupbuy-close").status_code == 200


def test_a_run_by_hand_while_one_is_under_way_is_409(api):
    from datetime import datetime, timezone

    marketer = Console(api, operator(roles.MARKETER))
    job_runs.lease("alerts-evaluate", now=datetime.now(timezone.utc), seconds=60, holder="another operator#1")
    try:
        busy = marketer.call("POST", "/operator/jobs/alerts-evaluate")
        assert busy.status_code == 409 and code(busy) == "JOB_RUNNING"
        assert busy.json["error"]["message"].startswith("该任务正在运行")
    finally:
        job_runs.release("alerts-evaluate", holder="another operator#1")
    assert marketer.call("POST", "/operator/jobs/alerts-evaluate").status_code == 200


def test_an_unknown_job_is_404_and_an_analyst_only_reads(api):
    marketer, analyst = Console(api, operator(roles.MARKETER)), Console(api, operator(roles.ANALYST))
    assert code(marketer.call("POST", "/operator/jobs/no-such-job")) == "NOT_FOUND"
    assert analyst.call("GET", "/operator/jobs").status_code == 200
    refused = analyst.call("POST", "/operator/jobs/groupbuy-close")
    assert refused.status_code == 403 and code(refused) == "OPERATOR_FORBIDDEN"
