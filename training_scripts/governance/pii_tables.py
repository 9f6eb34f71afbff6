"""Cells of a plain-text table under a given header ("Name | DOB | MRN" and the rows below it),
for identifiers a table lists with no cue beside them."""

from __future__ import annotations

import re

# A comma splits prose too: a comma-separated export ("Patient ID,Name,DOB") counts as a table
# only with three columns or more, and only its rows with the header's count of cells.
TABLE_SEPARATORS = ("|", "\t", ",")
_STRICT = {",": 3}  # separator -> fewest columns; its rows must match the header's count


def may_hold_table(text: str) -> bool:
    """A cheap test that `text` may hold a table (a comma-separated one needs a second line)."""
    return "|" in text or "\t" in text or ("," in text and "\n" in text)


def column_cells(text: str, header: re.Pattern[str]) -> list[tuple[int, int]]:
    """(start, end) of every cell, stripped, in the columns whose header cell `header` matches
    whole; a table is a run of lines split by the header line's separator (`|`, a tab, or a
    comma in an export)."""
    cells: list[tuple[int, int]] = []
    columns: list[int] = []
    separator = ""
    width = 0
    offset = 0
    for line in text.split("\n"):
        row = _cells(line, separator, offset) if columns and separator in line else []
        if row and (separator not in _STRICT or len(row) == width):
            cells += [span for index, span in enumerate(row) if index in columns]
        else:
            columns, separator = [], ""
            for sep in TABLE_SEPARATORS:
                spans = _cells(line, sep, offset) if sep in line else []
                if len(spans) < _STRICT.get(sep, 0):
                    continue
                columns = [i for i, (s, e) in enumerate(spans) if header.fullmatch(text, s, e)]
                if columns:
                    separator, width = sep, len(spans)
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
