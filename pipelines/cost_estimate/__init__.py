"""Cost shown before money is spent: price sources and the estimates `fmops` prints first."""


class CostError(ValueError):
    """A price or an estimate input is missing or malformed; one line naming the value."""
