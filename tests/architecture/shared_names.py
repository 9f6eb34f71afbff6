"""Finds string literals that retype a shared name outside the module that defines it.

A shared name is a module-level UPPER_CASE string constant of a home module: the vocabulary
(metric keys, artifact file names, record schema names) or the deployment contract (stack
output keys, placeholders, S3 prefixes, pipeline parameter names, model-package metadata keys),
plus the quality gate's parameter names. `bench/code_counts.py` counts with the same scanner.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HOME_MODULES = (
    "training_scripts.vocabulary.metrics",
    "training_scripts.vocabulary.records",
    "training_scripts.vocabulary.architectures",
    "deployment.contract",
)
# Directories that hold no project source, or only its tests (which spell a value out to check
# it), or data/samples' generators (they run standalone, `python data/samples/generate.py`, and
# write the AWS-defined schema name the prepare step then validates).
SKIPPED_DIRS = frozenset(
    {".venv", ".venv-smddp", ".venv-checkov", ".venv-nova", "node_modules", ".cache", "cdk.out",
     ".git", "tests", "__pycache__", "runs", "build", "data"}
)  # fmt: skip
# Values that also mean something else wherever they occur, with what else they mean. Each is
# still imported from its home where it means the shared name; the scan cannot tell the two
# apart, so it skips them.
NOT_SCANNED = {
    "\n": "a line break",
    "learning_rate": "a Trainer argument and hyperparameter name",
    "train_loss": "a Trainer log key",
    "eval_loss": "a Trainer log key",
    "perplexity": "an English word in messages",
    "bleu": "sacrebleu's metric name",
    "preferences": "an English word in messages",
    "method": "a hyperparameter, MLflow parameter and model-card field",
    "architecture": "a base-model recipe field",
    "base_model": "a settings field",
    "bedrock/": "the Bedrock jobs' output prefix in the artifacts bucket (bedrock settings)",
    # CloudFormation output keys named like the AWS API members they carry.
    "ModelPackageGroupName": "a SageMaker API member",
    "PipelineName": "a SageMaker API member and CloudWatch dimension",
    "VpcId": "an EC2 API member",
    "TopicArn": "an SNS API member",
    "StateMachineArn": "a Step Functions API member",
    "WorkteamArn": "a SageMaker API member",
    "KnowledgeBaseId": "a Bedrock API member",
    "DataSourceId": "a Bedrock API member and the data source's CloudFormation attribute",
    "TrainingSecurityGroup": "the network stack's construct id (its logical id)",
}


@dataclass(frozen=True)
class LiteralCopy:
    path: str
    line: int
    value: str
    home: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.value!r} (import it from {self.home})"


def shared_names() -> dict[str, str]:
    """Shared value -> its home module."""
    names: dict[str, str] = {}
    for module_name in HOME_MODULES:
        module = importlib.import_module(module_name)
        for attribute, value in vars(module).items():
            if attribute.isupper() and isinstance(value, str) and value not in NOT_SCANNED:
                names.setdefault(value, module_name)
    metrics = importlib.import_module("training_scripts.vocabulary.metrics")
    for parameter in metrics.GATE_PARAMETERS:
        names.setdefault(parameter, metrics.__name__)
    # Single characters and empty strings are never names.
    return {value: home for value, home in names.items() if len(value) > 1}


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of docstring nodes (prose, not code)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(id(value))
    return found


def python_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        if not SKIPPED_DIRS.intersection(path.relative_to(root).parts):
            yield path


def _home_file(module_name: str) -> str:
    return module_name.replace(".", "/") + ".py"


def literal_copies(root: Path) -> list[LiteralCopy]:
    """Every string literal under `root` equal to a shared name, outside the name's home."""
    names = shared_names()
    homes = {_home_file(home) for home in HOME_MODULES}
    copies: list[LiteralCopy] = []
    for path in python_files(root):
        relative = path.relative_to(root).as_posix()
        if relative in homes:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        prose = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value in names
                and id(node) not in prose
            ):
                copies.append(LiteralCopy(relative, node.lineno, node.value, names[node.value]))
    return copies
