"""Validation of the integer sizes that the network configs share (resolutions, widths, block counts)."""


def check_int(value, name: str, minimum: int = 1) -> int:
    """Returns `value`; ValueError naming `name` unless it is an integer >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def doublings(low: int, high: int, name: str) -> int:
    """How many factor-2 up-samplings lead from resolution `low` to `high`.

    ValueError naming `name` (the config field that sets `high`) unless high = low * 2^k with k >= 0.
    """
    count = 0
    size = low
    while size < high:
        size *= 2
        count += 1
    if size != high:
        raise ValueError(f"{name} must be {low} times a power of two, got {high}")
    return count
