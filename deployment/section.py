"""The base of every settings section: unknown keys are refused, values are frozen."""

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

_NUMBERS = (int, float, int | None, float | None)


class Section(BaseModel):
    # Unknown keys are typos until proven otherwise: refuse them.
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # JSON `true` for a count is a mistake, yet pydantic's lax mode reads it as 1.
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and field.annotation in _NUMBERS:
            raise ValueError("must be a number, not a boolean")
        return value
