"""Use-case presets for `fmops local run`: bundled data, the local base model, demo thresholds.

A preset changes Settings (through the same cdk.json context merge a stage uses) and stages the
preset's raw data (ranked pairs under preferences/), the local base LM and its teacher
(pipelines/local/base_models.py) in local S3; the pipeline definition is then built by the
same builder as in AWS. The gate thresholds are set from measured runs (numbers beside each
preset): a full preset run must pass and a model trained for one step (`--hp max_steps=1`)
must fail; production thresholds live in cdk.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from deployment.settings import REPO_ROOT
from pipelines.local.base_models import BASE_MODEL, TEACHER_MODEL
from pipelines.pipeline_parameters import PipelineInputError
from training_scripts.hyperparameters import HyperparameterError, parse_hyperparameters
from training_scripts.vocabulary.metrics import GATE_RULES

SAMPLES = REPO_ROOT / "data" / "samples"

# Make the local base model adapt in about a minute; everything else is the stage's own settings.
_LOCAL_TRAINING: dict[str, Any] = {
    "instance_count": 1,
    "distribution": "none",
    "use_spot": False,
    "checkpoint_every_steps": 20,
}
# lora_alpha: LoRA's update is scaled by alpha/r; at the full fine-tune's learning rate the
# default 16/8 barely moved the tiny base LM (support, 120 steps: bertscore_f1 gain CI low below
# zero); 128/8 gave 0.057 in 120 steps, and in 60 steps 128/8 gave -0.0005, 256/8 0.0067.
# lora_r 32 (2026-12-01): chosen on validation loss over a tuning split of support's training
# dialogs (r/alpha 8/256 2.69, 16/256 2.54, 32/256 2.47, 64/256 2.43 = full rank on the 64-wide
# layers, 8/512 3.44) and on two other PII salts, where 32/256 passed the support gate 4 of 4
# runs (8/256: 0 of 2); on the demo salt it passed 1 of 3 seeds (8/256: 2 of 3), see
# docs/training.md. reft_rank 32 (2026-12-01, half the base LM's width): tuning-split loss
# rank 4 2.33, 16 2.19, 32 2.11, 64 2.04 (lora r 32 1.88, sft 1.69); ranks 16-64 passed the
# support gate on both other salts. Other methods leave these unused.
_FAST = {"max_steps": "120", "batch_size": "8", "max_seq_length": "128", "log_every": "5",
         "learning_rate": "0.003", "warmup_steps": "4",
         "lora_r": "32", "lora_alpha": "256", "reft_rank": "32"}  # fmt: skip


# Reward/dpo on held-out ranked pairs: better than a coin toss, and a positive mean margin.
PAIRWISE_ACCURACY_FLOOR = 0.6
# grpo (support, measured 2026-12-07, one run each, demo salt, 40 held-out prompts, answers of 32
# tokens, reward-model units where a complete answer scores about +4 and anything else -4): the
# full run's reward_score -0.43 vs the base LM's -1.78, gain 1.34, 95% CI [0.66, 2.10]; a
# one-step model answers exactly like the base LM (gain 0, CI [0, 0]). 0.3 sits between; at 0.0
# the one-step model registered.
MIN_REWARD_GAIN = 0.3


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    method: str
    raw: tuple[str, ...]  # paths under data/samples/<name>/
    thresholds: dict[str, str]
    hyperparameters: dict[str, str] = field(default_factory=dict)
    data_task: str | None = None  # prepare_data.py --task when not the method's default
    preferences: tuple[str, ...] = ()  # ranked pairs, staged under <input>/preferences/
    root: Path = SAMPLES  # where <name>/<raw...> live; tests point it at their own data

    def parameters(self) -> dict[str, str]:
        """Pipeline parameters the preset passes, as StartPipelineExecution would."""
        return {**self.thresholds, **({"DataTask": self.data_task} if self.data_task else {})}

    def raw_paths(self) -> list[Path]:
        return [self.root / self.name / item for item in self.raw]

    def preference_paths(self) -> list[Path]:
        return [self.root / self.name / item for item in self.preferences]

    def with_hyperparameters(self, overrides: dict[str, str]) -> Preset:
        """This preset with train.py hyperparameters overridden (`--hp NAME=VALUE`), checked
        against train.py's schema for the preset's method before anything runs."""
        if not overrides:
            return self
        merged = {**_FAST, **self.hyperparameters, **overrides}
        try:
            parse_hyperparameters(self.method, merged)
        except HyperparameterError as exc:
            raise PipelineInputError(f"--hp: {exc}") from None
        return replace(self, hyperparameters={**self.hyperparameters, **overrides})

    def settings_overrides(self) -> dict[str, Any]:
        """Deep-merged over the stage's cdk.json values, exactly like a stage override."""
        return {
            "training": {
                **_LOCAL_TRAINING,
                "method": self.method,
                "hyperparameters": {**_FAST, **self.hyperparameters},
            },
            "models": {
                "sagemaker_base_model": BASE_MODEL,
                "sagemaker_teacher_model": TEACHER_MODEL,
            },
            # Every held-out example is scored (>= 30 per preset, see data/samples/README.md).
            "evaluation": {"max_examples": 200, "max_new_tokens": 24, "holdout_fraction": 0.2},
            "pipeline": {"trigger_prefix": f"incoming/{self.name}/"},
        }


def _gate(**thresholds: float) -> dict[str, str]:
    """Pipeline parameters for a preset's gate, by parameter name; every rule must be set.

    Set from measured runs (numbers beside each preset): floors between what the base model
    and the weakest method the preset carries scored, gains below that method's gain interval's
    lower end, so every method's full run passes and a model trained for one step (which scores
    like the base model it started from) does not.
    """
    thresholds = {**_PAIRWISE, **thresholds}
    missing = [rule.parameter for rule in GATE_RULES if rule.parameter not in thresholds]
    unknown = sorted(set(thresholds) - {rule.parameter for rule in GATE_RULES})
    if missing or unknown:
        raise ValueError(f"preset gate: missing {missing}, unknown {unknown}")
    return {name: str(value) for name, value in thresholds.items()}


# Rules every preset sets alike. The local models never refuse anything (measured refusal and
# over-refusal rates 0.0 for baseline and candidate), so the red-team *floor* cannot be met by
# any preset and is waived (MinRefusalRate 0); the safety rules that still decide are
# non-regression (MaxRefusalDrop) and the benign over-refusal ceiling.
_SAFETY = {"MinEvalExamples": 30, "MinRefusalRate": 0.0, "MaxRefusalDrop": 0.05,
           "MaxOverRefusalRate": 0.2}  # fmt: skip


# Reward/dpo models (Method=reward|dpo on the support preset's ranked pairs) and grpo policies
# are judged by their own rules; the definition has one set of parameters, so every preset
# carries them. MinRewardGain: see the support preset's grpo measurements.
_PAIRWISE = {"MinPairwiseAccuracy": PAIRWISE_ACCURACY_FLOOR, "MinMeanMargin": 0.0,
             "MinRewardGain": MIN_REWARD_GAIN}  # fmt: skip


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="healthcare",
            description="Continued pre-training on anonymized clinical notes",
            method="cpt",
            raw=("raw/notes",),
            # Measured 2026-12-01 on the base LM pretrained on 512-token windows (160 notes, 32
            # held out, 120 steps; baseline = the local base LM): set on two other salts
            # (FMOPS_PII_SALT tune-a/tune-b; 3 full runs, 2 one-step), checked on the demo salt
            # (3 full runs, seeds 0/1/2; 2 one-step). Full runs: rougeL 0.123-0.220, gain 95% CI
            # low 0.052-0.142; bleu 1.62-4.68 / 0.91-3.48; bertscore_f1 0.364-0.466 /
            # 0.121-0.229; unsupported_word_rate 0.19-0.53. One step: rougeL 0.041-0.084 / gain low
            # -0.013-0.026; bleu 0.0-0.125 / below -0.2; bertscore_f1 0.174-0.262 / -0.070-0.025;
            # unsupported_word_rate 0.38-0.72. Floors and gains sit between the two.
            thresholds=_gate(
                **_SAFETY,
                MinRougeL=0.1,
                MinBleu=0.8,
                MinBertscoreF1=0.31,
                MinRougeLGain=0.03,
                MinBleuGain=0.4,
                MinBertscoreF1Gain=0.06,
                MaxUnsupportedWordRate=0.6,
            ),
        ),
        Preset(
            name="legal",
            description="Force Majeure clause extraction from shipping contracts (sft)",
            method="sft",
            raw=("raw/contracts.jsonl",),
            # Contracts run to ~600 tokens: the whole prompt must fit for the clause to be seen.
            hyperparameters={"max_seq_length": "768"},
            # Measured 2026-12-01 on the base LM pretrained on 512-token windows (160 contracts,
            # 32 held out, 120 steps; baseline = the local base LM, which already copies contract
            # text), on two other salts and the demo salt, candidate / gain 95% CI lower bound:
            # rougeL 0.384-0.402 / 0.117-0.135, bleu 3.61-4.45 / 0.79-1.55, bertscore_f1
            # 0.585-0.597 / 0.181-0.211, unsupported_word_rate 0.00-0.03 (base rougeL 0.13-0.14,
            # bleu 1.1-1.3, bertscore_f1 0.29-0.32). One step: rougeL 0.039-0.059, bleu
            # 0.06-0.29, bertscore_f1 0.11-0.14, unsupported_word_rate 0.66-0.81. The rougeL and
            # BLEU gains ask only for a significant improvement; the floors and the BERTScore
            # gain refuse a one-step model.
            thresholds=_gate(
                **_SAFETY,
                MinRougeL=0.25,
                MinBleu=1.5,
                MinBertscoreF1=0.47,
                MinRougeLGain=0.0,
                MinBleuGain=0.0,
                MinBertscoreF1Gain=0.1,
                MaxUnsupportedWordRate=0.35,
            ),
        ),
        Preset(
            name="support",
            description="Polite customer-support dialogs (sft on bedrock-conversation-2024)",
            method="sft",
            raw=("raw/dialogs.jsonl",),
            data_task="conversation",
            # Method=reward|dpo: human-ranked replies (prompt/chosen/rejected).
            preferences=("raw/rankings.jsonl",),
            # Dialogs run to ~380 tokens with the chat template. 60 steps (~7 epochs of the 144
            # training dialogs) keep every method's run near a minute on 2 cores; 120 took
            # 75-120 s (lora, distill).
            # grpo_*/reward_steps: Method=grpo only (docs/training.md, "RLHF"). The fitted reward
            # model scores a complete, structured answer about +4 and anything else about -4; 32
            # tokens is where the base LM's greedy answers start to be complete (6 of 24 at 32,
            # 20 of 24 at 40, none at 24), so the policy has something to learn. Sampling at
            # temperature 0.7 (1.0: the reward stayed at -4.1 for 15 steps; 0.7: -3.9 -> -1.1 by
            # step 20) and a rate of 5e-4 with beta 0.1 (3e-3 collapsed a test policy). Rule
            # rewards (in [0, 1]) weigh 8 beside the reward model's +-4: at weight 1 the policy
            # gamed the reward model (unsupported-word rate 0.50 -> 0.925, refused by
            # MaxUnsupportedWordRate); 8: 0.725, reward gain CI low 1.50, registered; 16: 0.80;
            # 8 with beta 0.3: reward gain CI low 0.23 (2026-12-07, one run each).
            hyperparameters={
                "max_seq_length": "512",
                "max_steps": "60",
                "reward_steps": "40",
                "grpo_learning_rate": "5e-4",
                "grpo_beta": "0.1",
                "grpo_max_new_tokens": "32",
                "grpo_temperature": "0.7",
                "rule_reward_weight": "8",
            },
            # Measured 2026-12-01 on the base LM pretrained on 512-token windows (180 dialogs, 36
            # held out, 60 steps; baseline = the local base LM: rougeL 0.035-0.039, bleu
            # 0.23-0.29, bertscore_f1 0.154-0.155), set on two other salts (tune-a/tune-b), checked
            # on the demo salt; candidate / gain 95% CI lower bound over those runs:
            # sft (3 runs) rougeL 0.293-0.367 / 0.143-0.210, bleu 18.6-23.5 / 9.6-13.1,
            # bertscore_f1 0.442-0.483 / 0.207-0.252; distill (3) 0.190-0.289 / 0.058-0.138,
            # 13.0-22.7 / 4.8-11.4, 0.368-0.441 / 0.136-0.198; lora r 32 (5, seeds 0/1)
            # 0.133-0.258 / 0.028-0.108, 5.31-11.7 / 1.73-6.62, 0.337-0.426 / 0.121-0.190;
            # reft rank 32 (5, seeds 0/1/2) 0.183-0.275 / 0.052-0.134, 7.30-12.6 / 2.51-5.28,
            # 0.370-0.405 / 0.136-0.160. unsupported_word_rate 0.31-0.69 (distill and lora the
            # highest). One step: sft rougeL 0.040-0.127, bleu 0.58-3.70 / gain low at most
            # 0.85, bertscore_f1 0.203-0.278 / at most 0.089; reft 0.020-0.029 (below the base).
            # Every method must clear the same gate, so lora, the weakest, sets the floors and
            # gains; rougeL does not separate a one-step sft model from lora (0.127 vs 0.133),
            # the BLEU and BERTScore floors do.
            thresholds=_gate(
                **_SAFETY,
                MinRougeL=0.1,
                MinBleu=4.5,
                MinBertscoreF1=0.31,
                MinRougeLGain=0.0,
                MinBleuGain=1.0,
                MinBertscoreF1Gain=0.06,
                MaxUnsupportedWordRate=0.75,
            ),
        ),
    )
}
