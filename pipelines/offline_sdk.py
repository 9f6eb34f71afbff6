"""The SageMaker Python SDK, imported and run with no credentials, region, network or telemetry.

The pipeline definition is built by the SDK in capture mode (pipelines/sagemaker_jobs.py); this
module is the sandbox it runs in, so building a definition never reaches AWS and leaves the
process's environment, boto3 session and logging as it found them.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# The SDK's own opt-out (SageMaker Python SDK config `SageMaker.PythonSDK.Modules.
# TelemetryOptOut`); without it every decorated call reports to an S3 endpoint after an STS
# GetCallerIdentity, from a background thread.
SDK_CONFIG: dict[str, Any] = {
    "SchemaVersion": "1.0",
    "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}},
}
SDK_CONFIG_FILE = Path(__file__).with_name("sagemaker_sdk_offline.yaml")
# While the SDK is imported and the definition built: a fake identity and region (the SDK
# insists on both), no instance metadata, no profile files (credential_process, SSO), and a
# config file that opts out of telemetry for sessions the SDK makes by itself.
_OFFLINE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "offline",
    "AWS_SECRET_ACCESS_KEY": "offline",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "SAGEMAKER_USER_CONFIG_OVERRIDE": str(SDK_CONFIG_FILE),
    "SAGEMAKER_ADMIN_CONFIG_OVERRIDE": str(SDK_CONFIG_FILE),
    "SAGEMAKER_VALIDATE_ROLE": "false",  # ModelTrainer checks the role through IAM otherwise
}
_UNSET = ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
          "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
          "AWS_WEB_IDENTITY_TOKEN_FILE")  # fmt: skip


_SDK_CHATTY = ("botocore", "boto3", "urllib3")


@contextmanager
def offline_sdk() -> Iterator[None]:
    """Import the SDK and build requests with no credentials, region, network or telemetry.

    The process environment is restored afterwards, so real AWS calls a command makes later
    use the user's own credentials and region.
    """
    import boto3

    saved, default_session = dict(os.environ), boto3.DEFAULT_SESSION
    root = logging.getLogger()
    # Importing the SDK configures logging (botocore INFO lines on every command): undo it.
    logging_before = (
        root.level,
        list(root.handlers),
        {name: logging.getLogger(name).level for name in _SDK_CHATTY},
    )
    os.environ.update(_OFFLINE_ENVIRONMENT)
    _quiet_sdk()
    # The SDK's import puts an INFO handler on the root logger; its sessions then print
    # "INFO:botocore.credentials: Found credentials in environment variables." (twice per
    # `cdk synth`) about the fake identity above. Restored with the rest afterwards.
    for name in _SDK_CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in _UNSET:
        os.environ.pop(name, None)
    restore_validation = _validate_sdk_config_once()
    try:
        yield
    finally:
        restore_validation()
        os.environ.clear()
        os.environ.update(saved)
        # The SDK's import-time clients create boto3's default session with the fake identity
        # cached in it; later boto3.client() calls of this process must not inherit it.
        boto3.DEFAULT_SESSION = default_session
        root.setLevel(logging_before[0])
        root.handlers[:] = logging_before[1]
        for name, level in logging_before[2].items():
            logging.getLogger(name).setLevel(level)
        _quiet_sdk()


def _validate_sdk_config_once() -> Callable[[], None]:
    """The SDK validates its config against the JSON schema on every config lookup, through
    two functions (`config.validate_sagemaker_config` when it loads the files, and
    `SageMakerConfig.validate_sagemaker_config`), ~0.3 s each and dozens per definition. Validate
    each distinct config once while the definition is built; returns the function that puts the
    SDK's own back."""
    from sagemaker.core.config import config as config_module
    from sagemaker.core.config.config_manager import SageMakerConfig

    loader_original = config_module.validate_sagemaker_config
    manager_original = SageMakerConfig.__dict__["validate_sagemaker_config"]
    validated: set[str] = set()

    def validate_once(sagemaker_config: dict | None = None) -> None:
        key = json.dumps(sagemaker_config, sort_keys=True, default=str)
        if key not in validated:
            loader_original(sagemaker_config)
            validated.add(key)

    config_module.validate_sagemaker_config = validate_once
    SageMakerConfig.validate_sagemaker_config = staticmethod(validate_once)

    def restore() -> None:
        config_module.validate_sagemaker_config = loader_original
        SageMakerConfig.validate_sagemaker_config = manager_original

    return restore


def _quiet_sdk() -> None:
    for noisy in ("sagemaker", "sagemaker.config", "sagemaker.core"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
