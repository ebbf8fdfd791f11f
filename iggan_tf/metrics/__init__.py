"""Evaluation metrics (DESIGN section 7): FID, KID and the in-class rate on features of renders, and 3D
scores against ground-truth shapes (COV, MMD, 1-NNA with Chamfer and voxel IoU distances, hollow rate).

Everything imported here is numpy/scipy/trimesh only, so render workers and evaluation processes that
must not import TensorFlow can use it. Each score is a `Score` dataclass that records its sample counts
and settings and serializes with `to_dict()`.
"""

from iggan_tf.metrics.chamfer_distance import chamfer_distance_matrix
from iggan_tf.metrics.frechet_distance import (
    FrechetDistanceScore,
    fit_gaussian,
    frechet_distance,
    frechet_distance_between_gaussians,
)
from iggan_tf.metrics.hollow_rate import (
    DEFAULT_MINIMUM_CAVITY_FRACTION,
    HollowRateScore,
    cavity_fraction,
    hollow_rate,
    open_cavity,
)
from iggan_tf.metrics.in_class_rate import InClassRateScore, in_class_rate
from iggan_tf.metrics.kernel_distance import KernelDistanceScore, kernel_distance
from iggan_tf.metrics.score import Score
from iggan_tf.metrics.shape_set_comparison import (
    DISTANCES,
    ShapeSetScore,
    compare_shape_sets,
    coverage,
    minimum_matching_distance,
    one_nearest_neighbour_accuracy,
)
from iggan_tf.metrics.surface_sampling import sample_surface_points
from iggan_tf.metrics.voxel_iou import voxel_iou_distance_matrix
