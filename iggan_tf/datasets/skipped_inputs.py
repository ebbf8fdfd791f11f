"""Bookkeeping for unusable inputs in a manual dir: each is logged with its reason and the build goes on;
a summary with counts per reason closes the pass, so a user sees at a glance what was left out."""

import collections

from absl import logging


class SkippedInputs:
    """Counts inputs skipped per reason (e.g. "empty file", "NaN vertices") during one pass over a source."""

    def __init__(self, what: str):
        self.what = what
        self.counts = collections.Counter()

    def skip(self, name: str, reason: str) -> None:
        self.counts[reason] += 1
        logging.warning("Skipping %s %s: %s", self.what, name, reason)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def log_summary(self, used: int) -> None:
        """Logs how many inputs were used and how many were skipped, by reason."""
        if self.total:
            reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(self.counts.items()))
            logging.warning("Used %d %ss, skipped %d: %s", used, self.what, self.total, reasons)
        else:
            logging.info("Used %d %ss, skipped none", used, self.what)
