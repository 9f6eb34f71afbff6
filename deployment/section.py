"""The base of every settings section: unknown keys are refused, values are frozen."""

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    # Unknown keys are typos until proven otherwise: refuse them.
    model_config = ConfigDict(extra="forbid", frozen=True)
