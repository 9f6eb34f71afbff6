"""Processing entrypoint: curate raw data into training-ready JSONL (SageMaker processing step).

Reads every file under /opt/ml/processing/input/raw and writes
  output/train/data.jsonl, output/validation/data.jsonl,
  output/governance/quarantine.jsonl, output/governance/manifest.json.
Run as `python -m training_scripts.prepare_data --task sft` or `python prepare_data.py ...`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from training_scripts.contract import ProcessingContract, report_failure
from training_scripts.governance.pipeline import (
    PrepareOutputs,
    PrepareSettings,
    prepare,
)
from training_scripts.governance.quality import QualitySettings
from training_scripts.governance.readers import FieldMap
from training_scripts.governance.salt import resolve_salt
from training_scripts.vocabulary.methods import TASK_NAMES
from training_scripts.vocabulary.records import DataError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults, fields, quality = PrepareSettings(), FieldMap(), QualitySettings()
    parser.add_argument("--task", choices=TASK_NAMES, default=defaults.task)
    parser.add_argument("--text-field", default=fields.text)
    parser.add_argument("--prompt-field", default=fields.prompt)
    parser.add_argument("--completion-field", default=fields.completion)
    parser.add_argument("--chosen-field", default=fields.chosen)
    parser.add_argument("--rejected-field", default=fields.rejected)
    parser.add_argument(
        "--pii-mode", choices=("redact", "pseudonymize", "off"), default=defaults.pii_mode
    )
    parser.add_argument("--validation-fraction", type=float, default=defaults.validation_fraction)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--near-dup-threshold", type=float, default=defaults.near_dup_threshold)
    parser.add_argument("--min-tokens", type=int, default=quality.min_tokens)
    parser.add_argument("--max-tokens", type=int, default=quality.max_tokens)
    parser.add_argument("--chunk-chars", type=int, default=defaults.chunk_chars)
    return parser


def settings_from_args(args: argparse.Namespace) -> PrepareSettings:
    return PrepareSettings(
        task=args.task,
        fields=FieldMap(
            text=args.text_field,
            prompt=args.prompt_field,
            completion=args.completion_field,
            chosen=args.chosen_field,
            rejected=args.rejected_field,
        ),
        pii_mode=args.pii_mode,
        validation_fraction=args.validation_fraction,
        seed=args.seed,
        near_dup_threshold=args.near_dup_threshold,
        quality=QualitySettings(min_tokens=args.min_tokens, max_tokens=args.max_tokens),
        chunk_chars=args.chunk_chars,
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    contract = ProcessingContract.from_environ()
    outputs = PrepareOutputs(
        contract.output("train"), contract.output("validation"), contract.output("governance")
    )
    try:
        settings = settings_from_args(args)
        # Read before any data is touched: in the cloud a missing salt stops the job (exit 2).
        salt, source = resolve_salt() if settings.pii_mode == "pseudonymize" else ("", "")
        manifest = prepare(contract.input("raw"), outputs, settings, salt, source)
    except DataError as exc:
        report_failure(contract.failure_file, str(exc))
        return 2
    kept = manifest["stages"]["kept"]
    print(
        f"prepared {kept} of {manifest['stages']['read']} examples; removed {manifest['removed']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
