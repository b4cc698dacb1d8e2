"""Settings from the environment, and the one clock.

Locally every value comes from the environment (the dev stack passes the embedded defaults).
In AWS the secrets (WeChat app secret, token signing key) come from one Secrets Manager secret
named by ``HUILIU_SECRETS_ID``, read once per container, so they never sit in the Lambda
configuration where anyone with read access to the function would see them. A deployed stage
(any stage but ``local``) also holds them to ``chalicelib.secret_rules``: a placeholder or weak
key makes ``settings()`` raise ``Unusable`` rather than serve with it.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cache

from chalicelib import lazy

# Only a deployed stage's settings are checked (chalicelib.lazy: not at cold start).
secret_rules = lazy.module("chalicelib.secret_rules")

# China has kept UTC+8 all year since 1991: a fixed offset spares every cold start the zone
# database (zoneinfo, sysconfig and a file read).
CHINA = timezone(timedelta(hours=8), "CST")

DEFAULT_TABLE_PREFIX = "huiliu-local-"
# Where the local stack says it is, and the policies default to: a region every account has
# (ap-east-1, Hong Kong, must first be enabled; China's are another partition: README).
DEFAULT_REGION = "ap-southeast-1"
WECHAT_API = "https://api.weixin.qq.com/"
# A token lives at most this long, whatever its claims say: one minted with a far ``exp`` (a
# leaked key, a bug, a misconfigured TTL) would otherwise outlive an erasure's revocation.
MAX_TOKEN_TTL_SECONDS = 24 * 3600
SECRET_NAMES = ("HUILIU_WECHAT_SECRET", "HUILIU_TOKEN_KEY", "HUILIU_OPERATOR_KEY", "HUILIU_SERVER_KEY",
                "HUILIU_PSEUDONYM_KEY")


class Unusable(RuntimeError):
    """The stage's configuration must not be used; ``findings`` say why, never with a secret's value."""

    def __init__(self, findings: list[str]) -> None:
        self.findings = findings
        super().__init__("; ".join(findings))


@dataclass(frozen=True)
class Settings:
    stage: str
    wechat_appid: str
    wechat_api_base: str
    wechat_auto_retry: bool
    token_ttl_seconds: int
    # repr=False: a Settings object that reaches a log line or a traceback shows no secret.
    wechat_secret: str = field(repr=False)
    token_key: str = field(repr=False)
    operator_key: str = field(repr=False)  # the merchant's staff: templates, rules, reports
    server_key: str = field(repr=False)  # the merchant's order system
    # Keys the hashes that outlive an erasure (``chalicelib.kept_limits``): never rotate it, or
    # erased users who come back get their once-only grants again.
    pseudonym_key: str = field(repr=False)


def table_prefix() -> str:
    """Read at import by the models: PynamoDB fixes a table's name when its class is built."""
    return os.environ.get("HUILIU_TABLE_PREFIX", DEFAULT_TABLE_PREFIX)


def dynamodb_endpoint() -> str | None:
    """None in AWS; the embedded DynamoDB's URL locally."""
    return os.environ.get("HUILIU_DYNAMODB_ENDPOINT") or None


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def stage() -> str:
    return os.environ.get("HUILIU_STAGE", "local")


def in_lambda() -> bool:
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ


@cache
def settings() -> Settings:
    env = os.environ
    secrets = _secrets_from_store(env["HUILIU_SECRETS_ID"]) if env.get("HUILIU_SECRETS_ID") else env
    missing = [name for name in SECRET_NAMES if not secrets.get(name)]
    if missing:
        raise Unusable([f"configuration is missing {', '.join(missing)}"])
    if stage() != "local":
        findings = secret_rules.problems(secrets, SECRET_NAMES)
        appid = secret_rules.appid_problem(env.get("HUILIU_WECHAT_APPID", ""))
        if findings or appid:
            raise Unusable(findings + ([appid] if appid else []))
    base = env.get("HUILIU_WECHAT_API_BASE", WECHAT_API)
    ttl = int(env.get("HUILIU_TOKEN_TTL_SECONDS", "7200"))
    if not 60 <= ttl <= MAX_TOKEN_TTL_SECONDS:
        raise Unusable([f"HUILIU_TOKEN_TTL_SECONDS must be 60 to {MAX_TOKEN_TTL_SECONDS}"])
    return Settings(
        stage=stage(),
        wechat_appid=env["HUILIU_WECHAT_APPID"],
        wechat_api_base=base if base.endswith("/") else base + "/",
        wechat_auto_retry=env.get("HUILIU_WECHAT_AUTO_RETRY", "1") == "1",
        token_ttl_seconds=ttl,
        wechat_secret=secrets["HUILIU_WECHAT_SECRET"],
        token_key=secrets["HUILIU_TOKEN_KEY"],
        operator_key=secrets["HUILIU_OPERATOR_KEY"],
        server_key=secrets["HUILIU_SERVER_KEY"],
        pseudonym_key=secrets["HUILIU_PSEUDONYM_KEY"],
    )


def _secrets_from_store(secret_id: str) -> dict[str, str]:
    # botocore rather than boto3: the Lambda package and its cold start stay small.
    import botocore.session
    from botocore.exceptions import ClientError

    client = botocore.session.get_session().create_client("secretsmanager", region_name=region())
    try:
        document = json.loads(client.get_secret_value(SecretId=secret_id)["SecretString"])
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _UNREADABLE:  # a fault of the deployment, not of the moment: no retry mends it
            raise Unusable([f"the secret {secret_id} cannot be read ({code})"]) from exc
        raise
    except ValueError as exc:
        raise Unusable([f"the secret {secret_id} is not a JSON document"]) from exc
    if not isinstance(document, dict):
        raise Unusable([f"the secret {secret_id} is not a JSON object"])
    return document


_UNREADABLE = frozenset({"ResourceNotFoundException", "AccessDeniedException", "DecryptionFailure",
                         "InvalidRequestException"})


_offset = timedelta(0)  # the simulated clock's lead over the real one; local stage only


def utcnow() -> datetime:
    """The clock. Services take ``now=`` so tests can set it; locally the simulator moves it."""
    return datetime.now(timezone.utc) + _offset


def simulated_clock_allowed() -> bool:
    """Only the local stack outside Lambda: a deployed stage's clock is the real one, always.
    The stage must be said, not defaulted, so that ``chalice package`` run from a plain shell
    leaves the clock out of the deployed API."""
    return os.environ.get("HUILIU_STAGE") == "local" and not in_lambda()


def clock_lead() -> timedelta:
    """How far the simulator has moved the clock (``set_clock``) from real time."""
    return _offset


def set_clock(instant: datetime | None) -> datetime:
    """Make ``utcnow()`` read ``instant`` from now on (then run on from it); None: real time."""
    global _offset
    if not simulated_clock_allowed():
        raise RuntimeError("the simulated clock exists only in the local stage")
    _offset = timedelta(0) if instant is None else instant - datetime.now(timezone.utc)
    return utcnow()


def china_day(instant: datetime) -> date:
    """The calendar day in China for a UTC instant: check-ins, inactivity and cohorts use it."""
    return instant.astimezone(CHINA).date()


def hour_bucket(instant: datetime) -> str:
    """The UTC hour of an instant (``YYYY-MM-DDTHH``): the key of the time-bucketed indexes."""
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H")


def iso(instant: datetime) -> str:
    """UTC, second precision, with ``Z``: the one format instants take in JSON."""
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
