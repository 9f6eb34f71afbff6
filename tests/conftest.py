"""Shared fixtures: the CDK app is synthesized once per test session."""

from __future__ import annotations

import os

# jsii prints a Node end-of-life banner unless told the major version; do so before aws_cdk loads.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "20")
# Tests never reach a model hub or AWS.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
