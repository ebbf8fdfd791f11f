"""Tests for iggan_tf.metrics: closed-form checks of FID and KID, constructed sets with known COV, MMD and
1-NNA, the hollow rate on constructed and ground-truth shapes, score records, and bad inputs."""

import json

import numpy as np
import pytest
import scipy.linalg
from scipy.spatial.distance import cdist

from iggan_tf.geometry.voxelization import voxelize
from iggan_tf.metrics import (
    FrechetDistanceScore,
    ShapeSetScore,
    cavity_fraction,
    chamfer_distance_matrix,
    compare_shape_sets,
    coverage,
    fit_gaussian,
    frechet_distance,
    frechet_distance_between_gaussians,
    hollow_rate,
    in_class_rate,
    kernel_distance,
    minimum_matching_distance,
    one_nearest_neighbour_accuracy,
    open_cavity,
    sample_surface_points,
    voxel_iou_distance_matrix,
)
from iggan_tf.metrics.kernel_distance import unbiased_squared_mmd
from iggan_tf.shapes.registry import make_shape


def random_covariance(rng, dimension):
    factor = rng.normal(size=(dimension, dimension))
    return factor @ factor.T / dimension + 0.2 * np.eye(dimension)


def expected_polynomial_kernel(mean_a, covariance_a, mean_b, covariance_b):
    """E[(x . y / D + 1)^3] for independent x ~ N(mean_a, covariance_a), y ~ N(mean_b, covariance_b).

    Expands the cube and uses E[x.y] = m_a.m_b, E[(x.y)^2] = Tr(A B) with second-moment matrices
    A = S_a + m_a m_a^T, B = S_b + m_b m_b^T, and the third moment from the Gaussian x.y | y.
    """
    dimension = len(mean_a)
    inner = mean_a @ mean_b
    second = np.trace((covariance_a + np.outer(mean_a, mean_a)) @ (covariance_b + np.outer(mean_b, mean_b)))
    third = (inner**3 + 3 * inner * (mean_a @ covariance_b @ mean_a)
             + 3 * (inner * (mean_b @ covariance_a @ mean_b + np.trace(covariance_a @ covariance_b))
                    + 2 * mean_a @ covariance_b @ covariance_a @ mean_b))
    return third / dimension**3 + 3 * second / dimension**2 + 3 * inner / dimension + 1


def analytic_squared_mmd(mean_a, covariance_a, mean_b, covariance_b):
    return (expected_polynomial_kernel(mean_a, covariance_a, mean_a, covariance_a)
            + expected_polynomial_kernel(mean_b, covariance_b, mean_b, covariance_b)
            - 2 * expected_polynomial_kernel(mean_a, covariance_a, mean_b, covariance_b))


# ---------------------------------------------------------------- FID


def test_frechet_distance_between_gaussians_matches_the_sqrtm_formula():
    rng = np.random.default_rng(0)
    mean_a, mean_b = rng.normal(size=6), rng.normal(size=6)
    covariance_a, covariance_b = random_covariance(rng, 6), random_covariance(rng, 6)
    reference = (np.sum((mean_a - mean_b) ** 2) + np.trace(covariance_a + covariance_b)
                 - 2 * np.trace(scipy.linalg.sqrtm(covariance_a @ covariance_b).real))
    assert frechet_distance_between_gaussians(mean_a, covariance_a, mean_b, covariance_b) == pytest.approx(
        reference, rel=1e-9)


def test_frechet_distance_between_gaussians_with_commuting_singular_covariances():
    # Diagonal covariances commute: the distance is sum (m_a - m_b)^2 + sum (sqrt(s_a) - sqrt(s_b))^2,
    # which stays exact when some variances are zero (a singular covariance).
    variances_a = np.array([4.0, 0.0, 1.0, 0.0])
    variances_b = np.array([1.0, 9.0, 0.0, 0.0])
    mean_a, mean_b = np.array([1.0, 0.0, 0.0, 2.0]), np.zeros(4)
    expected = np.sum((mean_a - mean_b) ** 2) + np.sum((np.sqrt(variances_a) - np.sqrt(variances_b)) ** 2)
    assert frechet_distance_between_gaussians(
        mean_a, np.diag(variances_a), mean_b, np.diag(variances_b)) == pytest.approx(expected, abs=1e-12)


def test_frechet_distance_of_a_gaussian_to_itself_is_zero():
    rng = np.random.default_rng(1)
    covariance = random_covariance(rng, 16)
    assert frechet_distance_between_gaussians(np.ones(16), covariance, np.ones(16), covariance) == pytest.approx(
        0.0, abs=1e-9)


def test_fit_gaussian_uses_the_unbiased_covariance():
    features = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 8.0]])
    mean, covariance = fit_gaussian(features)
    centred = features - features.mean(axis=0)
    np.testing.assert_allclose(mean, [2.0, 4.0])
    np.testing.assert_allclose(covariance, centred.T @ centred / 2)


def test_fid_of_large_gaussian_samples_matches_the_analytic_value():
    rng = np.random.default_rng(2)
    mean_a, mean_b = np.zeros(4), np.full(4, 0.3)
    covariance_a, covariance_b = random_covariance(rng, 4), random_covariance(rng, 4)
    analytic = (np.sum((mean_a - mean_b) ** 2) + np.trace(covariance_a + covariance_b)
                - 2 * np.trace(scipy.linalg.sqrtm(covariance_a @ covariance_b).real))
    score = frechet_distance(rng.multivariate_normal(mean_a, covariance_a, 20000),
                             rng.multivariate_normal(mean_b, covariance_b, 20000))
    assert score.value == pytest.approx(analytic, rel=0.05)
    assert (score.n_real, score.n_generated, score.feature_dimension) == (20000, 20000, 4)


def test_fid_of_two_samples_of_one_distribution_is_at_its_small_sample_floor():
    # For N(mu, I) in D dimensions, two samples of N each: E||m_a - m_b||^2 = 2D/N, and the trace term
    # is to first order ||S_a - S_b||_F^2 / 4 with E = D(D+1) / (2(N - 1)) for unbiased covariances.
    rng = np.random.default_rng(3)
    dimension, count = 8, 1000
    floor = 2 * dimension / count + dimension * (dimension + 1) / (2 * (count - 1))
    values = [frechet_distance(rng.normal(size=(count, dimension)) + 5.0,
                               rng.normal(size=(count, dimension)) + 5.0).value for _ in range(12)]
    assert np.mean(values) == pytest.approx(floor, rel=0.2)


def degraded_feature_sets():
    """Real features, and generated sets with growing mean shift, added noise and share of another class."""
    rng = np.random.default_rng(4)
    real = rng.normal(size=(600, 8))
    generated = rng.normal(size=(600, 8))
    noise = rng.normal(size=(600, 8))
    other_class = rng.normal(size=(600, 8)) * 1.5 + 2.0
    shifted = [generated + shift for shift in (0.0, 0.1, 0.2, 0.4, 0.8)]
    noised = [generated + scale * noise for scale in (0.0, 0.25, 0.5, 1.0, 2.0)]
    mixed = [np.concatenate([other_class[:count], generated[count:]]) for count in (0, 150, 300, 450, 600)]
    return real, (shifted, noised, mixed)


def test_fid_grows_monotonically_with_mean_shift_noise_and_class_mixing():
    real, degradations = degraded_feature_sets()
    for generated_sets in degradations:
        values = [frechet_distance(real, generated).value for generated in generated_sets]
        assert np.all(np.diff(values) > 0), values


def test_kid_grows_monotonically_with_mean_shift_noise_and_class_mixing():
    real, degradations = degraded_feature_sets()
    for generated_sets in degradations:
        values = [kernel_distance(real, generated, subset_size=200, num_subsets=10).value
                  for generated in generated_sets]
        assert np.all(np.diff(values) > 0), values


# ---------------------------------------------------------------- KID


def test_unbiased_squared_mmd_matches_the_pairwise_definition():
    rng = np.random.default_rng(5)
    real, generated = rng.normal(size=(5, 3)), rng.normal(size=(5, 3)) + 1.0

    def kernel(x, y):
        return (x @ y / 3 + 1) ** 3

    pairs = [(i, j) for i in range(5) for j in range(5) if i != j]
    expected = (np.mean([kernel(real[i], real[j]) for i, j in pairs])
                + np.mean([kernel(generated[i], generated[j]) for i, j in pairs])
                - 2 * np.mean([kernel(x, y) for x in real for y in generated]))
    assert unbiased_squared_mmd(real, generated) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("shift", [0.0, 0.3])
def test_kid_is_an_unbiased_estimate_of_the_analytic_squared_mmd(shift):
    # With subset_size equal to the set size every subset is the whole set, so each draw gives the
    # plain U-statistic; its mean over independent draws must match the closed form.
    rng = np.random.default_rng(6)
    mean_a, mean_b = np.zeros(4), np.full(4, shift)
    covariance_a = random_covariance(rng, 4)
    covariance_b = covariance_a if shift == 0.0 else random_covariance(rng, 4)
    analytic = analytic_squared_mmd(mean_a, covariance_a, mean_b, covariance_b)
    estimates = [kernel_distance(rng.multivariate_normal(mean_a, covariance_a, 200),
                                 rng.multivariate_normal(mean_b, covariance_b, 200),
                                 subset_size=200, num_subsets=2).value for _ in range(60)]
    standard_error = np.std(estimates, ddof=1) / np.sqrt(len(estimates))
    assert abs(np.mean(estimates) - analytic) < 4 * standard_error
    if shift:
        assert analytic > 10 * standard_error


def test_kid_on_subsets_agrees_with_the_analytic_value_and_is_near_zero_for_one_distribution():
    rng = np.random.default_rng(7)
    mean_b = np.full(4, 0.3)
    covariance_a, covariance_b = random_covariance(rng, 4), random_covariance(rng, 4)
    real = rng.multivariate_normal(np.zeros(4), covariance_a, 2000)
    analytic = analytic_squared_mmd(np.zeros(4), covariance_a, mean_b, covariance_b)
    different = kernel_distance(real, rng.multivariate_normal(mean_b, covariance_b, 2000),
                                subset_size=500, num_subsets=20, seed=1)
    assert abs(different.value - analytic) < 3 * different.std
    same = kernel_distance(real, rng.multivariate_normal(np.zeros(4), covariance_a, 2000),
                           subset_size=500, num_subsets=20, seed=1)
    assert abs(same.value) < 3 * same.std
    assert different.value > 10 * same.std


def test_kid_averages_unbiased_mmd_over_the_documented_subsets():
    set_size, subset_size, num_subsets = 60, 40, 10
    rng = np.random.default_rng(14)
    real, generated = rng.normal(size=(set_size, 6)), rng.normal(size=(set_size + 5, 6)) * 1.2
    draws = np.random.default_rng(2)
    estimates = []
    for _ in range(num_subsets):
        real_indices = draws.choice(set_size, subset_size, replace=False)
        generated_indices = draws.choice(set_size + 5, subset_size, replace=False)
        estimates.append(unbiased_squared_mmd(real[real_indices], generated[generated_indices]))
    score = kernel_distance(real, generated, subset_size=subset_size, num_subsets=num_subsets, seed=2)
    assert score.value == pytest.approx(np.mean(estimates), rel=1e-10)
    assert score.std == pytest.approx(np.std(estimates, ddof=1), rel=1e-10)


def test_kid_is_reproducible_with_its_seed_and_records_its_settings():
    rng = np.random.default_rng(8)
    real, generated = rng.normal(size=(300, 5)), rng.normal(size=(200, 5)) + 0.2
    first = kernel_distance(real, generated, subset_size=100, num_subsets=5, seed=3)
    assert first == kernel_distance(real, generated, subset_size=100, num_subsets=5, seed=3)
    assert first.value != kernel_distance(real, generated, subset_size=100, num_subsets=5, seed=4).value
    assert (first.n_real, first.n_generated, first.subset_size, first.num_subsets, first.seed) == (300, 200, 100, 5, 3)


# ---------------------------------------------------------------- in-class rate and records


def test_in_class_rate_counts_argmax_predictions_of_logits_or_probabilities():
    logits = np.array([[2.0, 0.1, 0.0], [0.0, 3.0, 1.0], [0.5, 0.2, 0.9], [1.0, 0.0, -1.0], [0.0, 0.0, 5.0]])
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    for scores in (logits, probabilities):
        assert in_class_rate(scores, 0).value == pytest.approx(2 / 5)
        assert in_class_rate(scores, 2).value == pytest.approx(2 / 5)
        assert in_class_rate(scores, 1).value == pytest.approx(1 / 5)
    assert in_class_rate(logits, 2).n_generated == 5


def test_a_blank_render_is_never_in_class():
    logits = np.array([[2.0, 0.0], [3.0, 0.0], [0.0, 1.0]])
    score = in_class_rate(logits, 0, blank=np.array([False, True, False]))
    assert score.value == pytest.approx(1 / 3) and score.n_blank == 1
    assert in_class_rate(logits, 0).value == pytest.approx(2 / 3) and in_class_rate(logits, 0).n_blank == 0
    with pytest.raises(ValueError, match="blank must be a bool array of shape \\[3\\]"):
        in_class_rate(logits, 0, blank=np.array([0, 1, 0]))


def test_scores_round_trip_through_json():
    rng = np.random.default_rng(9)
    real, generated = rng.normal(size=(50, 3)), rng.normal(size=(40, 3))
    scores = [frechet_distance(real, generated), kernel_distance(real, generated, subset_size=20, num_subsets=3),
              in_class_rate(rng.normal(size=(7, 4)), np.int64(3)), hollow_rate(np.ones((2, 4, 4, 4), bool))]
    for score in scores:
        record = json.loads(json.dumps(score.to_dict()))
        assert type(score).from_dict(record) == score
    assert json.loads(json.dumps(scores[1].to_dict()))["metric"] == "kid"
    with pytest.raises(ValueError, match="expected 'fid'"):
        FrechetDistanceScore.from_dict(scores[1].to_dict())


# ---------------------------------------------------------------- bad inputs


@pytest.mark.parametrize("call, argument", [
    (lambda: frechet_distance(np.zeros((10, 3)), np.zeros((10, 4))), "generated_features"),
    (lambda: frechet_distance(np.zeros((1, 3)), np.zeros((10, 3))), "real_features"),
    (lambda: frechet_distance(np.zeros((10, 3)), np.zeros((1, 3))), "generated_features"),
    (lambda: frechet_distance(np.zeros(10), np.zeros((10, 3))), "real_features"),
    (lambda: frechet_distance(np.full((10, 3), np.nan), np.zeros((10, 3))), "real_features"),
    (lambda: frechet_distance_between_gaussians(np.zeros(3), np.eye(2), np.zeros(3), np.eye(3)), "covariance_a"),
    (lambda: frechet_distance_between_gaussians(np.zeros(3), np.eye(3), np.zeros(3), np.triu(np.ones((3, 3)))),
     "covariance_b"),
    (lambda: kernel_distance(np.zeros((10, 3)), np.zeros((10, 2)), 5, 2), "generated_features"),
    (lambda: kernel_distance(np.zeros((10, 3)), np.zeros((8, 3)), subset_size=9, num_subsets=2), "subset_size"),
    (lambda: kernel_distance(np.zeros((10, 3)), np.zeros((10, 3)), subset_size=1, num_subsets=2), "subset_size"),
    (lambda: kernel_distance(np.zeros((10, 3)), np.zeros((10, 3)), subset_size=5, num_subsets=1), "num_subsets"),
    (lambda: in_class_rate(np.zeros((4, 3)), 3), "target_class"),
    (lambda: in_class_rate(np.zeros((4, 3)), 1.0), "target_class"),
    (lambda: in_class_rate(np.zeros(4), 0), "class_scores"),
    (lambda: coverage(np.zeros((0, 3))), "generated_to_reference"),
    (lambda: minimum_matching_distance(-np.ones((2, 3))), "generated_to_reference"),
    (lambda: one_nearest_neighbour_accuracy(np.zeros((2, 2)), np.zeros((2, 3)), np.zeros((2, 2))),
     "generated_to_reference"),
    (lambda: one_nearest_neighbour_accuracy(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((3, 3))),
     "generated_to_generated"),
    (lambda: chamfer_distance_matrix([np.zeros((4, 2))]), r"point_clouds_a\[0\]"),
    (lambda: chamfer_distance_matrix([np.zeros((4, 3))], []), "point_clouds_b"),
    (lambda: voxel_iou_distance_matrix(np.zeros((1, 4, 4, 4)), np.zeros((1, 5, 5, 5))), "voxels_b"),
    (lambda: voxel_iou_distance_matrix(np.full((1, 4, 4, 4), 0.5)), "voxels_a"),
    (lambda: sample_surface_points(np.ones((1, 4, 4, 4)), points_per_shape=0), "points_per_shape"),
    (lambda: compare_shape_sets(np.ones((1, 4, 4, 4)), np.ones((1, 4, 4, 4)), distance="hausdorff"), "distance"),
    (lambda: compare_shape_sets(np.ones((1, 4, 4, 4)), np.ones((1, 8, 8, 8))), "reference_voxels"),
    (lambda: hollow_rate(np.ones((1, 4, 4, 4)), minimum_cavity_fraction=0.0), "minimum_cavity_fraction"),
    (lambda: hollow_rate(np.ones((0, 4, 4, 4))), "voxels"),
    (lambda: cavity_fraction(np.ones((1, 4, 4, 4))), "grid"),
])
def test_bad_inputs_raise_value_errors_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


# ---------------------------------------------------------------- COV, MMD, 1-NNA


def point_set_scores(generated, reference):
    """COV, MMD and 1-NNA for 'shapes' that are points, under the Euclidean distance."""
    across = cdist(generated, reference)
    return (coverage(across), minimum_matching_distance(across),
            one_nearest_neighbour_accuracy(cdist(generated, generated), across, cdist(reference, reference)))


def test_identical_sets_of_distinct_shapes_give_full_coverage_zero_mmd_and_zero_1nna():
    # Every shape's nearest neighbour is its twin in the other set, so the 1-NN classifier is always wrong.
    points = np.random.default_rng(10).normal(size=(20, 3))
    assert point_set_scores(points, points) == (1.0, 0.0, 0.0)


def test_far_apart_sets_give_1nna_one_and_known_coverage_and_mmd():
    reference = np.arange(5.0)[:, None]
    generated = 100.0 + np.arange(5.0)[:, None]
    covered, matching, accuracy = point_set_scores(generated, reference)
    # Every generated point's nearest reference is the point at 4; reference i is 100 - i from its nearest.
    assert covered == pytest.approx(1 / 5)
    assert matching == pytest.approx(np.mean(100.0 - np.arange(5.0)))
    assert accuracy == 1.0


def test_mode_collapse_onto_one_reference_shape():
    reference = np.array([[0.0], [10.0], [25.0], [45.0]])
    generated = np.zeros((4, 1))
    covered, matching, accuracy = point_set_scores(generated, reference)
    assert covered == pytest.approx(1 / 4)
    assert matching == pytest.approx(np.mean([0.0, 10.0, 25.0, 45.0]))
    # Each generated copy ties at 0 with its 3 fellow copies and reference 0 (3 of 4 own label);
    # reference 0 ties with the 4 copies (none own); reference 10 ties at 10 with the 4 copies and
    # reference 0 (1 of 5 own); references 25 and 45 find a reference.
    assert accuracy == pytest.approx((4 * 3 / 4 + 0.0 + 1 / 5 + 1.0 + 1.0) / 8)


def test_1nna_of_two_samples_of_one_distribution_is_near_one_half():
    rng = np.random.default_rng(11)
    accuracy = point_set_scores(rng.normal(size=(500, 3)), rng.normal(size=(500, 3)))[2]
    assert accuracy == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize("workers", [1, 2])
def test_chamfer_distance_matrix_matches_brute_force(workers):
    rng = np.random.default_rng(12)
    clouds_a = [rng.normal(size=(count, 3)) for count in (5, 9, 7)]
    clouds_b = [rng.normal(size=(count, 3)) + 0.5 for count in (6, 4)]

    def chamfer(a, b):
        squared = cdist(a, b) ** 2
        return squared.min(axis=1).mean() + squared.min(axis=0).mean()

    expected = np.array([[chamfer(a, b) for b in clouds_b] for a in clouds_a])
    np.testing.assert_allclose(chamfer_distance_matrix(clouds_a, clouds_b, workers), expected, rtol=1e-12)
    within = np.array([[chamfer(a, b) for b in clouds_a] for a in clouds_a])
    np.testing.assert_allclose(chamfer_distance_matrix(clouds_a, workers=workers), within, rtol=1e-12, atol=1e-15)


def test_chamfer_distance_to_an_empty_shape_is_infinite():
    clouds = [np.zeros((0, 3)), np.ones((3, 3)), np.zeros((0, 3))]
    matrix = chamfer_distance_matrix(clouds)
    assert matrix[0, 2] == 0.0 and matrix[1, 1] == 0.0
    assert np.isinf(matrix[0, 1]) and np.isinf(matrix[1, 2])


def test_voxel_iou_distance_matrix_matches_brute_force_on_odd_grids():
    rng = np.random.default_rng(13)
    grids_a = rng.random((4, 5, 5, 5)) < 0.4
    grids_b = rng.random((3, 5, 5, 5)) < 0.6
    grids_a[0] = False
    grids_b[0] = False
    expected = np.ones((4, 3))
    for i, a in enumerate(grids_a):
        for j, b in enumerate(grids_b):
            union = np.sum(a | b)
            expected[i, j] = 1.0 - (np.sum(a & b) / union if union else 1.0)
    np.testing.assert_allclose(voxel_iou_distance_matrix(grids_a, grids_b), expected, rtol=1e-12)
    assert expected[0, 0] == 0.0 and expected[0, 1] == 1.0
    np.testing.assert_allclose(np.diag(voxel_iou_distance_matrix(grids_a)), 0.0)


def box_grid(size, low, high):
    grid = np.zeros((size, size, size), bool)
    grid[low[0]:high[0], low[1]:high[1], low[2]:high[2]] = True
    return grid


def test_surface_samples_lie_on_the_shape_and_are_seeded_per_shape():
    box = box_grid(8, (2, 1, 3), (6, 4, 7))
    other = box_grid(8, (0, 0, 0), (3, 3, 3))
    points = sample_surface_points(np.stack([box, other, np.zeros_like(box)]), points_per_shape=500, seed=4)
    assert [cloud.shape for cloud in points] == [(500, 3), (500, 3), (0, 3)]
    # The marching-cubes surface of voxels [2, 6) x [1, 4) x [3, 7) lies within their outer faces
    # (corners are cut), with a face touched on every axis.
    low, high = np.array([2, 1, 3]) / 8 - 0.5, np.array([6, 4, 7]) / 8 - 0.5
    assert np.all(points[0] >= low - 1e-6) and np.all(points[0] <= high + 1e-6)
    np.testing.assert_allclose(points[0].min(axis=0), low, atol=1e-6)
    again = sample_surface_points(np.stack([box, box]), points_per_shape=500, seed=4)
    np.testing.assert_array_equal(again[0], points[0])
    assert not np.array_equal(again[1], again[0])
    assert not np.array_equal(sample_surface_points(box[None], 500, seed=5)[0], points[0])


def shifted_boxes(corner):
    """Five boxes of growing size anchored at a corner of a 16^3 grid (0: low corner, 1: high corner)."""
    grids = [box_grid(16, (0, 0, 0), (3 + size, 3 + size, 3 + size)) for size in range(5)]
    return np.stack([grid[::-1, ::-1, ::-1] if corner else grid for grid in grids])


@pytest.mark.parametrize("distance", ["chamfer", "voxel_iou"])
def test_compare_shape_sets_on_constructed_voxel_sets(distance):
    boxes = shifted_boxes(0)
    same = compare_shape_sets(boxes, boxes, distance=distance, points_per_shape=512)
    assert (same.coverage, same.one_nearest_neighbour_accuracy) == (1.0, 0.0)
    # Each shape's twin is sampled independently, so under Chamfer it is only closer than any other
    # shape, not at distance 0; the nearest other shape is the box one voxel larger.
    nearest_other = compare_shape_sets(boxes[:1], boxes[1:2], distance=distance, points_per_shape=512)
    assert same.minimum_matching_distance < 0.5 * nearest_other.minimum_matching_distance
    apart = compare_shape_sets(shifted_boxes(1), boxes, distance=distance, points_per_shape=512)
    assert (apart.coverage, apart.one_nearest_neighbour_accuracy) == (1 / 5, 1.0)
    if distance == "voxel_iou":
        # Twins are identical grids; boxes in opposite corners never overlap.
        assert (same.minimum_matching_distance, apart.minimum_matching_distance) == (0.0, 1.0)
    else:
        assert apart.minimum_matching_distance > 10 * nearest_other.minimum_matching_distance
    assert (apart.n_generated, apart.n_real, apart.distance) == (5, 5, distance)
    assert ShapeSetScore.from_dict(json.loads(json.dumps(apart.to_dict()))) == apart


# ---------------------------------------------------------------- hollow rate


def vessel(size=16, wall=1, floor=1, lid=False, neck=None):
    """A box of side `size` - 4 standing in a grid of `size`, hollowed out; optionally closed with a lid
    or narrowed at the top into a neck of inner half-width `neck` (a vase)."""
    grid = box_grid(size, (2, 0, 2), (size - 2, size - 4, size - 2))
    grid[2 + wall:size - 2 - wall, floor:size - 4, 2 + wall:size - 2 - wall] = False
    top = size - 5
    if lid:
        grid[2:size - 2, top, 2:size - 2] = True
    if neck is not None:
        centre = size // 2
        grid[2:size - 2, top - 1:top + 1, 2:size - 2] = True
        grid[centre - neck:centre + neck, top - 1:top + 1, centre - neck:centre + neck] = False
    return grid


def test_filled_box_has_no_cavity():
    assert cavity_fraction(box_grid(16, (2, 0, 2), (14, 12, 14))) == 0.0
    assert cavity_fraction(np.zeros((8, 8, 8), bool)) == 0.0


def test_open_box_is_hollow_and_its_cavity_is_the_inside():
    grid = vessel()
    cavity = open_cavity(grid)
    inside = np.zeros_like(grid)
    inside[3:13, 1:12, 3:13] = True
    np.testing.assert_array_equal(cavity, inside)
    assert cavity_fraction(grid) == pytest.approx(inside.sum() / (inside.sum() + grid.sum()))


def test_closed_hollow_box_is_not_an_open_top_hollow():
    assert not open_cavity(vessel(lid=True)).any()


def test_vase_counts_its_belly_through_a_narrow_neck():
    vase = vessel(neck=2)
    cavity = open_cavity(vase)
    assert cavity[3:13, 1:10, 3:13].all()
    assert cavity_fraction(vase) > 0.5


def test_cavity_survives_a_hole_in_the_wall_but_not_a_missing_floor():
    leaky = vessel()
    leaky[2, 5, 8] = False
    np.testing.assert_array_equal(open_cavity(leaky)[:, 5], False)
    assert open_cavity(leaky).sum() == open_cavity(vessel()).sum() - 100
    bottomless = vessel()
    bottomless[:, 0] = False
    bottomless[2, 0, 2:14] = bottomless[13, 0, 2:14] = True
    bottomless[2:14, 0, 2] = bottomless[2:14, 0, 13] = True
    assert not open_cavity(bottomless).any()


def test_recess_open_at_the_front_is_not_hollow_and_a_shallow_pit_stays_below_threshold():
    couch = box_grid(16, (2, 0, 2), (14, 10, 14))
    couch[4:12, 5:10, 2:12] = False
    assert cavity_fraction(couch) == 0.0
    pitted = box_grid(16, (2, 0, 2), (14, 12, 14))
    pitted[3:13, 11, 3:13] = False
    assert 0.0 < cavity_fraction(pitted) < 1 / 12
    assert hollow_rate(pitted[None]).value == 0.0


def test_hollow_rate_of_a_constructed_set():
    grids = np.stack([box_grid(16, (2, 0, 2), (14, 12, 14)), vessel(), vessel(lid=True), vessel(neck=2)])
    score = hollow_rate(grids)
    assert (score.value, score.minimum_cavity_fraction, score.n_shapes) == (0.5, 0.1, 4)
    assert score.mean_cavity_fraction == pytest.approx(np.mean([cavity_fraction(grid) for grid in grids]))


@pytest.mark.parametrize("resolution", [32, 64])
def test_ground_truth_tubs_are_hollow_and_tables_are_not(resolution):
    tubs = np.stack([voxelize(make_shape("tub", seed), resolution) for seed in range(20)])
    assert hollow_rate(tubs).value >= 0.9
    tables = np.stack([voxelize(make_shape("table", seed), resolution) for seed in range(5)])
    assert hollow_rate(tables).value == 0.0
