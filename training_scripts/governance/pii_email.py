"""E-mail addresses: Presidio's EmailRecognizer, offline, plus the forms people write when they
do not type an address plainly (spelled out in a chat, wrapped over a line break)."""

from __future__ import annotations

from training_scripts.governance import presidio_cpu  # noqa: F401  (first: see its docstring)

# isort: split

import functools
import re

import tldextract
from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import EmailRecognizer

# Presidio's EmailRecognizer validates the domain with tldextract's module-level extractor, which
# fetches the public-suffix list over the network on first use. This one never leaves the box:
# no URLs, no cache dir, the snapshot bundled with tldextract.
_OFFLINE_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


# E-mail addresses as people write them where "@" is not typed or the line wraps: "[at]",
# "(at)", "{at}" with "." or "[dot]"/" dot ", "name at domain dot com" in chats, and an address
# wrapped onto the next line after its "@" or a "-", or before a "." ("j.okonkwo@\nlagos.org";
# not after a ".", where a sentence may end: "a@b.com.\nCare plan" is no "b.com.care").
_SPELLED_AT = r"(?:[ ]?[\[({][ ]?at[ ]?[\])}][ ]?)"
_SPELLED_DOT = r"(?:[ ]?[\[({][ ]?dot[ ]?[\])}][ ]?|[ ]dot[ ])"
_LOCAL, _LABEL = r"[\w%+-](?:[\w.%+-]*[\w%+-])?", r"\w+(?:-+\w+)*"
_WRAP = r"[ \t]*\n[ \t]*"
EMAIL_FORMS = (
    Pattern(
        "Email (spelled at)",
        rf"\b{_LOCAL}{_SPELLED_AT}{_LABEL}(?:(?:{_SPELLED_DOT}|\.){_LABEL})+\b",
        0.5,
    ),
    Pattern(
        "Email (spelled at and dot)", rf"\b{_LOCAL}[ ]at[ ]{_LABEL}(?:[ ]dot[ ]{_LABEL})+\b", 0.5
    ),
    Pattern(
        "Email (wrapped)",
        rf"\b{_LOCAL}@(?:{_WRAP})?{_LABEL}(?:(?:-(?:{_WRAP})?|(?:{_WRAP})?\.){_LABEL})+\b",
        0.5,
    ),
)
_SPELLED = ((re.compile(_SPELLED_AT, re.I), "@"), (re.compile(_SPELLED_DOT, re.I), "."))
# Top-level names the public-suffix list leaves out because they are never delegated, which
# people's mailboxes still sit under: the special-use names of RFC 2606 / RFC 6761 (`example`,
# `test`, `invalid`, `localhost`), mDNS `local` (RFC 6762), `internal` (reserved by ICANN for
# private use, 2024) and the private `corp`/`lan`/`intranet` ICANN's name-collision studies found
# in wide internal use: "j.doe@ward7.hospital.local" is a person's address all the same.
_PRIVATE_TLD = re.compile(
    r"@[\w-]+(?:\.[\w-]+)*\.(?:example|test|invalid|localhost|local|internal|corp|lan|intranet)$",
    re.IGNORECASE,
)
_AT_WORD = re.compile(r"[ ]at[ ]", re.I)
# What every match of a spelled form holds (Presidio matches without case): the two spelled
# patterns scan every position of a text that has neither, for nothing.
_SPELLED_SIGNS = {
    EMAIL_FORMS[0].name: _SPELLED[0][0],
    EMAIL_FORMS[1].name: re.compile(r"[ ]dot[ ]", re.I),
}
_WHITESPACE = re.compile(r"\s+")


def written_email(text: str) -> str:
    """The address a spelled-out or wrapped form stands for ("ana [at] x [dot] com": ana@x.com)."""
    for spelled, char in _SPELLED:
        text = spelled.sub(char, text)
    if "@" not in text:
        text = _AT_WORD.sub("@", text, count=1)
    return _WHITESPACE.sub("", text)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's EmailRecognizer (its pattern, its domain check) plus the spelled-out and
    wrapped forms above, each checked as the address it stands for."""

    patterns: list[Pattern]  # Presidio's attribute, which it leaves unannotated

    def __init__(self) -> None:
        super().__init__(patterns=[*EmailRecognizer.PATTERNS, *EMAIL_FORMS])

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Presidio's analysis with the spelled forms left out where their signs are not."""
        patterns = self.patterns
        self.patterns = [
            p
            for p in patterns
            if p.name not in _SPELLED_SIGNS or _SPELLED_SIGNS[p.name].search(text)
        ]
        try:
            return super().analyze(text, entities, nlp_artifacts, regex_flags)
        finally:
            self.patterns = patterns

    def validate_result(self, pattern_text: str) -> bool:
        return is_address(pattern_text)


@functools.lru_cache(maxsize=4096)  # an address matches the plain and the wrapped pattern alike
def is_address(pattern_text: str) -> bool:
    """Whether a match stands for an address: one "@", and a domain under a public suffix (or a
    private name, where the "@" was typed: "meet at home dot local" is prose)."""
    address = written_email(pattern_text)
    if address.count("@") != 1:
        return False
    private = "@" in pattern_text and _PRIVATE_TLD.search(address) is not None
    return private or _OFFLINE_TLD(address).fqdn != ""
