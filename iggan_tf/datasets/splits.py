"""Deterministic train/test membership from a stable name (a model id, a file name), the same on every machine.

A hash of the name decides, not the order in which files are found, so adding or losing files never moves
the others between splits.
"""

import hashlib

TRAIN = "train"
TEST = "test"


def hash_score(name: str) -> float:
    """A number in [0, 1) fixed by `name` alone (SHA-256, unlike hash(), which Python salts per process)."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def split_of(name: str, held_out_fraction: float) -> str:
    """TEST for about `held_out_fraction` of all names, TRAIN for the rest."""
    if not 0.0 <= held_out_fraction <= 1.0:
        raise ValueError(f"held_out_fraction must lie in [0, 1], got {held_out_fraction}")
    return TEST if hash_score(name) < held_out_fraction else TRAIN
