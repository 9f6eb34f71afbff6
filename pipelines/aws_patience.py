"""How long `fmops` waits for AWS: short connect/read timeouts, few retries, a retry deadline.

botocore's defaults (60 s connect, 60 s read, 5 legacy attempts) kept `fmops pipeline list`
silent for 305 s against an endpoint that accepted and never answered. Every client made from
boto3's default session while a command runs gets `client_config()`, and a `needs-retry` hook
stops retrying once the command has waited `RETRY_DEADLINE_S` (a first attempt still runs, so
a long upload is never cut). A retried connection error carries its attempt count into the
error line (a ClientError says "reached max retries" itself).
AWS_MAX_ATTEMPTS / AWS_RETRY_MODE, when set, win over the retry settings here.
"""

from __future__ import annotations

import os
import time
from typing import Any

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 20.0
MAX_ATTEMPTS = 3  # standard retry mode: the first attempt and two retries
RETRY_DEADLINE_S = 60.0
_HOOK_ID = "fmops-retry-deadline"


class AwsDeadlineExceeded(RuntimeError):
    """AWS kept failing past the command's retry deadline; exit 1."""


class _Attempts:
    started = time.monotonic()


def client_config() -> Any:
    from botocore.config import Config

    retries: dict[str, Any] = {}
    if "AWS_MAX_ATTEMPTS" not in os.environ:
        retries["total_max_attempts"] = MAX_ATTEMPTS
    if "AWS_RETRY_MODE" not in os.environ:
        retries["mode"] = "standard"
    return Config(connect_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S, retries=retries)


def _retrying(response: Any, caught_exception: Any) -> bool:
    if caught_exception is not None:
        return True
    status = response[0].status_code if response else 200
    return bool(status >= 500 or status == 429)


def _deadline(attempts: int, response: Any = None, caught_exception: Any = None,
              operation: Any = None, **_: Any) -> None:  # fmt: skip
    waited = time.monotonic() - _Attempts.started
    if _retrying(response, caught_exception) and waited > RETRY_DEADLINE_S:
        name = getattr(operation, "name", "call")
        reason = str(caught_exception) if caught_exception else f"HTTP {response[0].status_code}"
        raise AwsDeadlineExceeded(
            f"AWS {name}: gave up after {attempts} attempt(s) and {waited:.0f} s ({reason})"
        )
    if caught_exception is not None and attempts > 1:
        # Every attempt raises a new exception; the one that surfaces carries the final count.
        caught_exception.args = (f"{caught_exception} ({attempts} attempts)",)


def install() -> None:
    """Called once per command, before any client is made (clients copy the session's hooks)."""
    import boto3

    _Attempts.started = time.monotonic()
    # The pinned botocore reads only AWS_DEFAULT_REGION; the AWS CLI and SDKs also AWS_REGION.
    region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or None
    session = boto3.Session(region_name=region)
    boto3.DEFAULT_SESSION = session
    session._session.set_default_client_config(client_config())
    session.events.register_first("needs-retry", _deadline, unique_id=_HOOK_ID)
