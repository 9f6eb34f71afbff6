"""Evaluation loads a ReFT model with its intervention, not the untrained base alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from tests.python_probe import run_python
from training_scripts.methods.reft import reft_sites
from training_scripts.metrics.generation import load_model
from training_scripts.reft_model import REFT_DIR, ReftModel, load_reft


def test_reft_model_dir_is_evaluated_with_its_intervention(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    reft = ReftModel(AutoModelForCausalLM.from_pretrained(tiny_model_dir), layers=[1], rank=2)
    with torch.no_grad():  # a trained intervention is not the identity
        reft.interventions["1"].learned.weight.normal_(std=0.5)
    reft.save(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    ids = tokenizer("metformin lowers glucose", return_tensors="pt").input_ids

    loaded = load_model(tmp_path)
    with torch.no_grad():
        evaluated = loaded.model(ids).logits
        expected = reft(input_ids=ids).logits
        base_only = AutoModelForCausalLM.from_pretrained(tmp_path)(ids).logits
    assert torch.allclose(evaluated, expected, atol=1e-5)
    assert not torch.allclose(evaluated, base_only, atol=1e-3)


def test_a_model_saved_with_one_layer_before_several_still_loads(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    reft = ReftModel(AutoModelForCausalLM.from_pretrained(tiny_model_dir), layers=[1], rank=2)
    with torch.no_grad():
        reft.interventions["1"].learned.weight.normal_(std=0.5)
    reft.save(tmp_path)
    # The earlier layout: {"layer": n} and the one intervention's keys without a prefix.
    (tmp_path / REFT_DIR / "config.json").write_text(json.dumps({"layer": 1, "rank": 2}))
    state = reft.interventions["1"].state_dict()
    torch.save(state, tmp_path / REFT_DIR / "intervention.pt")
    ids = torch.tensor([[5, 40, 77]])
    with torch.no_grad():
        assert torch.allclose(load_reft(tmp_path)(input_ids=ids).logits, reft(input_ids=ids).logits)


@pytest.mark.parametrize(
    ("spec", "sites"),
    [
        ("all", ([0, 1], True)),
        ("-1", ([1], False)),
        ("0,1", ([0, 1], False)),
        ("1,0", ([1, 0], False)),
        ("embeddings", ([], True)),
        ("embeddings, -1", ([1], True)),
    ],
)
def test_reft_layers_name_decoder_layers_and_the_embeddings(
    spec: str, sites: tuple[list[int], bool]
) -> None:
    assert reft_sites(spec, 2) == sites


@pytest.mark.parametrize("spec", ["2", "-3", "middle", "", "embedding"])
def test_reft_layers_outside_the_model_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="reft_layers"):
        reft_sites(spec, 2)


def test_an_embedding_intervention_is_saved_and_loaded(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    reft = ReftModel(base, layers=[1], rank=2, embeddings=True)
    with torch.no_grad():
        reft.interventions["embeddings"].learned.bias.normal_(std=0.5)
    reft.save(tmp_path)
    ids = torch.tensor([[5, 40, 77]])
    with torch.no_grad():
        expected = reft(input_ids=ids).logits
        without = ReftModel(AutoModelForCausalLM.from_pretrained(tiny_model_dir), [1], 2)
        without.interventions["1"].load_state_dict(reft.interventions["1"].state_dict())
        assert not torch.allclose(without(input_ids=ids).logits, expected, atol=1e-3)
        assert torch.allclose(load_reft(tmp_path)(input_ids=ids).logits, expected, atol=1e-5)


def test_a_loaded_intervention_follows_the_evaluation_dtype(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """On a GPU Evaluate runs in bf16: edits left in fp32 fail at the first matmul, and the
    Cayley map (a linear solve) has no bf16 kernel there, so it is baked in at load."""
    reft = ReftModel(AutoModelForCausalLM.from_pretrained(tiny_model_dir), [0, 1], 2, True)
    with torch.no_grad():
        reft.interventions["1"].learned.weight.normal_(std=0.5)
    reft.save(tmp_path)
    loaded = load_reft(tmp_path)
    ids = torch.tensor([[5, 40, 77]])
    with torch.no_grad():
        expected = loaded(input_ids=ids).logits
        half = loaded.to(torch.bfloat16)
        assert {p.dtype for p in half.parameters()} == {torch.bfloat16}
        assert not any(torch.nn.utils.parametrize.is_parametrized(m.rotate)
                       for m in half.interventions.values())  # fmt: skip
        assert torch.allclose(half(input_ids=ids).logits.float(), expected, atol=0.15)


def test_evaluation_loads_a_reft_model_without_the_training_libraries(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """Evaluate loads ReFT models; trl and peft cost it seconds of imports and are not needed."""
    ReftModel(AutoModelForCausalLM.from_pretrained(tiny_model_dir), layers=[0], rank=2).save(
        tmp_path
    )
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(tmp_path)
    out = run_python(
        "import sys; from pathlib import Path\n"
        "from training_scripts.metrics.generation import load_model\n"
        f"load_model(Path({str(tmp_path)!r}))\n"
        "print(sorted(m for m in ('trl', 'peft') if m in sys.modules))"
    )
    assert out.strip() == "[]"


def test_an_untrained_intervention_is_the_identity(tiny_model_dir: Path) -> None:
    """Step 0 of reft is the base model: a random edit would start below the base."""
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    ids = torch.tensor([[5, 40, 77, 120]])
    with torch.no_grad():
        expected = base(input_ids=ids).logits
        reft = ReftModel(base, layers=[0, 1], rank=2)
        assert torch.allclose(reft(input_ids=ids).logits, expected, atol=1e-5)
