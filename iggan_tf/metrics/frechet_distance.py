"""Fréchet distance between Gaussians fitted to two feature sets (FID, Heusel et al. 2017): the paper's
headline score, computed here on features of real and generated renders."""

import dataclasses

import numpy as np

from iggan_tf.metrics.feature_checks import check_feature_pair, check_features
from iggan_tf.metrics.score import Score


@dataclasses.dataclass(frozen=True)
class FrechetDistanceScore(Score):
    """FID and the sample counts it was computed from (FID is biased upwards by about 1/N)."""

    metric = "fid"
    value: float
    n_real: int
    n_generated: int
    feature_dimension: int


def fit_gaussian(features, name: str = "features") -> tuple[np.ndarray, np.ndarray]:
    """Mean [D] and unbiased covariance [D, D] (divisor N - 1) of `features` [N, D], N >= 2."""
    array = check_features(features, name, minimum_count=2)
    return array.mean(axis=0), np.cov(array, rowvar=False, ddof=1).reshape(array.shape[1], array.shape[1])


def _symmetric_square_root(matrix: np.ndarray) -> np.ndarray:
    # Eigenvalues of a covariance that are negative only by rounding are clipped to zero.
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def _check_gaussian(mean, covariance, name: str) -> tuple[np.ndarray, np.ndarray]:
    mean = np.asarray(mean, dtype=np.float64)
    covariance = np.asarray(covariance, dtype=np.float64)
    if mean.ndim != 1:
        raise ValueError(f"mean_{name} must have shape [D], got shape {mean.shape}")
    if covariance.shape != (mean.shape[0], mean.shape[0]):
        raise ValueError(
            f"covariance_{name} must have shape [D, D] = {(mean.shape[0],) * 2} to match mean_{name}, "
            f"got shape {covariance.shape}"
        )
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(covariance))):
        raise ValueError(f"mean_{name} and covariance_{name} must be finite")
    scale = max(np.abs(covariance).max(), np.finfo(np.float64).tiny)
    if np.abs(covariance - covariance.T).max() > 1e-8 * scale:
        raise ValueError(f"covariance_{name} must be symmetric")
    return mean, covariance


def frechet_distance_between_gaussians(mean_a, covariance_a, mean_b, covariance_b) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)), the squared 2-Wasserstein distance.

    The trace of (S_a S_b)^(1/2) is taken as the sum of square roots of the eigenvalues of the
    symmetric positive semi-definite matrix S_a^(1/2) S_b S_a^(1/2), which has the same spectrum as
    S_a S_b. Unlike a general matrix square root (scipy.linalg.sqrtm) this needs no diagonal offset for
    singular covariances (N <= D) and produces no imaginary parts to discard.
    """
    mean_a, covariance_a = _check_gaussian(mean_a, covariance_a, "a")
    mean_b, covariance_b = _check_gaussian(mean_b, covariance_b, "b")
    if mean_a.shape != mean_b.shape:
        raise ValueError(f"mean_b has dimension {mean_b.shape[0]} but mean_a has {mean_a.shape[0]}")
    root_a = _symmetric_square_root(covariance_a)
    product = root_a @ covariance_b @ root_a
    product_eigenvalues = np.linalg.eigvalsh((product + product.T) / 2.0)
    trace_of_root = np.sqrt(np.clip(product_eigenvalues, 0.0, None)).sum()
    squared_mean_difference = np.sum((mean_a - mean_b) ** 2)
    distance = squared_mean_difference + np.trace(covariance_a) + np.trace(covariance_b) - 2.0 * trace_of_root
    # The exact value is a squared distance; rounding can leave it a hair below zero for equal inputs.
    return float(max(distance, 0.0))


def frechet_distance(real_features, generated_features) -> FrechetDistanceScore:
    """FID between feature sets [N_real, D] and [N_generated, D], each with at least two samples."""
    real, generated = check_feature_pair(real_features, generated_features, minimum_count=2)
    value = frechet_distance_between_gaussians(*fit_gaussian(real, "real_features"),
                                               *fit_gaussian(generated, "generated_features"))
    return FrechetDistanceScore(
        value=value, n_real=real.shape[0], n_generated=generated.shape[0], feature_dimension=real.shape[1]
    )
