"""The packaged stage on a local AWS emulator (moto's server), as far as an emulator can show it.

Run by ``make package-check`` after ``chalice package``. On one moto server (127.0.0.1, a free
port, no real credentials: every client points at it and the AWS config files are hidden):

1. ``infra/tables.template.json`` deployed as a CloudFormation stack (the tables and the
   fan-out queue), and the stage's secret put in Secrets Manager as the README used to say it
   (``"..."`` placeholders);
2. the unpacked zip's handlers, named by the packaged template, invoked in containers of their
   own (``infra/lambda_host.py``: the base interpreter, isolated, with the template's
   environment): the stage refuses to work, 503 ``NOT_CONFIGURED`` on a route and a scheduled
   job that does nothing, and says why in its log without a secret's value;
3. the secret replaced with one from ``infra.secrets`` and the appid set, then new containers:
   the shared operator key is refused (off by default in a deployed stage), the first owner is
   made with ``python -m infra.operators create-owner``, logs in and sets the wake-up rule book
   with the session cookie and its CSRF token, a user logs in, binds a phone and checks in, another
   subscribes to the check-in reminder, an unknown path gets 404 in our shape, the
   ``wakeup-habit`` schedule enqueues the due user and the ``fanout-worker`` handler, fed the
   queue's messages as Lambda would, sends the reminder through the WeChat sandbox, once.

What it cannot show is listed in the README ("What the emulator cannot show").
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib import config, errors
from infra import lambda_events, secrets
from infra.package import functions
from infra.tables import TEMPLATE

HOST = Path(__file__).resolve().parent / "lambda_host.py"
STAGE = "prod"
REGION = config.DEFAULT_REGION
APPID = "wx5a1e0c0ffee0b1e5"  # the merchant's appid, as the deployer writes it into .chalice/config.json
# What the README told deployers to store before this check existed.
PLACEHOLDERS = {"HUILIU_WECHAT_SECRET": "...", "HUILIU_TOKEN_KEY": "<64 random bytes>", "HUILIU_OPERATOR_KEY": "...",
                "HUILIU_SERVER_KEY": "...", "HUILIU_PSEUDONYM_KEY": "<64 random bytes, never rotated>"}


class CheckFailed(AssertionError):
    """The packaged stage did not do what a deployed one must."""


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise CheckFailed(what)


@dataclass
class Host:
    """One function's container: a process that keeps its imports between invocations."""

    name: str
    handler: str
    timeout: int
    process: subprocess.Popen
    log: Path

    def invoke(self, event: dict[str, Any]) -> Any:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"handler": self.handler, "event": event, "timeout": self.timeout}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise CheckFailed(f"{self.name} died:\n{self.tail()}")
        answer = json.loads(line)
        if "error" in answer:
            raise CheckFailed(f"{self.name} raised:\n{answer['error']}")
        return answer["result"]

    def invoke_failing(self, event: dict[str, Any]) -> str:
        """An invocation that must raise (Lambda then retries or returns the batch); its traceback."""
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"handler": self.handler, "event": event, "timeout": self.timeout}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline() or '{"result": "died"}')
        expect("error" in answer, f"{self.name} was expected to raise, answered {answer}")
        return answer["error"]

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Stage:
    """The packaged stage: its template, its unpacked code, and the emulator it runs against."""

    def __init__(self, template: dict[str, Any], unpacked: Path, endpoint: str, workdir: Path) -> None:
        self.template, self.unpacked, self.endpoint, self.workdir = template, unpacked, endpoint, workdir
        self.functions = functions(template)
        api = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Api")
        self.paths = list(api["Properties"]["DefinitionBody"]["paths"])
        self.hosts: list[Host] = []
        self.env: dict[str, str] = {}  # for every container started from now on
        self.answered: dict[str, str] = {}  # the last call's answer headers
        import botocore.session

        session = botocore.session.Session()
        self.client = lambda service: session.create_client(  # noqa: E731 - a one-line factory
            service, region_name=REGION, endpoint_url=endpoint, aws_access_key_id="emulated",
            aws_secret_access_key="emulated")

    def function(self, handler: str) -> tuple[str, dict[str, Any]]:
        return next((name, p) for name, p in self.functions.items() if p["Handler"] == handler)

    def start(self, handler: str, **env: str) -> Host:
        """A new container of the function whose handler is ``handler`` (``app.app``, ...)."""
        name, props = self.function(handler)
        log = self.workdir / f"{name}-{len(self.hosts)}.log"
        environment = {
            **props["Environment"]["Variables"],
            "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "emulated", "AWS_SECRET_ACCESS_KEY": "emulated",
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,  # never a real account
            "AWS_LAMBDA_FUNCTION_NAME": f"huiliu-{STAGE}-{name}", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE":
                str(props.get("MemorySize", 128)), "LAMBDA_TASK_ROOT": str(self.unpacked),
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11", "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
            **self.env, **env,
        }
        base = getattr(sys, "_base_executable", sys.executable)
        with log.open("w") as stderr:
            process = subprocess.Popen([base, "-I", "-S", str(HOST), str(self.unpacked)], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=stderr, text=True, env=environment)
        host = Host(name, handler, int(props["Timeout"]), process, log)
        self.hosts.append(host)
        return host

    def call(self, host: Host, method: str, path: str, body: Any = None, token: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """An HTTP request routed as API Gateway routes it; the status and the JSON body (the
        answer's headers in ``self.answered``)."""
        found = lambda_events.resource_for(self.paths, path)
        expect(found is not None, f"no resource for {path}")
        assert found is not None
        sent = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
        result = host.invoke(lambda_events.api(method, path, found[0], found[1], body=body, headers=sent))
        self.answered = result.get("headers") or {}
        return result["statusCode"], lambda_events.response_json(result)

    def first_owner(self, name: str, password: str) -> None:
        """``python -m infra.operators create-owner`` on the emulator's tables, as a deployer runs it."""
        env = {**os.environ, "AWS_ENDPOINT_URL": self.endpoint, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
               "AWS_ACCESS_KEY_ID": "emulated", "AWS_SECRET_ACCESS_KEY": "emulated",
               "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
        env.pop("HUILIU_DYNAMODB_ENDPOINT", None)
        done = subprocess.run([sys.executable, "-m", "infra.operators", "create-owner", "--stage", STAGE, "--name", name],
                              input=password + "\n", env=env, capture_output=True, text=True, timeout=120,
                              cwd=Path(__file__).resolve().parent.parent)
        expect(done.returncode == 0, f"create-owner: {done.stdout} {done.stderr}")
        expect(password not in done.stdout + done.stderr, "create-owner showed the password")

    def schedule(self, host: Host) -> None:
        """The job's EventBridge event; the handler returns nothing."""
        rule = next(iter(self.function(host.handler)[1]["Events"]))
        host.invoke(lambda_events.schedule(rule, REGION))

    def drain(self, worker: Host, queue: str, timeout: float = 30.0) -> int:
        """Feed the worker the queue's messages in its batch size, deleting a batch it finished
        (as Lambda's event source mapping does); returns the messages handled."""
        sqs = self.client("sqs")
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        batch = next(iter(self.function(worker.handler)[1]["Events"].values()))["Properties"]["BatchSize"]
        handled, deadline = 0, time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=batch, WaitTimeSeconds=0,
                                           VisibilityTimeout=60, MessageSystemAttributeNames=["All"]).get("Messages")
            if not messages:
                break
            worker.invoke(lambda_events.sqs(messages, arn, REGION))
            sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                            for i, m in enumerate(messages)])
            handled += len(messages)
        return handled

    def stop(self) -> None:
        for host in self.hosts:
            host.stop()
        self.hosts.clear()


def china_hour() -> int:
    return datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).hour


def deploy_tables(stage: Stage) -> str:
    """The tables' template as a CloudFormation stack; its final status."""
    cfn = stage.client("cloudformation")
    name = f"huiliu-{STAGE}-tables"
    cfn.create_stack(StackName=name, TemplateBody=TEMPLATE.read_text(),
                     Parameters=[{"ParameterKey": "Stage", "ParameterValue": STAGE}])
    deadline = time.monotonic() + 120
    status = "CREATE_IN_PROGRESS"
    while status.endswith("IN_PROGRESS") and time.monotonic() < deadline:
        time.sleep(0.25)
        status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    return status


def refused(stage: Stage) -> None:
    """Placeholder secrets and appid: nothing works, and the log says why."""
    api = stage.start("app.app")
    status, body = stage.call(api, "GET", "/shop")
    expect(status == 503 and body["error"]["code"] == errors.NotConfigured.code, f"placeholder stage: {status} {body}")
    status, body = stage.call(api, "POST", "/no/such/function", {"x": 1})
    expect(status == 503 and body["error"]["code"] == errors.NotConfigured.code, f"placeholder stage: {status} {body}")
    job = stage.start("app.wakeup_habit")
    stage.schedule(job)
    log = api.log.read_text() + job.log.read_text()
    expect("not configured" in log and "HUILIU_OPERATOR_KEY" in log, f"no refusal logged:\n{api.tail()}")
    expect("random bytes" not in log, "a secret's value reached the log")
    stage.stop()


def works(stage: Stage, sandbox: Any, operator_key: str) -> str:
    """A configured stage: login, phone, check-in, an unknown path, a wake-up run; what it showed."""
    env = {"HUILIU_WECHAT_APPID": APPID}
    api = stage.start("app.app", **env)
    hour = china_hour()
    # Quiet hours are [quietFrom, 24) and [0, quietUntil): make this hour the only one outside
    # them, if the rule book's hours allow (not at 23:00 in China).
    rules = {"quietFrom": min(hour + 1, 23), "quietUntil": hour, "holdoutPercent": 0}
    status, body = stage.call(api, "PUT", "/operator/rules/wakeup", rules, token=operator_key)
    expect(status == 403 and body["error"]["code"] == errors.SharedKeyDisabled.code, f"shared key: {status} {body}")
    owner, password = "owner", uuid.uuid4().hex
    stage.first_owner(owner, password)
    status, session = stage.call(api, "POST", "/operator/login", {"name": owner, "password": password})
    cookie = stage.answered.get("Set-Cookie", "")
    expect(status == 200 and cookie.startswith("__Host-huiliu-op=") and "; Secure" in cookie, f"login: {status} {cookie}")
    console = {"Cookie": cookie.split(";")[0], "X-CSRF-Token": session["csrfToken"]}
    status, body = stage.call(api, "PUT", "/operator/rules/wakeup", rules, headers=console)
    expect(status == 200, f"rule book: {status} {body}")

    buyer, reminded = f"b{uuid.uuid4().hex[:8]}", f"r{uuid.uuid4().hex[:8]}"
    status, login = stage.call(api, "POST", "/auth/login", {"code": f"demo:{buyer}:1"})
    expect(status == 200 and login.get("token"), f"login: {status} {login}")
    status, phone = stage.call(api, "POST", "/auth/phone", {"code": f"phone:{buyer}:1"}, token=login["token"])
    expect(status == 200 and phone.get("token"), f"phone: {status} {phone}")
    status, checkin = stage.call(api, "POST", "/checkin", {}, token=phone["token"])
    expect(status == 200, f"check-in: {status} {checkin}")
    status, again = stage.call(api, "POST", "/checkin", {}, token=phone["token"])
    expect(status in (200, 409), f"second check-in: {status} {again}")

    status, missing = stage.call(api, "DELETE", "/no/such/function", token=phone["token"])
    expect(status == 404 and missing == errors.NotFound().to_json(), f"unknown path: {status} {missing}")

    status, login = stage.call(api, "POST", "/auth/login", {"code": f"demo:{reminded}:1"})
    expect(status == 200, f"login: {status} {login}")
    sandbox.consent[(sandbox.user(reminded).openid, "tpl_checkin_reminder")] += 1  # the user tapped accept
    status, body = stage.call(api, "POST", "/subscriptions", {"results": {"tpl_checkin_reminder": "accept"}},
                              token=login["token"])
    expect(status == 200, f"subscription: {status} {body}")
    status, body = stage.call(api, "POST", "/checkin/reminder", {"enabled": True}, token=login["token"])
    expect(status == 200, f"reminder: {status} {body}")

    job, worker = stage.start("app.wakeup_habit", **env), stage.start("app.fanout_worker", **env)
    queue = f"huiliu-{STAGE}-fanout"
    stage.schedule(job)
    handled = stage.drain(worker, queue)
    sent = [m for m in sandbox.messages if m["user"] == reminded]
    if hour == 23:  # every hour of the evening is quiet by the book's rules: the run must wait
        expect(not sent, "a reminder was sent in quiet hours")
        shown = "wake-up run deferred (23:00 in China is always quiet)"
    elif china_hour() != hour and not sent:  # the hour turned quiet during the run
        shown = "wake-up run deferred (the hour turned during the run)"
    else:
        expect(len(sent) == 1 and sent[0]["template_id"] == "tpl_checkin_reminder",
               f"reminder: {sent} after {handled} messages\n{job.tail()}\n{worker.tail()}")
        stage.schedule(job)  # the slot's run is complete: nothing is enqueued or sent again
        stage.drain(worker, queue)
        expect(len([m for m in sandbox.messages if m["user"] == reminded]) == 1, "the reminder was sent twice")
        shown = f"wake-up run sent 1 reminder through {handled} queued page(s), once"
    for host in stage.hosts:
        expect("Traceback" not in host.log.read_text(), f"{host.name} logged a traceback:\n{host.tail()}")
    stage.stop()
    return shown


def run(template: dict[str, Any], unpacked: Path) -> str:
    """The whole check; a summary line, or CheckFailed."""
    from moto.server import ThreadedMotoServer

    from devstack.wechat_sandbox import Sandbox, serve

    started = time.monotonic()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    web = None
    with tempfile.TemporaryDirectory() as tmp:
        stage = Stage(template, unpacked, f"http://{host}:{port}", Path(tmp))
        try:
            status = deploy_tables(stage)
            expect(status == "CREATE_COMPLETE", f"tables stack: {status}")
            secret_id = template_variable(template, "HUILIU_SECRETS_ID")
            sm = stage.client("secretsmanager")
            sm.create_secret(Name=secret_id, SecretString=json.dumps(PLACEHOLDERS))
            refused(stage)

            wechat_secret = uuid.uuid4().hex  # 32 hex digits, like WeChat's AppSecrets
            document = secrets.document(wechat_secret)
            sm.put_secret_value(SecretId=secret_id, SecretString=json.dumps(document))
            sandbox = Sandbox(appid=APPID, secret=wechat_secret)
            web, url = serve(sandbox)
            stage.env["HUILIU_WECHAT_API_BASE"] = url
            shown = works(stage, sandbox, document["HUILIU_OPERATOR_KEY"])
        finally:
            stage.stop()
            if web is not None:
                web.shutdown()
            server.stop()
    return (f"emulator: tables stack deployed, placeholder secrets refused (503 NOT_CONFIGURED), "
            f"login, phone, check-in, 404 in our shape, {shown} ({time.monotonic() - started:.0f} s)")


def template_variable(template: dict[str, Any], name: str) -> str:
    return next(iter(functions(template).values()))["Environment"]["Variables"][name]
