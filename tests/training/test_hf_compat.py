"""One test per transformers 4.57 / 5.x difference the code bridges (training_scripts/hf_compat.py).

`make test` runs these under both stacks: the main venv (5.x) and .venv-smddp (4.57.x).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from tests.conftest import TINY_CORPUS
from training_scripts import hf_compat
from training_scripts.model_factory import train_bpe_tokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return train_bpe_tokenizer(TINY_CORPUS, vocab_size=300)


def test_saved_tokenizer_names_a_class_both_stacks_load(tokenizer, tmp_path: Path) -> None:
    hf_compat.save_tokenizer(tokenizer, tmp_path)
    config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == hf_compat.PORTABLE_TOKENIZER_CLASS
    from transformers import AutoTokenizer

    loaded = AutoTokenizer.from_pretrained(tmp_path)
    text = TINY_CORPUS[0]
    assert loaded(text)["input_ids"] == tokenizer(text)["input_ids"]
    assert loaded.chat_template == tokenizer.chat_template


def test_tokenizer_saved_by_transformers_5_loads_on_either_stack(tokenizer, tmp_path: Path) -> None:
    tokenizer.save_pretrained(tmp_path)
    config_file = tmp_path / "tokenizer_config.json"
    config = json.loads(config_file.read_text())
    config["tokenizer_class"] = "TokenizersBackend"  # what transformers 5 writes
    config_file.write_text(json.dumps(config))
    if hf_compat.TRANSFORMERS_MAJOR < 5:
        from transformers import AutoTokenizer

        with pytest.raises(ValueError, match="TokenizersBackend"):
            AutoTokenizer.from_pretrained(tmp_path)  # the difference this bridges
    loaded = hf_compat.load_tokenizer(tmp_path)
    assert loaded(TINY_CORPUS[1])["input_ids"] == tokenizer(TINY_CORPUS[1])["input_ids"]
    assert loaded.pad_token == "<pad>"


@pytest.mark.parametrize("as_tuple", [True, False], ids=["tuple (4.x)", "tensor (4.57, 5.x)"])
def test_decoder_output_edits_keep_the_shape_the_layer_returned(as_tuple: bool) -> None:
    hidden, extra = torch.ones(1, 2, 4), torch.zeros(1)
    output = (hidden, extra) if as_tuple else hidden
    assert torch.equal(hf_compat.decoder_hidden_states(output), hidden)
    edited = hf_compat.with_decoder_hidden_states(output, hidden * 2)
    if as_tuple:
        assert isinstance(edited, tuple) and edited[1] is extra
        assert torch.equal(edited[0], hidden * 2)
    else:
        assert torch.equal(edited, hidden * 2)
