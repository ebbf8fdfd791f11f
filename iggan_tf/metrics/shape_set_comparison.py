"""Comparing a set of generated shapes with held-out ground-truth shapes through a pairwise distance:
coverage (COV), minimum matching distance (MMD) and 1-nearest-neighbour accuracy (1-NNA), as defined
by Achlioptas et al. (2018) and Yang et al. (2019). COV rewards diversity, MMD fidelity, and 1-NNA
(0.5 is ideal) tests whether the two sets are distinguishable at all."""

import dataclasses
import functools

import numpy as np

from iggan_tf.geometry.meshing import check_binary_voxels
from iggan_tf.metrics.chamfer_distance import chamfer_distance_matrix
from iggan_tf.metrics.score import Score
from iggan_tf.metrics.surface_sampling import sample_surface_points
from iggan_tf.metrics.voxel_iou import voxel_iou_distance_matrix

DISTANCES = ("chamfer", "voxel_iou")


@dataclasses.dataclass(frozen=True)
class ShapeSetScore(Score):
    """COV, MMD and 1-NNA under one distance; `points_per_shape` and `seed` describe the surface
    sampling for "chamfer" and are None for "voxel_iou"."""

    metric = "shape_set"
    distance: str
    coverage: float
    minimum_matching_distance: float
    one_nearest_neighbour_accuracy: float
    n_real: int
    n_generated: int
    points_per_shape: int | None
    seed: int | None


def _check_distance_matrix(matrix, name: str, square: bool) -> np.ndarray:
    array = np.asarray(matrix, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"{name} must be a non-empty matrix, got shape {array.shape}")
    if square and array.shape[0] != array.shape[1]:
        raise ValueError(f"{name} must be square, got shape {array.shape}")
    if np.any(np.isnan(array)) or np.any(array < 0):
        raise ValueError(f"{name} must hold non-negative distances (inf allowed, NaN not)")
    return array


def coverage(generated_to_reference) -> float:
    """Share of reference shapes that are the nearest reference of at least one generated shape.

    `generated_to_reference` [G, R]; ties go to the lowest reference index.
    """
    distances = _check_distance_matrix(generated_to_reference, "generated_to_reference", square=False)
    return float(len(np.unique(np.argmin(distances, axis=1))) / distances.shape[1])


def minimum_matching_distance(generated_to_reference) -> float:
    """Mean over reference shapes of the distance to their nearest generated shape ([G, R] input)."""
    distances = _check_distance_matrix(generated_to_reference, "generated_to_reference", square=False)
    return float(distances.min(axis=0).mean())


def one_nearest_neighbour_accuracy(generated_to_generated, generated_to_reference, reference_to_reference) -> float:
    """Leave-one-out accuracy of the 1-NN classifier telling generated from reference shapes.

    Each shape of the union is classified by its nearest other shape. Where several shapes tie for
    nearest, the shape scores the share of them that carry its own label (the expected accuracy of
    breaking the tie at random), so exact duplicates across the sets count as indistinguishable:
    identical sets of distinct shapes give 0, two large samples of one distribution about 0.5, and
    far-apart sets 1.
    """
    within_generated = _check_distance_matrix(generated_to_generated, "generated_to_generated", square=True)
    across = _check_distance_matrix(generated_to_reference, "generated_to_reference", square=False)
    within_reference = _check_distance_matrix(reference_to_reference, "reference_to_reference", square=True)
    if across.shape != (within_generated.shape[0], within_reference.shape[0]):
        raise ValueError(
            f"generated_to_reference must have shape [G, R] = {(within_generated.shape[0], within_reference.shape[0])}"
            f" to match the within-set matrices, got {across.shape}"
        )
    generated_count = within_generated.shape[0]
    union = np.block([[within_generated, across], [across.T, within_reference]])
    np.fill_diagonal(union, np.inf)
    is_generated = np.arange(len(union)) < generated_count
    others = ~np.eye(len(union), dtype=bool)
    nearest = (union == union.min(axis=1, keepdims=True)) & others
    same_label = is_generated[:, None] == is_generated[None, :]
    per_shape = (nearest & same_label).sum(axis=1) / nearest.sum(axis=1)
    return float(per_shape.mean())


def compare_shape_sets(
    generated_voxels,
    reference_voxels,
    distance: str = "chamfer",
    points_per_shape: int = 2048,
    seed: int = 0,
    workers: int = 1,
) -> ShapeSetScore:
    """COV, MMD and 1-NNA of `generated_voxels` [G, N, N, N] against `reference_voxels` [R, N, N, N].

    `distance` is "chamfer" (on `points_per_shape` surface samples per shape; the two sets sample from
    separate streams spawned from `seed`, so a shape present in both is sampled independently twice,
    and its distance to itself is the sampling noise, not 0) or "voxel_iou" (1 - IoU). `workers`
    parallelizes the Chamfer nearest-neighbour queries (see chamfer_distance_matrix).
    """
    generated = check_binary_voxels(generated_voxels, "generated_voxels")
    reference = check_binary_voxels(reference_voxels, "reference_voxels")
    if generated.shape[1:] != reference.shape[1:]:
        raise ValueError(
            f"generated_voxels has grids of shape {generated.shape[1:]} but reference_voxels has {reference.shape[1:]}"
        )
    if distance == "chamfer":
        generated_stream, reference_stream = np.random.SeedSequence(seed).spawn(2)
        generated = sample_surface_points(generated, points_per_shape, generated_stream)
        reference = sample_surface_points(reference, points_per_shape, reference_stream)
        pairwise = functools.partial(chamfer_distance_matrix, workers=workers)
        settings = {"points_per_shape": int(points_per_shape), "seed": int(seed)}
    elif distance == "voxel_iou":
        pairwise, settings = voxel_iou_distance_matrix, {"points_per_shape": None, "seed": None}
    else:
        raise ValueError(f"distance must be one of {DISTANCES}, got {distance!r}")
    generated_to_reference = pairwise(generated, reference)
    return ShapeSetScore(
        distance=distance,
        coverage=coverage(generated_to_reference),
        minimum_matching_distance=minimum_matching_distance(generated_to_reference),
        one_nearest_neighbour_accuracy=one_nearest_neighbour_accuracy(
            pairwise(generated), generated_to_reference, pairwise(reference)
        ),
        n_real=len(reference),
        n_generated=len(generated),
        **settings,
    )
