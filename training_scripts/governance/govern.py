"""The per-row half of curation (the "map"): runs in worker processes and on every shard.

Each row is judged on its own (quality, injection, preference pair), hashed (exact key, MinHash
signature, answer key) and anonymized; nothing here depends on other rows, so the result is the
same whichever process or machine handles a row. A shard's files (`shards.py`: binary signature
records, reasons lines, rendered rows), in input order, are what the order-dependent decisions
(duplicates, contradictions, triggers, split) in `reduce.py` are taken from.

`dispatch.py` hands batches of rows to worker processes and writes what they return.
"""

from __future__ import annotations

import itertools
import json
from functools import partial
from typing import Any, NamedTuple

import numpy as np

from training_scripts.governance.dedup import (
    MinHasher,
    gram_hashes,
    word_hashes,
    words,
    words_key,
)
from training_scripts.governance.dedup_index import key_pairs
from training_scripts.governance.poisoning import (
    answer_key,
    answer_key_of_words,
    injection_cues,
    injection_reasons,
    no_injection_cue,
    preference_reasons,
)
from training_scripts.governance.quality import quality_reasons, repetition_suspects
from training_scripts.governance.records import (
    Example,
    completion_text,
    completion_words,
    prompt_text,
    to_output,
)
from training_scripts.governance.shards import (
    ANSWER,
    PII_SEPARATOR,
    POISONING,
    QUALITY,
    REASONS,
    SIGNATURE,
)

# One encoder for every line (json.dumps builds a new one per call when given options).
_encode = json.JSONEncoder(ensure_ascii=False).encode
# The string encoder that `_encode` applies to every str (C, no ASCII escaping).
_encode_str = json.encoder.encode_basestring


def render_output(task: str, example: Example) -> str:
    """`_encode(to_output(task, example))`: the flat records (sft, cpt) are formatted around
    their encoded strings instead of building and encoding a dict per row (the same bytes, the
    encoder's ", " and ": " separators; tests/data/test_prepare.py compares the two)."""
    texts = example.texts
    if task == "sft":
        return f'{{"prompt": {_encode_str(texts[0])}, "completion": {_encode_str(texts[1])}}}'
    if task == "cpt":
        return f'{{"input": {_encode_str(texts[0])}}}'
    return _encode(to_output(task, example))


class Judged(NamedTuple):
    """A batch's per-row checks: words per text, words per row, reasons, MinHash signatures."""

    parts: list[list[list[bytes]]]
    split: list[list[bytes]]
    quality: list[list[str]]
    poisoning: list[list[str]]
    signatures: np.ndarray


class Governed(NamedTuple):
    """A governed batch: rows-file bytes, signature records, (row in batch, reasons line body)."""

    rows: bytes | tuple[str, int]  # or where a worker wrote them (dispatch.Part)
    signatures: bytes | tuple[str, int]
    reasons: list[tuple[int, str]]
    size: int


class RowGovernor:
    """Per-process state (PII engine, MinHash permutations) built once."""

    def __init__(self, settings: Any, salt: str) -> None:
        self.s = settings
        self.pii = None
        if settings.pii_mode != "off":
            # Presidio and spaCy load only where PII is on: a worker with PII off starts in
            # well under a second.
            from training_scripts.governance.pii import PiiEngine

            self.pii = PiiEngine(settings.pii_mode, salt)
        self.hasher = MinHasher()

    def govern(self, file: int, items: list[tuple[str, int, Example]]) -> Governed:
        """The rows, signature records and reasons lines (shards.py) of a batch of rows of one
        input file (number `file` in the shard's inputs), in order."""
        if not items:
            return Governed(b"", b"", [], 0)
        examples = [ex for _, _, ex in items]
        if self.pii is not None:  # one batched NER pass over the texts that need it
            self.pii.prefetch(text for ex in examples for text in ex.texts)
        judged = self._judge(examples)
        records = np.zeros(len(items), dtype=SIGNATURE)
        records["file"] = file
        records["seq"] = [seq for _, seq, _ in items]
        records["line"] = [ex.line for ex in examples]
        records["minhash"] = judged.signatures
        records["exact"] = key_pairs(list(map(words_key, judged.split)))
        if self.pii is None:  # the texts are the output: their words are split already
            rows = [render_output(self.s.task, ex) for ex in examples]
            completions = map(partial(completion_words, self.s.task), judged.parts)
            answers = list(map(answer_key_of_words, completions))
        else:
            rows, answers = self._anonymized(items)
        reasons = self._reasons(examples, judged)
        has_answer = np.array([bool(a) for a in answers], dtype=bool)
        records["answer"][has_answer] = key_pairs([a for a in answers if a])
        records["flags"] = (
            np.array([bool(q) for q in judged.quality], dtype=np.uint8) * QUALITY
            | np.array([bool(p) for p in judged.poisoning], dtype=np.uint8) * POISONING
            | has_answer.astype(np.uint8) * ANSWER
        )
        records["flags"][[i for i, _ in reasons]] |= REASONS
        # Encoded here: bytes cross the pipe from a worker without another UTF-8 pass.
        text = ("\n".join(rows) + "\n").encode()
        return Governed(text, records.tobytes(), reasons, len(items))

    def _reasons(self, examples: list[Example], judged: Judged) -> list[tuple[int, str]]:
        """(row, reasons line body) for the rows with reasons or preference keys."""
        found = []
        for index, (ex, quality, poisoning) in enumerate(
            zip(examples, judged.quality, judged.poisoning, strict=True)
        ):
            contra = []
            if self.s.task == "preference" and not quality:
                contra = [_short_hash(t) for t in ex.texts]
            if quality or poisoning or contra:
                body = f'"quality": {_json(quality)}, "poisoning": {_json(poisoning)}'
                found.append((index, f'{body}, "contra": {_json(contra)}}}'))
        return found

    def _anonymized(self, items: list[tuple[str, int, Example]]) -> tuple[list[str], list[bytes]]:
        """Each row's output record (anonymized, with its PII counts) and answer key."""
        rows, answers = [], []
        for name, _, ex in items:
            texts, pii, entities = self._anonymize(ex.texts)
            anonymized = Example(ex.source, ex.line, texts)
            # The trigger detector groups kept rows by their (anonymized) answer: the key goes
            # in the signature, so the reduce reads no texts unless a group is suspect.
            answers.append(answer_key(completion_text(self.s.task, anonymized)))
            output = render_output(self.s.task, anonymized)
            if pii or entities:
                output += (f'{PII_SEPARATOR}{{"source": {_encode(name)}, "line": {ex.line}, '
                           f'"pii": {_json(pii)}, "entities": {_json(entities)}}}')  # fmt: skip
            rows.append(output)
        return rows, answers

    def _judge(self, examples: list[Example]) -> Judged:
        """Words, quality reasons, poisoning reasons and MinHash signature per row of a batch.

        The batch-wide work runs once: every row's word 3-gram hashes (shared by the repetition
        screen and MinHash), and the injection needles searched in the batch's distinct words.
        A row that fails quality gets no poisoning check; its signature is computed with the
        others and not used."""
        optional = 1 if self.s.task == "conversation" else 0  # the system prompt may be empty
        # Each text's words, then the row's: words() of texts joined by a non-word character.
        parts = [list(map(words, ex.texts)) for ex in examples]
        split = [_joined(p) for p in parts]
        distinct = set(itertools.chain.from_iterable(split))
        hashes = word_hashes(split, distinct)
        grams, counts = gram_hashes(split, hashes)
        lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        settings = self.s.quality
        suspects = repetition_suspects(grams, counts, lengths, settings.max_repeated_ngram_fraction)
        cues = injection_cues([ex.texts for ex in examples], split, distinct, hashes)
        quality, poisoning = [], []
        for ex, text_words, suspect, cue in zip(examples, split, suspects, cues, strict=True):
            reasons = quality_reasons(ex.texts, settings, optional, text_words, bool(suspect))
            quality.append(reasons)
            # Preference pairs have checks of their own beyond injection: always run.
            screened_out = not cue and self.s.task != "preference"
            poisoning.append([] if reasons or screened_out else self._poisoning(ex))
        return Judged(parts, split, quality, poisoning, self.hasher.from_grams(grams, counts))

    def _poisoning(self, ex: Example) -> list[str]:
        task, texts = self.s.task, ex.texts
        if task == "preference":
            found = [] if no_injection_cue(texts[:2]) else injection_reasons(texts[0], [texts[1]])
            return found + preference_reasons(*texts)
        if no_injection_cue(texts):
            return []
        answers = texts[1:] if task == "sft" else texts[2::2] if task != "cpt" else []
        return injection_reasons(prompt_text(task, ex), answers)

    def _anonymize(self, texts: list[str]) -> tuple[list[str], dict, dict]:
        if self.pii is None:
            return list(texts), {}, {}
        anonymized = self.pii.anonymize(texts)
        return anonymized, dict(self.pii.last_recognizers), dict(self.pii.last_entities)


def _joined(parts: list[list[bytes]]) -> list[bytes]:
    if len(parts) == 2:  # sft: one C-level list concatenation
        return parts[0] + parts[1]
    return parts[0] if len(parts) == 1 else list(itertools.chain.from_iterable(parts))


def _json(value: list | dict) -> str:
    return _encode(value) if value else "{}" if isinstance(value, dict) else "[]"


def _short_hash(text: str) -> str:
    return words_key(words(text)).hex()
