"""Kernel distance (KID, Bińkowski et al. 2018): the unbiased squared MMD between feature sets under the
cubic polynomial kernel, averaged over random subsets. Unlike FID it has no small-sample bias, which
makes it the score to track during training on small N."""

import dataclasses

import numpy as np

from iggan_tf.metrics.feature_checks import check_feature_pair
from iggan_tf.metrics.score import Score


@dataclasses.dataclass(frozen=True)
class KernelDistanceScore(Score):
    """KID: `value` is the mean over subsets, `std` their sample standard deviation (ddof 1), which
    describes the spread of one subset's estimate, not the standard error of the mean."""

    metric = "kid"
    value: float
    std: float
    n_real: int
    n_generated: int
    subset_size: int
    num_subsets: int
    seed: int


def polynomial_kernel(features_a: np.ndarray, features_b: np.ndarray) -> np.ndarray:
    """k(x, y) = (x . y / D + 1)^3 for all pairs: [M, D], [N, D] -> [M, N]."""
    dimension = features_a.shape[1]
    return (features_a @ features_b.T / dimension + 1.0) ** 3


def unbiased_squared_mmd(real: np.ndarray, generated: np.ndarray) -> float:
    """Unbiased MMD^2 estimate between equally sized sets [m, D] (diagonal kernel terms excluded)."""
    count = real.shape[0]
    kernel_real = polynomial_kernel(real, real)
    kernel_generated = polynomial_kernel(generated, generated)
    within_real = (kernel_real.sum() - np.trace(kernel_real)) / (count * (count - 1))
    within_generated = (kernel_generated.sum() - np.trace(kernel_generated)) / (count * (count - 1))
    return float(within_real + within_generated - 2.0 * polynomial_kernel(real, generated).mean())


def kernel_distance(
    real_features, generated_features, subset_size: int = 1000, num_subsets: int = 100, seed: int = 0
) -> KernelDistanceScore:
    """KID between feature sets [N_real, D] and [N_generated, D].

    Each of `num_subsets` rounds draws `subset_size` real indices, then `subset_size` generated
    indices, without replacement (numpy Generator seeded with `seed`), and computes the unbiased
    MMD^2 of those subsets; the result is their mean and standard deviation. Requires
    2 <= subset_size <= min(N_real, N_generated) and num_subsets >= 2.
    """
    real, generated = check_feature_pair(real_features, generated_features)
    if subset_size < 2:
        raise ValueError(f"subset_size must be >= 2 for an unbiased estimate, got {subset_size}")
    real_count, generated_count = real.shape[0], generated.shape[0]
    if subset_size > min(real_count, generated_count):
        raise ValueError(
            f"subset_size {subset_size} exceeds the smaller feature set (real_features has "
            f"{real_count} samples, generated_features {generated_count})"
        )
    if num_subsets < 2:
        raise ValueError(f"num_subsets must be >= 2 to give a standard deviation, got {num_subsets}")
    generator = np.random.default_rng(seed)
    estimates = np.empty(num_subsets)
    for index in range(num_subsets):
        real_indices = generator.choice(real_count, subset_size, replace=False)
        generated_indices = generator.choice(generated_count, subset_size, replace=False)
        estimates[index] = unbiased_squared_mmd(real[real_indices], generated[generated_indices])
    return KernelDistanceScore(
        value=float(estimates.mean()),
        std=float(estimates.std(ddof=1)),
        n_real=real_count,
        n_generated=generated_count,
        subset_size=subset_size,
        num_subsets=num_subsets,
        seed=seed,
    )
