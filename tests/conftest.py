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

from pathlib import Path

import pytest

TINY_CORPUS = [
    "The patient was prescribed metformin for type 2 diabetes.",
    "Force Majeure: neither party is liable for delays caused by events beyond control.",
    "Thank you for contacting support, I am happy to help with your order.",
    "The shipment was delayed by a typhoon; the carrier invoked the force majeure clause.",
    "Blood pressure readings improved after the dosage of lisinopril was adjusted.",
    "Please restart the router and let me know whether the connection is back.",
] * 4


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-initialised tiny Llama + BPE tokenizer saved in Hugging Face format."""
    from training_scripts.model_factory import init_causal_lm, train_bpe_tokenizer

    path = tmp_path_factory.mktemp("tiny-model")
    tokenizer = train_bpe_tokenizer(TINY_CORPUS, vocab_size=300)
    init_causal_lm("tiny", tokenizer).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
