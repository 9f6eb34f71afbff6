"""Build models from scratch: a BPE tokenizer trained on the corpus and a config preset.

Pre-training from scratch uses the same self-supervised next-token objective foundation models
start from; the tests, the benchmarks and the offline demo use the tiny presets, so nothing is
ever downloaded from a model hub.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from training_scripts.vocabulary.architectures import ARCHITECTURES

SPECIAL_TOKENS = {"pad": "<pad>", "bos": "<s>", "eos": "</s>", "unk": "<unk>"}

# A chat template so instruction-tuning formats (bedrock-conversation-2024 messages) render the
# same way for a scratch model as for a hub model that ships its own template.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\\n' + message['content'] + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"
)


def train_bpe_tokenizer(
    texts: Iterable[str], vocab_size: int = 512, model_max_length: int = 256
) -> PreTrainedTokenizerFast:
    """Byte-level BPE trained on `texts`, wrapped as a transformers fast tokenizer."""
    tokenizer = Tokenizer(models.BPE(unk_token=SPECIAL_TOKENS["unk"]))
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS.values()),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token=SPECIAL_TOKENS["pad"],
        bos_token=SPECIAL_TOKENS["bos"],
        eos_token=SPECIAL_TOKENS["eos"],
        unk_token=SPECIAL_TOKENS["unk"],
        model_max_length=model_max_length,
    )
    wrapped.chat_template = CHAT_TEMPLATE
    return wrapped


def init_causal_lm(
    preset: str, tokenizer: PreTrainedTokenizerFast, seed: int = 0, vocab_size: int | None = None
) -> LlamaForCausalLM:
    """A randomly initialised Llama-style model sized by `preset` for `tokenizer`.

    `vocab_size` larger than the tokenizer's pads the embedding (benchmarks size a model like
    a real 32k-vocabulary one while training the tokenizer on a small corpus).
    """
    if preset not in ARCHITECTURES:
        names = ", ".join(ARCHITECTURES)
        raise ValueError(f"architecture preset {preset!r}: must be one of {names}")
    import torch

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=max(len(tokenizer), vocab_size or 0),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
        **ARCHITECTURES[preset],
    )
    return LlamaForCausalLM(config)
