"""Cells of a plain-text table under a given header ("Name | DOB | MRN" and the rows below it),
for identifiers a table lists with no cue beside them."""

from __future__ import annotations

import re

_SEPARATORS = ("|", "\t")


def column_cells(text: str, header: re.Pattern[str]) -> list[tuple[int, int]]:
    """(start, end) of every cell, stripped, in the columns whose header cell `header` matches
    whole; a table is a run of lines split by the header line's separator (`|` or a tab)."""
    cells: list[tuple[int, int]] = []
    columns: list[int] = []
    separator = ""
    offset = 0
    for line in text.split("\n"):
        if columns and separator in line:
            cells += [span for index, span in enumerate(_cells(line, separator, offset))
                      if index in columns]  # fmt: skip
        else:
            columns, separator = [], ""
            for sep in _SEPARATORS:
                spans = _cells(line, sep, offset) if sep in line else []
                columns = [i for i, (s, e) in enumerate(spans) if header.fullmatch(text, s, e)]
                if columns:
                    separator = sep
                    break
        offset += len(line) + 1
    return cells


def _cells(line: str, separator: str, offset: int) -> list[tuple[int, int]]:
    spans, start = [], 0
    for part in line.split(separator):
        stripped = part.strip()
        lead = len(part) - len(part.lstrip())
        spans.append((offset + start + lead, offset + start + lead + len(stripped)))
        start += len(part) + len(separator)
    return spans
