"""Training throughput: our cpt and sft paths vs two baselines, same model, same run.

    python bench/train_throughput.py                          # tiny model, CPU, < 2 minutes
    python bench/train_throughput.py --preset base --device cuda --bf16 --seq-len 1024

Tokens/s counts real (non-padding) tokens. Baselines:
- HF Trainer: what a first attempt looks like: one example per row, padded to the longest in the
  batch (DataCollatorForLanguageModeling);
- trl packed: what a user would actually pick: trl's SFTTrainer with packing (best-fit
  decreasing, padding-free batches), completion-only loss for sft.
On a GPU the table adds MFU = 6·N·tokens/s / bf16 peak.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import datasets
import torch
import transformers
from datasets import Dataset
from transformers import DataCollatorForLanguageModeling, Trainer, TrainingArguments
from transformers.trainer_callback import PrinterCallback

from training_scripts.checkpointing import CheckpointStore, StopRequest
from training_scripts.distributed import DistContext
from training_scripts.hyperparameters import defaults
from training_scripts.methods.causal_lm import lm_loss, rows_for
from training_scripts.model_factory import init_causal_lm, train_bpe_tokenizer
from training_scripts.token_batches import instruction_tokens, text_tokens
from training_scripts.training_loop import Task, run
from training_scripts.vocabulary.metrics import TOKENS_PER_SECOND
from training_scripts.vocabulary.records import InstructionExample, TextExample

# Dense bf16 tensor-core peaks from the vendors' datasheets (NVIDIA H100/H200 SXM, A100 SXM,
# A10G, L4); "with sparsity" figures are twice these.
BF16_PEAK_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "A10G": 70.0, "L4": 121.0}

WORDS = [
    *("patient", "dosage", "metformin", "contract", "liability", "clause", "shipment", "delay"),
    *("support", "order", "router", "restart", "invoice", "refund", "diagnosis", "pressure"),
]


def corpus(count: int, seed: int = 0) -> list[str]:
    """Documents of widely varying length, like real data (what makes padding expensive)."""
    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=rng.randint(4, 120))) for _ in range(count)]


class CountingCollator(DataCollatorForLanguageModeling):
    """Pads like the stock collator and counts real vs padded tokens."""

    real = padded = 0

    def __call__(self, features, *args, **kwargs):
        batch = super().__call__(features, *args, **kwargs)
        self.real += int(batch["attention_mask"].sum())
        self.padded += int(batch["attention_mask"].numel())
        return batch


def ours(model, rows, steps: int, batch: int, lr: float, bf16: bool, device: torch.device) -> float:
    hp = dataclasses.replace(
        defaults("cpt"),
        max_steps=steps,
        batch_size=batch,
        learning_rate=lr,
        checkpoint_every=0,
        log_every=10**6,
        lr_scheduler="constant",
        bf16=bf16,
    )
    task = Task(model=model, rows=rows, loss=lm_loss, save=lambda out: None)
    with tempfile.TemporaryDirectory() as tmp, StopRequest() as stop:
        result = run(task, hp, DistContext(device=device), CheckpointStore(Path(tmp)), stop, log=id)
    return result.final[TOKENS_PER_SECOND]


def _baseline_args(steps, batch, lr, bf16, device) -> dict:
    """What both baselines are given alike: steps, batch, a constant rate, and no saving,
    logging, progress bar or loader workers in the measured time."""
    return {
        "output_dir": tempfile.mkdtemp(),
        "max_steps": steps,
        "per_device_train_batch_size": batch,
        "learning_rate": lr,
        "lr_scheduler_type": "constant",
        "bf16": bf16,
        "use_cpu": device.type == "cpu",
        "report_to": [],
        "save_strategy": "no",
        "logging_strategy": "no",
        "disable_tqdm": True,
        "dataloader_num_workers": 0,
    }


def baseline(model, tokenizer, sequences, steps, batch, lr, bf16, device) -> tuple[float, float]:
    data = Dataset.from_dict({"input_ids": [ids for ids, _ in sequences]})
    collator = CountingCollator(tokenizer, mlm=False)
    args = TrainingArguments(**_baseline_args(steps, batch, lr, bf16, device))
    trainer = Trainer(model=model, args=args, train_dataset=data, data_collator=collator)
    trainer.remove_callback(PrinterCallback)
    started = time.perf_counter()
    trainer.train()
    elapsed = time.perf_counter() - started
    return collator.real / elapsed, 1 - collator.real / max(1, collator.padded)


def trl_packed(model, tokenizer, examples, steps, batch, lr, bf16, device, seq_len) -> float:
    """trl's SFTTrainer with packing (padding-free): real tokens per second."""
    from trl import SFTConfig, SFTTrainer

    if isinstance(examples[0], TextExample):
        data = Dataset.from_dict({"text": [ex.text for ex in examples]})
    else:
        data = Dataset.from_dict({"prompt": [ex.prompt for ex in examples],
                                  "completion": [ex.completion for ex in examples]})  # fmt: skip
    config = SFTConfig(
        **_baseline_args(steps, batch, lr, bf16, device),  # trl defaults bf16 on, even on CPU
        max_length=seq_len,
        packing=True,  # bfd packing, padding-free batches (trl's default strategy)
        gradient_checkpointing=False,  # trl defaults it on
    )
    trainer = SFTTrainer(model=model, args=config, train_dataset=data, processing_class=tokenizer)
    trainer.remove_callback(PrinterCallback)
    collate, counted = trainer.data_collator, [0]

    def counting(features):
        out = collate(features)
        mask = out.get("attention_mask")
        counted[0] += int(mask.sum()) if mask is not None else int(out["input_ids"].numel())
        return out

    trainer.data_collator = counting
    started = time.perf_counter()
    trainer.train()
    return counted[0] / (time.perf_counter() - started)


def mfu(tokens_per_second: float, parameters: int, device: torch.device) -> str:
    if device.type != "cuda":
        return "n/a (CPU)"
    name = torch.cuda.get_device_name(device)
    peak = next((v for k, v in BF16_PEAK_TFLOPS.items() if k in name), None)
    if peak is None:
        return f"n/a ({name})"
    return f"{6 * parameters * tokens_per_second / (peak * 1e12):.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny", help="model_factory preset: tiny|small|base")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--seq-len", type=int, default=256)
    parser.add_argument(
        "--vocab-size", type=int, default=0, help="pad the vocabulary (base: 32000)"
    )
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast (GPU)")
    parser.add_argument("--documents", type=int, default=400)
    parser.add_argument(
        "--ours-only",
        action="store_true",
        help="skip both baselines: a steady-state MFU needs hundreds of steps, where the plain "
        "Trainer alone takes minutes",
    )
    args = parser.parse_args()
    device = torch.device(args.device)
    datasets.disable_progress_bars()
    transformers.utils.logging.set_verbosity_error()
    if device.type == "cpu":
        torch.set_num_threads(1)  # comparable numbers on a shared machine
    texts = corpus(args.documents)
    tokenizer = train_bpe_tokenizer(texts, vocab_size=512, model_max_length=args.seq_len)
    qa = [InstructionExample(t[:40], t[40:]) for t in texts]
    docs = [TextExample(t) for t in texts]
    paths = {
        "cpt": (docs, [text_tokens(tokenizer, ex) for ex in docs]),
        "sft": (qa, [instruction_tokens(tokenizer, ex) for ex in qa]),
    }
    lr, rows_out = 1e-3, []
    for name, (examples, sequences) in paths.items():
        sequences = [(ids[: args.seq_len], labels[: args.seq_len]) for ids, labels in sequences]
        model = init_causal_lm(args.preset, tokenizer, seed=0, vocab_size=args.vocab_size)
        parameters = sum(p.numel() for p in model.parameters())
        rows = rows_for(tokenizer, examples, args.seq_len)
        ours_tps = ours(model.to(device), rows, args.steps, args.batch_size, lr, args.bf16, device)
        base_tps = base_waste = trl_tps = float("nan")
        if not args.ours_only:
            model = init_causal_lm(args.preset, tokenizer, seed=0, vocab_size=args.vocab_size)
            base_tps, base_waste = baseline(
                model, tokenizer, sequences, args.steps, args.batch_size, lr, args.bf16, device
            )
            model = init_causal_lm(args.preset, tokenizer, seed=0, vocab_size=args.vocab_size)
            trl_tps = trl_packed(model.to(device), tokenizer, examples, args.steps,
                                 args.batch_size, lr, args.bf16, device, args.seq_len)  # fmt: skip
        rows_out.append(
            (
                name,
                ours_tps,
                base_tps,
                trl_tps,
                rows.padding_waste,
                base_waste,
                mfu(ours_tps, parameters, device),
            )
        )
    label = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU, 1 thread"
    print(f"model preset {args.preset} ({parameters / 1e6:.1f}M parameters), {label}, "
          f"{args.steps} steps x {args.batch_size} rows x {args.seq_len} tokens")  # fmt: skip
    print(f"{'path':<5} {'ours tok/s':>11} {'HF Trainer':>11} {'ratio':>6} {'trl packed':>11} "
          f"{'ratio':>6} {'ours pad':>9} {'HF pad':>7} {'ours MFU':>9}")  # fmt: skip
    for name, ours_tps, base_tps, trl_tps, waste, base_waste, util in rows_out:
        print(f"{name:<5} {ours_tps:>11.0f} {base_tps:>11.0f} {ours_tps / base_tps:>5.2f}x "
              f"{trl_tps:>11.0f} {ours_tps / trl_tps:>5.2f}x "
              f"{waste:>8.1%} {base_waste:>7.1%} {util:>9}")  # fmt: skip


if __name__ == "__main__":
    main()
