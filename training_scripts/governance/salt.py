"""Where the PII pseudonym salt comes from, and the rule that keeps it secret in the cloud.

Whoever holds the salt can rebuild the surrogate mapping (governance/pii.py), so:
- in a SageMaker processing job the salt comes only from Secrets Manager (the secret whose ARN
  the deployed pipeline passes in FMOPS_PII_SALT_SECRET_ARN, read at start through the VPC's
  Secrets Manager endpoint). Anything else fails closed: no pseudonyms with a public salt.
- on a workstation FMOPS_PII_SALT is used, else the built-in default, which the manifest
  records as `default (not for production)`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from training_scripts.contract import container_root
from training_scripts.vocabulary.records import DataError

SALT_ENV = "FMOPS_PII_SALT"
SECRET_ARN_ENV = "FMOPS_PII_SALT_SECRET_ARN"
DEFAULT_SALT = "fmops-default-salt-not-secret"
FROM_SECRET = "secrets-manager"
FROM_ENV = f"env {SALT_ENV}"
FROM_DEFAULT = "default (not for production)"

# SageMaker Processing hands every processing container this file ("How to Build Your Own
# Processing Container", SageMaker developer guide,
# https://docs.aws.amazon.com/sagemaker/latest/dg/build-your-own-processing-container.html).
PROCESSING_JOB_CONFIG = ("opt", "ml", "config", "processingjobconfig.json")


class SaltUnavailable(DataError):
    """The job runs in the cloud but has no secret salt: it must not pseudonymize."""


def in_processing_job(environ: Mapping[str, str] = os.environ) -> bool:
    return container_root(environ).joinpath(*PROCESSING_JOB_CONFIG).is_file()


def _secret_value(arn: str, client_factory: Callable[[], Any] | None) -> str:
    try:
        if client_factory is None:
            import boto3  # shipped by the DLC base image; imported only in the cloud path

            client = boto3.client("secretsmanager")
        else:
            client = client_factory()
        value = client.get_secret_value(SecretId=arn).get("SecretString", "")
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code") or type(exc).__name__
        raise SaltUnavailable(
            f"PII salt: cannot read secret {arn} ({code}); refusing to pseudonymize without it"
        ) from None
    if not value:
        raise SaltUnavailable(f"PII salt: secret {arn} is empty; refusing to pseudonymize")
    return str(value)


def resolve_salt(
    environ: Mapping[str, str] = os.environ,
    client_factory: Callable[[], Any] | None = None,
) -> tuple[str, str]:
    """(salt, source): Secrets Manager when an ARN is given, refused in a job without one."""
    arn = environ.get(SECRET_ARN_ENV, "")
    if arn:
        return _secret_value(arn, client_factory), FROM_SECRET
    if in_processing_job(environ):
        raise SaltUnavailable(
            f"PII salt: this SageMaker processing job has no {SECRET_ARN_ENV}; refusing to "
            "pseudonymize with a salt that is not a secret (deploy the data stack's PII salt)"
        )
    salt = environ.get(SALT_ENV, "")
    if salt:
        return salt, FROM_ENV
    print(
        f"WARNING: {SALT_ENV} is not set; pseudonyms use a PUBLIC default salt and can be "
        "reversed by anyone with this code. Set a secret salt for real data.",
        file=sys.stderr,
    )
    return DEFAULT_SALT, FROM_DEFAULT
