"""A drug the NER model took for a person: a brand or generic drug name."""

from __future__ import annotations


def is_drug(text: str, start: int, end: int) -> bool:
    """Whether text[start:end], an NER PERSON span, is not a person (not built yet: never)."""
    return False
