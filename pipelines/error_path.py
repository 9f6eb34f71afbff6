"""The one error path of `fmops`: any exception a command lets escape becomes one `error:` line.

Every command runs inside `ErrorHandlingGroup.invoke`, so a new command gets this by
construction. Exit codes (documented in README "The `fmops` tool"):

- 2: bad input, found before anything was sent to AWS or written: our own `ValueError`
  subclasses (SettingsError, PipelineInputError, DataError, ...), a missing/unreadable/unwritable
  path, a file that is not UTF-8, no AWS region or credentials;
- 2 also for the CLI's own usage errors (unknown command or option, a value of the wrong type,
  a missing argument): one line with a pointer to `--help`, instead of Typer's boxed panel;
- 1: AWS refused or failed (ClientError, BotoCoreError, S3 transfer errors), a runtime failure of
  ours (`RuntimeError` subclasses), or anything unexpected (named, with a pointer to --verbose).

`--verbose` keeps botocore's logging and re-raises with the traceback instead.
"""

from __future__ import annotations

import logging
import shutil
from typing import Any

import click
import typer
from typer._click.core import Context as TyperContext  # Typer's vendored click, not click's
from typer._click.exceptions import ClickException as TyperClickException
from typer._click.exceptions import UsageError
from typer.core import TyperGroup
from typer.exceptions import TyperException

from pipelines.console import err_console, print_error

_OUR_PACKAGES = ("infra.", "pipelines.", "training_scripts.")
# Logged at INFO by boto3/botocore/the SageMaker SDK on every call: noise unless asked for.
_CHATTY_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer", "sagemaker", "aiobotocore")
_AWS_INPUT_ERRORS = {  # botocore exceptions that mean "your environment lacks X", exit 2
    "NoRegionError": "no AWS region: pass --region or set AWS_REGION",
    "NoCredentialsError": "no AWS credentials found (set AWS_PROFILE or configure the AWS CLI)",
    "PartialCredentialsError": "incomplete AWS credentials: {exc}",
    "ProfileNotFound": "{exc}",
}
_PATH_ERRORS = (FileNotFoundError, FileExistsError, IsADirectoryError, NotADirectoryError,
                PermissionError)  # fmt: skip


# typer >= 0.2x vendors click (typer._click): its exceptions derive from TyperException.
_CLI_CONTROL = (TyperException, typer.Exit, typer.Abort, click.exceptions.Exit,
                click.ClickException, click.Abort)  # fmt: skip


class _State:
    verbose = False


def set_verbose(verbose: bool) -> None:
    """Called by the top-level callback before any command runs."""
    _State.verbose = verbose
    level = logging.DEBUG if verbose else logging.WARNING
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(level)


def quiet_sdk_logging() -> None:
    """The SageMaker SDK installs INFO handlers when imported; call after importing it."""
    set_verbose(_State.verbose)


def _ours(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(_OUR_PACKAGES)


def _aws_message(exc: Exception) -> str | None:
    """One line for an AWS error, or None when `exc` is not one."""
    try:
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is a core dependency
        return None
    from pipelines.console import without_html

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        message = without_html(str(error.get("Message", "")))
        tries = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
        note = f" ({tries} attempts)" if tries > 1 else ""
        return f"AWS {exc.operation_name}: {error.get('Code', '?')}: {message}{note}"
    if isinstance(exc, BotoCoreError | Boto3Error):
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"AWS: {text}"
    return None


def classify(exc: Exception) -> tuple[int, str]:
    """(exit code, one-line message) for an exception that escaped a command."""
    name = type(exc).__name__
    if name in _AWS_INPUT_ERRORS and type(exc).__module__.startswith("botocore"):
        return 2, _AWS_INPUT_ERRORS[name].format(exc=exc)
    aws = _aws_message(exc)
    if aws is not None:
        return 1, aws
    if isinstance(exc, UnicodeDecodeError):
        return 2, (
            f"input is not UTF-8 text ({exc.encoding} cannot decode byte {exc.start}: "
            f"{exc.reason}); save it as UTF-8"
        )
    if isinstance(exc, UnicodeEncodeError) and "surrogate" in exc.reason:
        return 2, (
            f"input holds a lone surrogate \\u{ord(exc.object[exc.start]):04x} (a JSON escape "
            "without its pair), not valid Unicode; fix the record (`fmops data validate` finds it)"
        )
    if isinstance(exc, RecursionError):
        return 2, "input nested too deeply to read (JSON deeper than Python's recursion limit)"
    if isinstance(exc, shutil.Error):
        # copytree collects every failed file: [(src, dst, reason), ...] - name the first
        failures = exc.args[0] if exc.args and isinstance(exc.args[0], list) else []
        if failures and len(failures[0]) == 3:
            source, _, reason = failures[0]
            more = f" (and {len(failures) - 1} more files)" if len(failures) > 1 else ""
            return 1, f"cannot copy {source}: {reason}{more}"
    if isinstance(exc, _PATH_ERRORS):
        where = exc.filename if exc.filename is not None else "path"
        return 2, f"{where}: {exc.strerror or name}"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename is not None else ""
        return 1, f"{where}{exc.strerror or exc}"
    if _ours(exc):
        return (2 if isinstance(exc, ValueError) else 1), str(exc)
    return 1, f"unexpected {name}: {exc} (run `fmops --verbose ...` for the traceback)"


def _usage_exit(exc: TyperClickException) -> typer.Exit:
    """Print a usage error as one line (with where to read the usage) and return its exit."""
    message = one_line(exc.format_message()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, UsageError) and ctx is not None and ctx.command.get_help_option(ctx):
        message = f"{message} (see `{ctx.command_path} {ctx.help_option_names[0]}`)"
    print_error(message)
    return typer.Exit(exc.exit_code)


def _shown_as_help(exc: BaseException) -> bool:
    # `fmops pipeline` with no subcommand prints the help (Typer passes this one through).
    return type(exc).__name__ == "NoArgsIsHelpError"


def one_line(message: str) -> str:
    """Collapse a message to its first line (multi-line library messages included)."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[0] if lines else message


class ErrorHandlingGroup(TyperGroup):
    """The top-level group: whatever a subcommand raises ends as one line and an exit code.

    Usage errors are caught here too rather than left to Typer, which prints them as a boxed
    panel: those of the top level come from `make_context`, a subcommand's from `invoke`
    (where its own context is made and its callback can raise `typer.BadParameter`).
    """

    def make_context(self, info_name: str | None, args: list[str],
                     parent: TyperContext | None = None, **extra: Any) -> TyperContext:  # fmt: skip
        try:
            return super().make_context(info_name, args, parent, **extra)
        except TyperClickException as exc:
            if _shown_as_help(exc):
                raise
            raise _usage_exit(exc) from None

    def invoke(self, ctx: TyperContext) -> Any:
        try:
            return super().invoke(ctx)
        except TyperClickException as exc:
            if _shown_as_help(exc):
                raise
            raise _usage_exit(exc) from None
        except _CLI_CONTROL:  # usage errors, --help, typer.Exit: the CLI framework's own flow
            raise
        except Exception as exc:
            if _State.verbose:
                raise
            code, message = classify(exc)
            print_error(one_line(message))
            raise typer.Exit(code) from None


__all__ = ["ErrorHandlingGroup", "classify", "err_console", "quiet_sdk_logging", "set_verbose"]
