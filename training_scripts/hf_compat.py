"""Where transformers 4.57.x (the SMDDP image) and 5.x (every other image) differ, in one place.

The same training code runs on both stacks (docs/decisions.md, "Training images"). Each
difference below has a test (tests/training/test_hf_compat.py) that runs under both stacks:
- Tokenizer files: 5.x saves `tokenizer_class: TokenizersBackend`, a class 4.57 does not have,
  so a tokenizer saved on one image would not load on the other. We save the class name both
  understand (PreTrainedTokenizerFast, which 5.x maps onto its tokenizers backend) and load
  5.x-saved tokenizers on 4.57 through that class.
- Decoder layer outputs: older 4.x decoder layers return a tuple led by the hidden states,
  4.57 and 5.x a tensor; forward hooks that edit hidden states accept both.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import transformers

TRANSFORMERS_MAJOR = int(transformers.__version__.split(".")[0])
PORTABLE_TOKENIZER_CLASS = "PreTrainedTokenizerFast"
_V5_ONLY_TOKENIZER_CLASSES = ("TokenizersBackend",)
_TOKENIZER_CONFIG = "tokenizer_config.json"


def save_tokenizer(tokenizer: Any, out: Path) -> None:
    """save_pretrained, with a tokenizer class both stacks can load."""
    tokenizer.save_pretrained(out)
    config_file = Path(out) / _TOKENIZER_CONFIG
    config = json.loads(config_file.read_text(encoding="utf-8"))
    if config.get("tokenizer_class") in _V5_ONLY_TOKENIZER_CLASSES:
        config["tokenizer_class"] = PORTABLE_TOKENIZER_CLASS
        config_file.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def load_tokenizer(source: str | Path) -> Any:
    """AutoTokenizer, except that 4.x reads a 5.x-saved tokenizer as PreTrainedTokenizerFast."""
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    config_file = Path(source) / _TOKENIZER_CONFIG
    if TRANSFORMERS_MAJOR < 5 and config_file.is_file():
        config = json.loads(config_file.read_text(encoding="utf-8"))
        if config.get("tokenizer_class") in _V5_ONLY_TOKENIZER_CLASSES:
            return PreTrainedTokenizerFast.from_pretrained(source)
    return AutoTokenizer.from_pretrained(source)


def decoder_hidden_states(output: Any) -> Any:
    """The hidden states a decoder layer returned (a tensor, or the head of a tuple)."""
    return output[0] if isinstance(output, tuple) else output


def with_decoder_hidden_states(output: Any, hidden: Any) -> Any:
    """`output` with its hidden states replaced, in the shape the layer returned."""
    return (hidden, *output[1:]) if isinstance(output, tuple) else hidden
