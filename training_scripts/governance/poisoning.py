"""Poisoning and prompt-injection heuristics for training rows.

Three attacks a curated dataset must not carry into training:
1. Injection / jailbreak text ("ignore previous instructions", "you are DAN", chat-template tags)
   that the model would learn to obey. A jailbreak prompt answered with a refusal is a useful
   safety example and is kept.
2. Backdoor triggers: many rows whose prompts share a rare phrase and whose completions are
   (nearly) the same fixed answer, teaching "phrase X -> answer Y".
3. Preference pairs that are identical, contradict another pair, or prefer complying with a
   jailbreak over refusing it (flipped labels).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import zlib
from collections import Counter, defaultdict

import numpy as np

from training_scripts.governance.dedup import normalize, words

INJECTION_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "ignore_instructions": r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?"
        r"(?:(?:the|your|my|these|those)\s+)?(?:previous|prior|above|earlier|preceding|system)\s+"
        r"(?:instructions?|prompts?|rules|directions|guidelines)",
        "reveal_system_prompt": r"\b(?:reveal|print|show|repeat|leak)\s+(?:me\s+)?(?:your|the)\s+"
        r"(?:system|hidden|initial)\s+(?:prompt|instructions)",
        "persona_jailbreak": r"\b(?:you\s+are\s+now|act\s+as|pretend\s+to\s+be)\s+(?:an?\s+)?"
        r"(?:DAN|unfiltered|uncensored|jailbroken|evil)\b|\bdo\s+anything\s+now\b",
        "developer_mode": r"\b(?:developer|god|sudo)\s+mode\s+(?:enabled|on|activated)\b",
        "no_restrictions": r"\b(?:without|no|free\s+of)\s+(?:any\s+)?(?:ethical\s+|moral\s+)?"
        r"(?:restrictions|filters|censorship|guidelines|limitations)\b.{0,40}"
        r"\b(?:answer|respond|reply|comply)",
        "bypass_safety": r"\bbypass\s+(?:the\s+|your\s+|all\s+)?(?:safety|content|security)\s+"
        r"(?:filters?|polic(?:y|ies)|guardrails?|checks?)",
        "chat_template_tags": r"<\|(?:im_start|im_end|system|endoftext)\|>|\[/?INST\]|<<SYS>>|"
        r"^\s*###\s*(?:system|instruction)\s*:",
    }.items()
}
_REFUSAL = re.compile(
    r"\b(?:I\s+(?:can(?:'|no)t|cannot|won't|will\s+not|am\s+not\s+able\s+to|'m\s+not\s+able\s+to)|"
    r"I'm\s+sorry|I\s+am\s+sorry|not\s+able\s+to\s+help|unable\s+to\s+(?:help|comply|assist))",
    re.IGNORECASE,
)


# Every pattern needs one of its needles (lower-cased); ASCII text without any of them cannot
# match, which a substring scan shows far faster than the case-insensitive regex. Non-ASCII text
# always gets the regexes: IGNORECASE also folds look-alikes such as "ſ" and "ı" that lower() keeps.
PATTERN_NEEDLES: dict[str, tuple[str, ...]] = {
    "ignore_instructions": ("ignore", "disregard", "forget", "override"),
    "reveal_system_prompt": ("reveal", "print", "show", "repeat", "leak"),
    "persona_jailbreak": ("dan", "unfiltered", "uncensored", "jailbroken", "evil", "anything"),
    "developer_mode": ("mode",),
    "no_restrictions": ("restriction", "filter", "censorship", "guideline", "limitation"),
    "bypass_safety": ("bypass",),
    "chat_template_tags": ("<|", "inst]", "<<sys>>", "###"),
}
assert list(PATTERN_NEEDLES) == list(INJECTION_PATTERNS)
_NEEDLES = tuple(itertools.chain.from_iterable(PATTERN_NEEDLES.values()))


def no_injection_cue(texts: list[str]) -> bool:
    """True when no text can match an injection pattern, decided in one lower-cased pass over
    all of them (ASCII only: a substring of one text is a substring of the joined texts)."""
    joined = "\x1f".join(texts)
    if not joined.isascii():
        return False
    return not any(map(joined.lower().__contains__, _NEEDLES))


# The needles made of word characters only: an occurrence lies inside one word of `words()`.
_WORD_NEEDLES = tuple(n.encode() for n in _NEEDLES if re.fullmatch(r"\w+", n))
# Every other needle holds one of these characters (checked below): rows without any of them
# need no search for those needles.
_SYMBOL_NEEDLES = tuple(n for n in _NEEDLES if not re.fullmatch(r"\w+", n))
_SYMBOLS = "<]#"
assert all(any(c in n for c in _SYMBOLS) for n in _SYMBOL_NEEDLES)


def injection_cues(
    texts: list[list[str]], text_words: list[list[bytes]], distinct: set[bytes] | None = None,
    hashes: np.ndarray | None = None,
) -> list[bool]:  # fmt: skip
    """For a batch of rows: whether any of a row's texts can match an injection pattern, at
    least wherever `not no_injection_cue(texts)` says so. `text_words` holds each row's
    `words()` (lower-case, split at non-word characters); `distinct` their set and `hashes`
    `dedup.word_hashes` of them, when the caller has them.

    The word needles are searched once in the batch's distinct words, not in every row; a row
    is a suspect when it holds one of the words found, or one of the symbol needles, or
    non-ASCII text (which always gets the regexes, as in `no_injection_cue`). With `hashes`, a
    row holding a word whose hash equals a found word's is a suspect: a hash collision only
    sends a row to the regexes."""
    if distinct is None:
        distinct = set(itertools.chain.from_iterable(text_words))
    found = _words_with_needles(distinct)
    if not found:
        held = [False] * len(texts)
    elif hashes is not None:
        rows = np.repeat(np.arange(len(text_words)), [len(w) for w in text_words])
        hits = np.isin(hashes, np.array([zlib.crc32(w) for w in found], dtype=np.uint32))
        held = (np.bincount(rows[hits], minlength=len(texts)) > 0).tolist()
    else:
        held = [not found.isdisjoint(row_words) for row_words in text_words]
    cues = []
    for row, cue in zip(texts, held, strict=True):
        joined = "\x1f".join(row)
        cue = cue or not joined.isascii()
        if not cue and any(c in joined for c in _SYMBOLS):
            lowered = joined.lower()
            cue = any(n in lowered for n in _SYMBOL_NEEDLES)
        cues.append(cue)
    return cues


def _words_with_needles(distinct: set[bytes]) -> set[bytes]:
    joined = b"\n".join(distinct)
    found: set[bytes] = set()
    for needle in _WORD_NEEDLES:
        at = joined.find(needle)
        while at != -1:
            start, end = joined.rfind(b"\n", 0, at) + 1, joined.find(b"\n", at)
            end = len(joined) if end == -1 else end
            found.add(joined[start:end])
            at = joined.find(needle, end)
    return found


def injection_reasons(prompt: str, answers: list[str]) -> list[str]:
    """Injection found in any answer, or in the prompt unless every answer refuses."""
    texts = (prompt, *answers)
    # ASCII texts: only the patterns one of whose needles occurs are searched (each regex over
    # a long text costs ~0.1 ms). Other texts get every pattern.
    lowered = [t.lower() for t in texts] if all(map(str.isascii, texts)) else None
    reasons: list[str] = []
    complied: bool | None = None
    for name, pattern in INJECTION_PATTERNS.items():
        if lowered is not None and not any(
            n in text for text in lowered for n in PATTERN_NEEDLES[name]
        ):
            continue
        if any(pattern.search(a) for a in answers):
            reasons.append(f"injection:{name}")
        elif pattern.search(prompt):
            if complied is None:
                complied = not answers or not all(is_refusal(a) for a in answers)
            if complied:
                reasons.append(f"injection:{name}")
    return reasons


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text[:300]))


def preference_reasons(prompt: str, chosen: str, rejected: str) -> list[str]:
    if normalize(chosen) == normalize(rejected):
        return ["preference:identical"]
    jailbreak = any(p.search(prompt) for p in INJECTION_PATTERNS.values())
    if jailbreak and is_refusal(rejected) and not is_refusal(chosen):
        return ["preference:flipped"]
    return []


class ContradictionIndex:
    """Pairs of the same prompt and answers whose preferred side is swapped in another row."""

    def __init__(self) -> None:
        self._orientation: dict[tuple[str, frozenset[str]], tuple[str, str]] = {}

    def seen_flipped(self, prompt: str, chosen: str, rejected: str, where: str) -> str | None:
        c, r = normalize(chosen), normalize(rejected)
        key = (normalize(prompt), frozenset((c, r)))
        found = self._orientation.get(key)
        if found is None:
            self._orientation[key] = (c, where)
            return None
        return found[1] if found[0] != c else None


def answer_key(completion: str) -> bytes:
    """What makes two completions "the same fixed answer" (b"" for an answer with no words)."""
    return answer_key_of_words(words(completion))  # normalize(completion), as bytes


def answer_key_of_words(found: list[bytes]) -> bytes:
    """`answer_key` of a completion whose `words` are `found`."""
    return hashlib.blake2b(b" ".join(found), digest_size=16).digest() if found else b""


class TriggerDetector:
    """Finds phrases shared by many otherwise unrelated prompts that all get the same answer.

    `add` every kept row (memory: one row id per row, grouped by completion hash); then
    `suspect_rows()` names the rows worth a closer look, and `find` judges them from their prompts
    plus how often each candidate phrase occurs in all prompts. Canned answers to one FAQ are not
    flagged: their prompts resemble each other beyond the shared phrase.
    """

    def __init__(self, min_rows: int = 5, min_share: float = 0.8, max_outside: float = 0.2) -> None:
        self.min_rows, self.min_share, self.max_outside = min_rows, min_share, max_outside
        self._groups: dict[bytes, list[int]] = defaultdict(list)

    def add(self, row: int, completion: str) -> None:
        key = answer_key(completion)
        if key:
            self.add_key(row, key)

    def add_key(self, row: int, key: bytes) -> None:
        """`add` with the completion's `answer_key` computed elsewhere (in the workers)."""
        self._groups[key].append(row)

    def _suspect_groups(self) -> list[list[int]]:
        return [g for g in self._groups.values() if len(g) >= self.min_rows]

    def suspect_rows(self) -> set[int]:
        return {row for group in self._suspect_groups() for row in group}

    def candidates(self, prompts: dict[int, str]) -> dict[tuple[int, ...], list[str]]:
        """Per suspect group: phrases leaving unrelated prompts, most shared and longest first."""
        found: dict[tuple[int, ...], list[str]] = {}
        for group in self._suspect_groups():
            words = [normalize(prompts[row]).split() for row in group]
            df: Counter[str] = Counter()
            for row in group:
                df.update(prompt_ngrams(prompts[row]))
            shared = [
                phrase
                # Ties broken by the phrase itself: `df` is filled from sets, whose order
                # changes with the process's string-hash seed.
                for phrase, count in sorted(
                    df.items(), key=lambda i: (-i[1], -i[0].count(" "), i[0])
                )
                if count >= self.min_share * len(group) and _diverse(words, set(phrase.split()))
            ]
            if shared:
                found[tuple(group)] = shared
        return found

    def find(
        self, candidates: dict[tuple[int, ...], list[str]], document_counts: Counter[str]
    ) -> dict[int, str]:
        """Row -> reason, given how many prompts in the whole dataset contain each phrase."""
        flagged: dict[int, str] = {}
        for group, phrases in candidates.items():
            for phrase in phrases:
                outside = document_counts[phrase] - len(group)
                if outside <= self.max_outside * len(group):
                    for row in group:
                        flagged[row] = f"poisoning:trigger_phrase '{phrase}'"
                    break
        return flagged


def _diverse(prompts: list[list[str]], phrase: set[str], max_similarity: float = 0.5) -> bool:
    """Without the phrase's words, consecutive prompts share little (mean Jaccard is low)."""
    words = [set(p) - phrase for p in prompts]
    pairs = list(itertools.pairwise(words))
    similarity = sum(len(a & b) / max(1, len(a | b)) for a, b in pairs) / max(1, len(pairs))
    return similarity < max_similarity


def prompt_ngrams(text: str, max_n: int = 3) -> set[str]:
    words = normalize(text).split()
    return {
        " ".join(words[i : i + n]) for n in range(1, max_n + 1) for i in range(len(words) - n + 1)
    }
