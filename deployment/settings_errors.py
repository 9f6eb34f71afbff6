"""One line per invalid settings value: pydantic's errors in the project's words.

`settings.<path> = <value>: <what is wrong>`, with the allowed keys for an unknown one; the
model is passed in, so this module needs only pydantic.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

# pydantic's error location: field names and list indexes.
Loc = tuple[int | str, ...]


def _describe(error: ErrorDetails) -> str:
    loc = ".".join(str(part) for part in error["loc"])
    key = f"settings.{loc}" if loc else "settings"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    if error["type"] == "missing":
        return f"{key}: required but not set"
    message = re.sub(r"^(Input|String|Value|List) should", "must", error["msg"])
    if error["type"] == "value_error":
        message = error["msg"].removeprefix("Value error, ")
        if re.match(r"^[\w.]+ = ", message):  # model-level check names its own field
            return f"{key}.{message}" if loc else f"settings.{message}"
    return f"{key} = {error['input']!r}: {message}"


def _allowed_keys(root: type[BaseModel], loc: Loc) -> list[str]:
    model = root
    for part in loc[:-1]:
        annotation = model.model_fields[str(part)].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return sorted(model.model_fields)


def is_section(root: type[BaseModel], loc: Loc) -> bool:
    """Whether `loc` names a whole section (a model-level check) rather than one field."""
    model: object = root  # a model class until a plain field is reached
    for part in loc:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return False
        field = model.model_fields.get(str(part))
        if field is None:
            return False
        model = field.annotation
    return isinstance(model, type) and issubclass(model, BaseModel)


def error_line(
    root: type[BaseModel], exc: ValidationError, errors: list[ErrorDetails] | None = None
) -> str:
    first = (errors or exc.errors())[0]
    line = _describe(first)
    if first["type"] == "extra_forbidden":
        line += f" (allowed: {', '.join(_allowed_keys(root, first['loc']))})"
    return line
