"""Validation of the feature arrays that FID and KID compare (features of real and generated renders)."""

import numpy as np


def check_features(features, name: str, minimum_count: int = 1) -> np.ndarray:
    """Returns `features` as float64 [N, D] with N >= `minimum_count`.

    Raises ValueError naming `name` for a wrong rank, too few rows, an empty feature axis or
    non-finite values.
    """
    array = np.asarray(features)
    if array.ndim != 2:
        raise ValueError(f"{name} must have shape [N, D], got shape {array.shape}")
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"{name} must be numeric, got dtype {array.dtype}")
    if array.shape[0] < minimum_count:
        raise ValueError(f"{name} needs at least {minimum_count} samples, got {array.shape[0]}")
    if array.shape[1] < 1:
        raise ValueError(f"{name} must have at least one feature, got shape {array.shape}")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains non-finite values")
    return array


def check_feature_pair(
    real_features, generated_features, minimum_count: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Checks both sets with `check_features` and that they have the same feature dimension."""
    real = check_features(real_features, "real_features", minimum_count)
    generated = check_features(generated_features, "generated_features", minimum_count)
    if real.shape[1] != generated.shape[1]:
        raise ValueError(
            f"generated_features has {generated.shape[1]} features per sample but real_features has "
            f"{real.shape[1]}; both must come from the same feature layer"
        )
    return real, generated
