"""Each method trains a few steps on a tiny model and learns; method-specific guarantees."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

from tests.metric_lines import parse_metrics
from tests.training.jobs import (
    cpt_records,
    held_out_preference_records,
    loss_dropped,
    make_job,
    preference_records,
    run_job,
    sft_records,
    summary,
)
from training_scripts.contract import metric_definitions
from training_scripts.reft_model import load_reft
from training_scripts.vocabulary.metrics import TRAINING_METRICS

COMMON = ("--max_steps", "12", "--batch_size", "4", "--max_seq_length", "64", "--log_every", "1")
# Per method: records, extra hyperparameters, extra channels beyond `model`.
SETUPS: dict[str, tuple[Callable[[], list[dict]], tuple[str, ...]]] = {
    "cpt": (cpt_records, ("--learning_rate", "3e-3")),
    "sft": (sft_records, ("--learning_rate", "3e-3")),
    "lora": (sft_records, ("--learning_rate", "1e-2", "--lora_dropout", "0")),
    "reft": (sft_records, ("--learning_rate", "2e-2", "--reft_rank", "8")),
    "distill": (sft_records, ("--learning_rate", "3e-3")),
    "reward": (preference_records, ("--learning_rate", "3e-3")),
    "dpo": (preference_records, ("--learning_rate", "3e-3")),
}


@pytest.fixture(scope="module")
def trained(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """Train each method once per module; tests read the job's outputs and stdout."""
    done: dict[str, tuple[Path, str]] = {}

    def train(method: str, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
        if method not in done:
            records, extra = SETUPS[method]
            links = {"model": tiny_model_dir}
            if method == "distill":
                links["teacher"] = tiny_model_dir  # teacher == student
            data = records()
            # Reward accuracy is reported on rows the model never trained on.
            held_out = held_out_preference_records() if method == "reward" else data[:4]
            root = make_job(tmp_path_factory.mktemp(method), data, held_out, links=links)
            assert run_job(root, "--method", method, *COMMON, *extra) == 0
            done[method] = (root, capsys.readouterr().out)
        return done[method]

    return train


@pytest.mark.parametrize("method", list(SETUPS))
def test_method_training_lowers_the_loss(method: str, trained, capsys) -> None:
    root, _ = trained(method, capsys)
    result = summary(root)
    first, last = loss_dropped(result["loss_history"])
    assert result["steps"] == 12 and result["method"] == method
    assert last < first * 0.98, f"{method}: loss {first:.4f} -> {last:.4f}"


def test_pretraining_from_scratch_gives_a_loadable_model_and_tokenizer(tmp_path: Path) -> None:
    root = make_job(tmp_path, cpt_records())
    args = ("--architecture", "tiny", "--vocab_size", "300", "--method", "cpt", *COMMON)
    assert run_job(root, *args) == 0
    model_dir = root / "opt/ml/model"
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    ids = tokenizer("The patient was prescribed metformin.", return_tensors="pt").input_ids
    assert tokenizer.decode(ids[0]) == "The patient was prescribed metformin."
    assert model(ids).logits.shape[-1] == len(tokenizer) == 300
    assert summary(root)["from_scratch"] is True


def test_lora_merged_weights_give_the_adapter_plus_base_logits(
    trained, capsys, tiny_model_dir: Path
) -> None:
    root, _ = trained("lora", capsys)
    model_dir = root / "opt/ml/model"
    ids = torch.tensor([[5, 40, 77, 120, 9, 33]])
    merged = AutoModelForCausalLM.from_pretrained(model_dir).eval()(ids).logits
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    adapted = PeftModel.from_pretrained(base, model_dir / "adapter").eval()(ids).logits
    untouched = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()(ids).logits
    assert torch.allclose(merged, adapted, atol=1e-5)
    assert not torch.allclose(merged, untouched, atol=1e-3)  # the adapter learned something


def test_distill_with_the_student_as_teacher_starts_at_zero_kl(trained, capsys) -> None:
    _, out = trained("distill", capsys)
    first = next(line for line in out.splitlines() if line.startswith("step=1;"))
    assert parse_metrics(first, metric_definitions(TRAINING_METRICS))["distill_kl"] < 1e-6


def test_reward_model_ranks_held_out_polite_answers_first(trained, capsys) -> None:
    trained_texts = {text for row in preference_records() for text in row.values()}
    held_out_texts = {text for row in held_out_preference_records() for text in row.values()}
    assert not trained_texts & held_out_texts
    root, out = trained("reward", capsys)
    accuracy = summary(root)["final"]["eval_reward_accuracy"]
    assert accuracy > 0.5
    assert (
        parse_metrics(out.splitlines()[-1], metric_definitions(TRAINING_METRICS))[
            "eval_reward_accuracy"
        ]
        == accuracy
    )


def test_reft_trains_a_small_share_and_leaves_the_base_frozen(
    trained, capsys, tiny_model_dir: Path
) -> None:
    root, _ = trained("reft", capsys)
    model_dir = root / "opt/ml/model"
    result = summary(root)
    assert 0 < result["trainable_share"] < 0.05
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir).state_dict()
    saved = AutoModelForCausalLM.from_pretrained(model_dir).state_dict()
    assert all(torch.equal(base[k], saved[k]) for k in base)
    ids = torch.tensor([[5, 40, 77, 120]])
    intervened = load_reft(model_dir)(input_ids=ids).logits
    assert not torch.allclose(
        intervened, AutoModelForCausalLM.from_pretrained(model_dir)(ids).logits
    )
