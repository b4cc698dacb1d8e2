"""huiliu: routes and schedules are registered here; everything they run lives in chalicelib/."""
from chalice import Chalice, Cron, Rate
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib import config, fanout, lazy, logs, readiness, tracing
from chalicelib.api import (
    admin_views,
    alert_views,
    auth_views,
    bargain_views,
    campaign_views,
    catalogue_views,
    checkin_views,
    console_views,
    contract_views,
    coupon_views,
    event_views,
    fallback_views,
    groupbuy_views,
    job_views,
    journey_views,
    member_lookup_views,
    member_views,
    metric_views,
    middleware,
    operator_views,
    privacy_views,
    product_views,
    server_views,
    shop_views,
)

# What the schedules run loads when one runs (chalicelib.lazy), not in every function's cold start.
schedules = lazy.module("chalicelib.schedules")

logs.configure()
tracing.enable()

app = Chalice(app_name="huiliu")
app.register_middleware(middleware.http, "http")
app.register_blueprint(auth_views.bp)
app.register_blueprint(shop_views.bp)
app.register_blueprint(coupon_views.bp)
app.register_blueprint(checkin_views.bp)
app.register_blueprint(groupbuy_views.bp)
app.register_blueprint(bargain_views.bp)
app.register_blueprint(event_views.bp)
app.register_blueprint(privacy_views.bp)
app.register_blueprint(member_views.bp)
app.register_blueprint(server_views.bp)
app.register_blueprint(catalogue_views.bp)
app.register_blueprint(operator_views.bp)
app.register_blueprint(console_views.bp)
app.register_blueprint(metric_views.bp)
app.register_blueprint(alert_views.bp)
app.register_blueprint(product_views.bp)
app.register_blueprint(job_views.bp)
app.register_blueprint(campaign_views.bp)
app.register_blueprint(journey_views.bp)
app.register_blueprint(member_lookup_views.bp)
app.register_blueprint(admin_views.bp)
app.register_blueprint(contract_views.bp)
if config.simulated_clock_allowed():  # the simulator's clock: never in a deployed stage
    from chalicelib.api import clock_views

    app.register_blueprint(clock_views.bp)
app.register_blueprint(fallback_views.bp)  # /{proxy+}: what no function above takes


@app.schedule(Rate(5, unit=Rate.MINUTES), name="groupbuy-close")
def groupbuy_close(event: CloudWatchEvent) -> None:
    schedules.run("groupbuy-close", context=event.context)


@app.schedule(Cron(0, 2, "*", "*", "?", "*"), name="wakeup-inactive")  # 10:00 in China
def wakeup_inactive(event: CloudWatchEvent) -> None:
    schedules.run("wakeup-inactive", context=event.context)


@app.schedule(Rate(1, unit=Rate.HOURS), name="wakeup-cart")
def wakeup_cart(event: CloudWatchEvent) -> None:
    schedules.run("wakeup-cart", context=event.context)


@app.schedule(Cron(0, 3, "*", "*", "?", "*"), name="wakeup-post-purchase")  # 11:00 in China
def wakeup_post_purchase(event: CloudWatchEvent) -> None:
    schedules.run("wakeup-post-purchase", context=event.context)


@app.schedule(Cron(0, 12, "*", "*", "?", "*"), name="wakeup-habit")  # 20:00 in China
def wakeup_habit(event: CloudWatchEvent) -> None:
    schedules.run("wakeup-habit", context=event.context)


@app.schedule(Rate(1, unit=Rate.MINUTES), name="journeys-tick")  # facts and due users of the minutes passed
def journeys_tick(event: CloudWatchEvent) -> None:
    schedules.run("journeys-tick", context=event.context)


@app.schedule(Rate(1, unit=Rate.HOURS), name="journeys-enter")  # timed triggers' candidates
def journeys_enter(event: CloudWatchEvent) -> None:
    schedules.run("journeys-enter", context=event.context)


@app.schedule(Cron(30, 16, "*", "*", "?", "*"), name="metrics-rollup")  # 00:30 in China: yesterday's facts
def metrics_rollup(event: CloudWatchEvent) -> None:
    schedules.run("metrics-rollup", context=event.context)


@app.schedule(Cron(30, 17, "*", "*", "?", "*"), name="alerts-evaluate")  # 01:30 in China: after the rollup
def alerts_evaluate(event: CloudWatchEvent) -> None:
    schedules.run("alerts-evaluate", context=event.context)


# The fanned-out work of every scheduled job: pages of units from the queue (chalicelib/fanout).
@app.on_sqs_message(queue=fanout.queue_name(), batch_size=fanout.BATCH_SIZE, name="fanout-worker",
                    maximum_concurrency=fanout.WORKERS)
def fanout_worker(event: SQSEvent) -> None:
    readiness.require()  # not configured: the pages go back to the queue untouched
    fanout.handle(event.to_dict(), context=event.context)
