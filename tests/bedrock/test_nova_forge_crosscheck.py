"""Cross-check against AWS's own Nova dataset validator (amzn-nova-forge, in .venv-nova).

Every Nova fine-tuning and RFT case of the single-rule corpus whose rule is about the dataset's
content runs through both validators; they must agree except on the listed departures, each
decided by a sentence of the guides (docs/bedrock.md, "Where we depart from AWS's validator").
Rules about the request rather than the file (region, hyperparameters, validation file, the
dataset file's own name) are outside what the validator looks at and are not compared.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from pipelines.bedrock.rules import Context
from pipelines.bedrock.validation import check_request
from tests.bedrock.rule_corpus import CASES, NOVA2, NOVA_LITE, RFT, Case

ROOT = Path(__file__).resolve().parents[2]
NOVA_PYTHON = ROOT / ".venv-nova" / "bin" / "python"
RUNNER = Path(__file__).with_name("nova_forge_runner.py")
DOCS = ROOT / "docs" / "bedrock.md"
FORGE_MODELS = {NOVA_LITE: "NOVA_LITE", NOVA2: "NOVA_LITE_2"}
NOT_ABOUT_THE_FILE = {
    "rft_region",
    "rft_hp_range",
    "rft_hp_enum",
    "rft_no_validation",
    "nova2_no_validation",
    "nova_file_name_charset",
    "nova_media_in_dataset_bucket",  # the dataset's bucket is a submit-time fact
    # libmediainfo in AWS's validator cannot read a WebP image's dimensions, so it refuses every
    # WebP file whatever the rule: a refusal for the wrong reason, not a verdict.
    "nova2_webp_not_supported",
}
# Case -> the guide's sentence that decides it where AWS's validator says otherwise.
DEPARTURES = {
    "nova_schema_version_any_string": '"schemaVersion can be any string value" (Nova user '
    "guide, Preparing data for fine-tuning Understanding models, item 5); the validator "
    "accepts only bedrock-conversation-2024.",
    "nova2_reasoning_not_with_media": '"Multimodal reasoning content ... is not supported by '
    'Amazon Nova 2.0 SFT" (Bedrock user guide, Supervised fine-tuning on Amazon Nova 2.0; the '
    'validator\'s own comment: "Reasoning mode applies to text-only inputs"); the validator '
    "checks reasoning and media only inside one message, where they never meet (media are in "
    "user turns, reasoning in assistant turns).",
}
# Agreement measured when this test was written (docs/bedrock.md): a drop means a regression.
MIN_AGREEMENT = 20


def compared() -> list[Case]:
    return [
        c
        for c in CASES
        if c.base_model in FORGE_MODELS
        and c.customization in ("FINE_TUNING", RFT)
        and c.rule not in NOT_ABOUT_THE_FILE
    ]


def _ours(case: Case, directory: Path) -> tuple[bool, Path]:
    train, validation = case.write(directory)
    media = directory / "media" if case.media else None
    problems = check_request(
        case.base_model,
        case.customization,
        train,
        validation,
        case.hp,
        case.teacher,
        case.region,
        Context(media_root=media, dataset_bucket=case.dataset_bucket),
    )
    return not problems, train


def _media_files(train: Path, media_root: Path | None) -> dict[str, str]:
    uris = set(re.findall(r's3://[^"]+', train.read_text(encoding="utf-8")))
    found = {}
    for uri in uris:
        key = uri.removeprefix("s3://").partition("/")[2]
        local = media_root / key if media_root else None
        found[uri] = str(local) if local and local.is_file() else ""
    return found


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bool, bool, str]]:
    if not NOVA_PYTHON.exists():
        pytest.fail(f"{NOVA_PYTHON} is missing: run `make setup` (builds .venv-nova)")
    root = tmp_path_factory.mktemp("crosscheck")
    ours, jobs = {}, []
    for case in compared():
        accepted, train = _ours(case, root / case.rule)
        ours[case.rule] = accepted
        media_root = root / case.rule / "media" if case.media else None
        jobs.append(
            {
                "id": case.rule,
                "path": str(train),
                "model": FORGE_MODELS[case.base_model],
                "method": "RFT_LORA" if case.customization == RFT else "SFT_LORA",
                "media": _media_files(train, media_root),
            }
        )
    (root / "jobs.json").write_text(json.dumps(jobs))
    result = subprocess.run(
        [str(NOVA_PYTHON), str(RUNNER), str(root / "jobs.json")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    theirs = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        rule: (ours[rule], bool(theirs[rule]["accepted"]), str(theirs[rule]["reason"]))
        for rule in ours
    }


# ~90 s on 2 cores (a second Python stack, moto, libmediainfo): the e2e lane.
@pytest.mark.e2e
def test_validators_agree_on_every_case_but_the_documented_departures(
    verdicts: dict[str, tuple[bool, bool, str]],
) -> None:
    disagree = {rule: v for rule, v in verdicts.items() if v[0] != v[1]}
    agreement = len(verdicts) - len(disagree)
    for rule, (ours, theirs, reason) in sorted(verdicts.items()):
        print(f"{rule}: ours={ours} forge={theirs} {reason[:160]!r}")
    print(f"agreement with amzn-nova-forge: {agreement}/{len(verdicts)}")
    assert set(disagree) == set(DEPARTURES), {r: v for r, v in disagree.items()}
    assert agreement >= MIN_AGREEMENT


@pytest.mark.e2e
def test_no_case_fails_in_the_validator_for_want_of_aws(
    verdicts: dict[str, tuple[bool, bool, str]],
) -> None:
    # An infrastructure error would be a refusal for the wrong reason: agreement by accident.
    assert not [r for r, v in verdicts.items() if "InfrastructureError" in v[2]]


def test_every_departure_is_in_the_docs_with_its_sentence() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for rule in DEPARTURES:
        assert f"`{rule}`" in text, f"{rule} is not listed in {DOCS}"
