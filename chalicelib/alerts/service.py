"""Alert rules kept by operators, evaluated after the nightly rollup, sent to the owner's WeCom robot.

``evaluate`` (the ``alerts-evaluate`` job, scheduled after ``metrics-rollup``) reads the rows of
the days the rollup has finished (its checkpoint), finds each enabled rule's breach still going
on, fires it with a put conditioned on the breach's name not existing (a re-run, or a second
evaluator racing, fires nothing new), then sends what is pending: each send claimed by a
conditional update first, so two runs never send one alert twice; a failure goes back to
pending for the next run. A run killed between the claim and WeCom's answer leaves ``sending``;
after ``CLAIM_MINUTES`` a later run takes it again (the one way a message could go twice).
"""
from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from time import monotonic
from typing import Any

import msgspec
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib import config, errors, jobs, messages
from chalicelib.alerts import rules, webhook
from chalicelib.alerts.models import RULE, SETTINGS, STREAM, WEBHOOK, AlertRule, FiredAlert
from chalicelib.metrics.models import COHORT, DAY, MetricRow
from chalicelib.store import transactions

log = logging.getLogger(__name__)

ROLLUP_JOB = "metrics-rollup"
COUNT = "#count"  # kind rule: how many rules exist (created under a condition: at most MAX_RULES)
CLAIM_MINUTES = 15
MAX_ATTEMPTS = 10  # runs that try one alert before it is given up
RETRY_DAYS = 7  # an alert not sent within this many days of firing stays unsent
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
BATCH_KEYS = 100
CURSOR = re.compile(r"\d{4}-\d{2}-\d{2}#r[0-9a-f]{12}#\d{1,9}")


# --- rules ---------------------------------------------------------------------------------------
def parse(body: Any) -> rules.AlertSpec:
    try:
        return msgspec.convert(body, rules.AlertSpec)
    except (msgspec.ValidationError, ValueError, TypeError) as exc:
        raise errors.ValidationFailed(messages.text("ALERT_RULE_INVALID") + rules.why(exc)) from exc


def rule_json(item: AlertRule) -> dict[str, Any]:
    return {"ruleId": item.rule_id, **json.loads(item.spec), "revision": int(item.revision),
            "updatedAt": config.iso(item.updated_at), "updatedBy": item.updated_by}


def list_rules() -> list[dict[str, Any]]:
    return [rule_json(i) for i in AlertRule.query(RULE, consistent_read=True) if i.rule_id != COUNT]


def rule(rule_id: str) -> AlertRule:
    try:
        item = AlertRule.get(RULE, rule_id, consistent_read=True)
    except DoesNotExist as exc:
        raise errors.AlertRuleNotFound() from exc
    if item.rule_id == COUNT:
        raise errors.AlertRuleNotFound()
    return item


def create_rule(spec: rules.AlertSpec, *, by: str, now: datetime) -> dict[str, Any]:
    """One transaction: the count of rules under ``MAX_RULES``, and the new rule."""
    item = AlertRule(RULE, "r" + secrets.token_hex(6), spec=_dump(spec), revision=1, enabled=spec.enabled,
                     updated_at=now, updated_by=by)
    tx = transactions.Transaction()
    tx.update("count", AlertRule(RULE, COUNT), [AlertRule.revision.add(1)],
              condition=AlertRule.revision.does_not_exist() | (AlertRule.revision < rules.MAX_RULES))
    tx.save("rule", item, condition=AlertRule.rule_id.does_not_exist())
    try:
        tx.commit()
    except transactions.Cancelled as exc:
        if "count" in exc.failed:
            raise errors.AlertRulesFull() from exc
        raise errors.StorageUnavailable(retry_after=1) from exc
    return rule_json(item)


def update_rule(rule_id: str, spec: rules.AlertSpec, *, by: str, now: datetime) -> dict[str, Any]:
    """A new revision: a breach going on fires again once under the rule as it now reads."""
    item = AlertRule(RULE, rule_id)
    try:
        item.update(actions=[AlertRule.spec.set(_dump(spec)), AlertRule.revision.add(1),
                             AlertRule.enabled.set(spec.enabled), AlertRule.updated_at.set(now),
                             AlertRule.updated_by.set(by)],
                    condition=AlertRule.spec.exists())
    except UpdateError as exc:
        if _failed_condition(exc):
            raise errors.AlertRuleNotFound() from exc
        raise
    return rule_json(item)


def delete_rule(rule_id: str) -> None:
    if rule_id == COUNT:
        raise errors.AlertRuleNotFound()
    tx = transactions.Transaction()
    tx.delete("rule", AlertRule(RULE, rule_id), condition=AlertRule.spec.exists())
    tx.update("count", AlertRule(RULE, COUNT), [AlertRule.revision.add(-1)], condition=AlertRule.revision > 0)
    try:
        tx.commit()
    except transactions.Cancelled as exc:
        raise errors.AlertRuleNotFound() from exc


def _dump(spec: rules.AlertSpec) -> str:
    return msgspec.json.encode(spec).decode()


def _failed_condition(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


# --- the owner's webhook -------------------------------------------------------------------------
def webhook_url() -> str | None:
    try:
        return AlertRule.get(SETTINGS, WEBHOOK, consistent_read=True).webhook_url
    except DoesNotExist:
        return None


def set_webhook(url: str | None, *, by: str, now: datetime) -> dict[str, Any]:
    if url is not None:
        problem = rules.webhook_problem(url, local=config.stage() == "local")
        if problem is not None:
            raise errors.AlertWebhookInvalid()
        AlertRule(SETTINGS, WEBHOOK, webhook_url=url, updated_at=now, updated_by=by).save()
    else:
        AlertRule(SETTINGS, WEBHOOK).delete()
    return webhook_json(url)


def webhook_json(url: str | None) -> dict[str, Any]:
    return {"configured": url is not None, "url": rules.masked(url)}


# --- evaluation ------------------------------------------------------------------------------------
@dataclass
class Run:
    final: str | None = None  # the last day the rollup finished
    rules: int = 0
    fired: int = 0
    sent: int = 0
    failed: int = 0
    stopped: str | None = None  # "time": the budget ran out; "rate_limited": WeCom said 45009
    notes: list[str] = field(default_factory=list)


def final_day() -> date | None:
    """The last China day whose rows are final: the rollup's checkpoint ``<day>|~`` (done) or
    ``<day>|<shard>`` (that day under way: the one before)."""
    saved = jobs.cursor(ROLLUP_JOB) or ""
    day_text, _, position = saved.partition("|")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return None
    return day if position == "~" else day - timedelta(days=1)


def evaluate(now: datetime, stop_at: float | None = None, *, final: date | None = None) -> dict:
    """``final``: the last day whose rows are final (by default the rollup's checkpoint says)."""
    run = Run()
    final = final or final_day()
    specs = [(i, rules.AlertSpec(**_spec_fields(i))) for i in AlertRule.query(RULE, consistent_read=True)
             if i.rule_id != COUNT and i.enabled]
    run.rules = len(specs)
    if final is not None and specs:
        run.final = final.isoformat()
        plans = {i.rule_id: _plan(spec, final) for i, spec in specs}
        days = {d for i, s in specs for p in plans[i.rule_id] for d in rules.days_of(s.unit, p)}
        day_rows, cohorts = _rows(days, {s.metric for _, s in specs})
        for item, spec in specs:
            if stop_at is not None and monotonic() > stop_at:
                run.stopped = "time"
                break
            series = [(p, rules.value(spec.metric, spec.unit, p, day_rows, cohorts)) for p in plans[item.rule_id]]
            breach = rules.current_breach(spec, series)
            if breach is not None and _fire(item, spec, breach, now):
                run.fired += 1
    if run.stopped is None:
        _send_pending(run, now, stop_at)
    return {"final": run.final, "rules": run.rules, "fired": run.fired, "sent": run.sent, "failed": run.failed,
            "stopped": run.stopped}


def _spec_fields(item: AlertRule) -> dict[str, Any]:
    raw = json.loads(item.spec)
    return {"name": raw["name"], "metric": raw["metric"], "op": raw["op"], "threshold": raw["threshold"],
            "periods": raw["periods"], "unit": raw.get("unit", rules.DAY), "enabled": raw.get("enabled", True)}


def _plan(spec: rules.AlertSpec, final: date) -> list[date]:
    last = rules.last_period(spec.unit, spec.metric, final)
    count = spec.periods + rules.LOOKBACK[spec.unit]
    return [p for p in rules.periods(spec.unit, last, count)] if last is not None else []


def _rows(days: set[date], metrics: set[str]) -> tuple[dict[date, dict], dict[tuple[date, int], dict]]:
    """The day rows of ``days`` (one Query of the range) and, for retention rules, the cohort rows
    they need (BatchGetItem, 100 keys a call)."""
    if not days:
        return {}, {}
    low, high = min(days).isoformat(), max(days).isoformat()
    day_rows = {date.fromisoformat(r.key): r.counts()
                for r in MetricRow.query(DAY, MetricRow.key.between(low, high))}
    offsets = {rules.METRICS[m].needs_days for m in metrics if m.endswith("Retention")}
    keys = sorted({(d, o) for d in days for o in ({0} | offsets) if offsets})
    cohorts: dict[tuple[date, int], dict] = {}
    for i in range(0, len(keys), BATCH_KEYS):
        chunk = keys[i:i + BATCH_KEYS]
        for r in MetricRow.batch_get([(COHORT, f"{d.isoformat()}#{o:03d}") for d, o in chunk]):
            first, _, offset = r.key.partition("#")
            cohorts[(date.fromisoformat(first), int(offset))] = r.counts()
    return day_rows, cohorts


def _fire(item: AlertRule, spec: rules.AlertSpec, breach: rules.Breach, now: datetime) -> bool:
    """The alert of this breach, written only if it does not exist: the condition *is* "once per
    breach" (the same run of periods has the same first period, night after night)."""
    alert = FiredAlert(
        STREAM, f"{breach.start.isoformat()}#{item.rule_id}#{int(item.revision)}", rule_id=item.rule_id,
        revision=int(item.revision), spec=_dump(spec), start=breach.start.isoformat(),
        values=json.dumps([[p.isoformat(), v] for p, v in breach.periods]), fired_at=now,
        message=rules.markdown(spec, breach), status=PENDING, attempts=0)
    try:
        alert.save(condition=FiredAlert.breach.does_not_exist())
    except PutError as exc:
        if _failed_condition(exc):
            return False  # fired already: by an earlier run, or by a racing one
        raise
    log.info("alert fired", extra={"rule": item.rule_id, "start": alert.start})
    return True


def _send_pending(run: Run, now: datetime, stop_at: float | None) -> None:
    url = webhook_url()
    if url is None:
        return
    since = (config.china_day(now) - timedelta(days=RETRY_DAYS + 7 * (rules.MAX_PERIODS[rules.WEEK]
                                                                        + rules.LOOKBACK[rules.WEEK]))).isoformat()
    stale = now - timedelta(minutes=CLAIM_MINUTES)
    for alert in FiredAlert.query(STREAM, FiredAlert.breach >= since, consistent_read=True,
                                  filter_condition=FiredAlert.status.is_in(PENDING, SENDING)):
        if alert.fired_at < now - timedelta(days=RETRY_DAYS):
            continue
        if alert.status == SENDING and alert.claimed_at and alert.claimed_at > stale:
            continue  # another run is sending it
        if stop_at is not None and monotonic() > stop_at:
            run.stopped = "time"
            return
        if not _claim(alert, now, stale):
            continue
        sent = webhook.post(url, alert.message)
        _settle(alert, sent)
        if sent.ok:
            run.sent += 1
            continue
        run.failed += 1
        log.warning("alert not sent", extra={"breach": alert.breach, "errcode": sent.errcode})
        if sent.errcode in (45009, 93000):  # the robot's rate limit, or a bad key: no point going on now
            run.stopped = "rate_limited" if sent.errcode == 45009 else run.stopped
            return


def _claim(alert: FiredAlert, now: datetime, stale: datetime) -> bool:
    """Pending (or claimed by a run that went quiet) → sending, under a condition: one sender."""
    try:
        alert.update(actions=[FiredAlert.status.set(SENDING), FiredAlert.claimed_at.set(now),
                              FiredAlert.attempts.add(1)],
                     condition=(FiredAlert.status == PENDING)
                     | ((FiredAlert.status == SENDING) & (FiredAlert.claimed_at < stale)))
    except UpdateError as exc:
        if _failed_condition(exc):
            return False
        raise
    return True


def _settle(alert: FiredAlert, sent: webhook.Sent) -> None:
    if sent.ok:
        actions = [FiredAlert.status.set(SENT), FiredAlert.sent_at.set(config.utcnow()),
                   FiredAlert.last_error.remove()]
    else:
        status = FAILED if int(alert.attempts) >= MAX_ATTEMPTS else PENDING
        actions = [FiredAlert.status.set(status), FiredAlert.last_error.set(f"{sent.errcode} {sent.errmsg}"[:200])]
    alert.update(actions=actions, condition=FiredAlert.status == SENDING)


# --- fired alerts, for the console -----------------------------------------------------------------
def fired(*, limit: int, cursor: str | None) -> dict[str, Any]:
    if cursor is not None and not CURSOR.fullmatch(cursor):
        raise errors.AlertCursorInvalid()
    items = list(FiredAlert.query(STREAM, FiredAlert.breach < cursor if cursor else None, scan_index_forward=False,
                                  limit=limit + 1, consistent_read=True))
    page = items[:limit]
    return {"alerts": [_fired_json(a) for a in page], "next": page[-1].breach if len(items) > limit else None}


def _fired_json(a: FiredAlert) -> dict[str, Any]:
    spec = json.loads(a.spec)
    return {"id": a.breach, "ruleId": a.rule_id, "revision": int(a.revision), "rule": spec, "start": a.start,
            "values": [{"period": p, "value": v} for p, v in json.loads(a.values)],
            "firedAt": config.iso(a.fired_at), "status": a.status, "attempts": int(a.attempts or 0),
            "sentAt": config.iso(a.sent_at) if a.sent_at else None, "lastError": a.last_error}
