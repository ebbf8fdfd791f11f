"""Tests for iggan_tf.geometry: cameras, view transform, binarization, voxelization, meshing."""

import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
import trimesh
from scipy import ndimage, stats

from iggan_tf import geometry
from iggan_tf.geometry import cameras, meshing
from iggan_tf.geometry.binarization import binarize, sample_thresholds
from iggan_tf.geometry.view_grid import camera_rotation, view_transform
from iggan_tf.geometry.voxelization import normalize_mesh, voxelize

# One voxel grid shape for most view-transform tests: each new shape costs an XLA compilation.
SIZE = 8
VIEW_SIZE = 2 * SIZE
BATCH = 3


def _block(low, high, size=SIZE):
    """Grid [N, N, N] with voxels low..high-1 (per axis) occupied."""
    grid = np.zeros((size,) * 3, np.float32)
    grid[low[0]:high[0], low[1]:high[1], low[2]:high[2]] = 1.0
    return grid


def _transform(grids, azimuth, elevation):
    """view_transform of a list of [N, N, N] grids; returns numpy [B, 2N, 2N, 2N]."""
    voxels = np.stack(grids)[..., None]
    return view_transform(voxels, np.asarray(azimuth, np.float32), np.asarray(elevation, np.float32)).numpy()[..., 0]


def _centre_of_mass(volume):
    return np.asarray(ndimage.center_of_mass(volume))


# ---------------------------------------------------------------------------------------------- cameras


def test_world_to_camera_is_orthonormal():
    rng = np.random.default_rng(0)
    rotations = cameras.world_to_camera(rng.uniform(-360, 360, 20), rng.uniform(-90, 90, 20))
    np.testing.assert_allclose(rotations @ np.swapaxes(rotations, 1, 2), np.broadcast_to(np.eye(3), (20, 3, 3)),
                               atol=1e-12)
    # right x up points back at the camera: forward (depth) runs away from it, so the frame is left-handed.
    right, up, forward = np.moveaxis(rotations, 1, 0)
    np.testing.assert_allclose(np.cross(right, up), -forward, atol=1e-12)


def test_camera_conventions():
    right, up, forward = cameras.world_to_camera([0.0], [0.0])[0]
    np.testing.assert_allclose(cameras.camera_direction([0.0], [0.0])[0], [0, 0, 1], atol=1e-12)  # on +z
    np.testing.assert_allclose(right, [1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(up, [0, 1, 0], atol=1e-12)
    np.testing.assert_allclose(forward, [0, 0, -1], atol=1e-12)
    np.testing.assert_allclose(cameras.camera_direction([90.0], [0.0])[0], [1, 0, 0], atol=1e-12)  # on +x
    _, up_high, forward_high = cameras.world_to_camera([30.0], [40.0])[0]
    assert forward_high[1] < 0 and up_high[1] > 0  # positive elevation looks down, image stays upright


def test_camera_rotation_equals_world_to_camera_in_graph_mode():
    rng = np.random.default_rng(1)
    azimuth, elevation = rng.uniform(-360, 360, 7), rng.uniform(-90, 90, 7)
    graph_rotation = tf.function(camera_rotation, input_signature=[tf.TensorSpec([None], tf.float32)] * 2)
    np.testing.assert_allclose(graph_rotation(azimuth.astype(np.float32), elevation.astype(np.float32)).numpy(),
                               cameras.world_to_camera(azimuth, elevation), atol=2e-6)


# ---------------------------------------------------------------------------------------------- view transform


def test_view_transform_is_trilinear_resampling_of_the_rotated_grid():
    """Independent reference: scipy's order-1 map_coordinates at R^T (right, up, forward) of every view cell."""
    rng = np.random.default_rng(2)
    voxels = rng.random((BATCH, SIZE, SIZE, SIZE)).astype(np.float32)
    azimuth, elevation = np.array([17.0, 200.0, -75.0]), np.array([-30.0, 55.0, 89.0])
    result = _transform(list(voxels), azimuth, elevation)
    half_width = cameras.VIEW_HALF_WIDTH
    cell = 2 * half_width / VIEW_SIZE
    row, column, depth = np.meshgrid(*[np.arange(VIEW_SIZE)] * 3, indexing="ij")
    camera = np.stack([-half_width + (column + 0.5) * cell, half_width - (row + 0.5) * cell,
                       -half_width + (depth + 0.5) * cell], axis=-1)
    for sample, rotation in enumerate(cameras.world_to_camera(azimuth, elevation)):
        world = camera @ rotation  # R^T (right, up, forward) for every cell
        index = (world + 0.5) * SIZE - 0.5
        expected = ndimage.map_coordinates(voxels[sample].astype(np.float64), index.reshape(-1, 3).T, order=1,
                                           mode="grid-constant", cval=0.0).reshape(result.shape[1:])
        np.testing.assert_allclose(result[sample], expected, atol=1e-5)


def test_front_view_silhouette_is_the_shape_seen_from_plus_z():
    """At azimuth 0, elevation 0 rows run from +y down, columns from -x to +x; a prism extruded along z has
    max over depth = the bilinear interpolation of its cross-section at the pixel centres."""
    profile = np.zeros((SIZE, SIZE), np.float32)  # an L: a tall bar on the left (-x) and a foot to the right
    profile[1:3, 1:7] = 1.0
    profile[1:6, 1:3] = 1.0
    prism = np.repeat(profile[:, :, None], SIZE, axis=2) * (np.arange(SIZE) >= 2) * (np.arange(SIZE) < 6)
    grids = [prism, np.zeros_like(prism), np.ones_like(prism)]
    silhouettes = _transform(grids, [0.0] * BATCH, [0.0] * BATCH).max(axis=3)
    half_width = cameras.VIEW_HALF_WIDTH
    centres = -half_width + (np.arange(VIEW_SIZE) + 0.5) * 2 * half_width / VIEW_SIZE
    column_x = (centres + 0.5) * SIZE - 0.5
    row_y = (-centres + 0.5) * SIZE - 0.5
    x_index, y_index = np.meshgrid(column_x, row_y, indexing="xy")  # [row, column]
    expected = ndimage.map_coordinates(profile, [x_index, y_index], order=1, mode="grid-constant", cval=0.0)
    np.testing.assert_allclose(silhouettes[0], expected, atol=1e-5)
    # The bar (-x) is left of the foot's tip (+x); the top of the bar (+y) is in the upper rows.
    rows, columns = np.nonzero(silhouettes[0] > 0.5)
    assert columns[rows == rows.min()].max() < VIEW_SIZE / 2 < columns.max()
    assert not silhouettes[1].any()
    # The whole unit cube fills the central 2N / sqrt(3) pixels of the image.
    full = silhouettes[2] > 0.5
    assert abs(full.sum() - (VIEW_SIZE / np.sqrt(3)) ** 2) < 2 * VIEW_SIZE


def test_azimuth_90_views_from_plus_x():
    """At azimuth 90 the camera sits on +x: right = -z, up = +y, forward = -x, i.e. an axis permutation."""
    rng = np.random.default_rng(3)
    voxels = (rng.random((SIZE, SIZE, SIZE)) > 0.7).astype(np.float32)
    # Seen from +x, world (x, y, z) shows as (right, up, forward) = (-z, y, -x): the grid v'[i, j, k] =
    # v[k, j, N-1-i] seen from +z looks the same.
    permuted = np.ascontiguousarray(np.transpose(voxels[:, :, ::-1], (2, 1, 0)))
    corner = _block((5, 5, 5), (8, 8, 8))  # the (+x, +y, +z) corner
    side, front, corner_side = _transform([voxels, permuted, corner], [90.0, 0.0, 90.0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(side, front, atol=1e-5)
    row, column, depth = _centre_of_mass(corner_side)
    assert row < VIEW_SIZE / 2  # +y is up
    assert column < VIEW_SIZE / 2  # +z is on the left when looking from +x
    assert depth < VIEW_SIZE / 2  # +x is nearest to the camera


def test_positive_elevation_looks_down():
    top, bottom = _block((3, 6, 3), (5, 8, 5)), _block((3, 0, 3), (5, 2, 5))
    above, below, overhead = _transform([top + bottom, top + bottom, _block((3, 3, 0), (5, 5, 2))],
                                        [0.0, 0.0, 0.0], [45.0, -45.0, 90.0])
    view_half = VIEW_SIZE // 2
    # From above the top block is nearer (smaller depth) than the bottom block; from below the reverse.
    top_depth, bottom_depth = (_centre_of_mass(above[:view_half])[2], _centre_of_mass(above[view_half:])[2])
    assert top_depth < bottom_depth
    top_depth, bottom_depth = (_centre_of_mass(below[:view_half])[2], _centre_of_mass(below[view_half:])[2])
    assert top_depth > bottom_depth
    # Straight down from +y at azimuth 0, the image's up is -z: a block at -z shows in the upper rows.
    assert _centre_of_mass(overhead)[0] < view_half


def test_view_transform_gradient_is_the_exact_adjoint():
    """<W v, g> = <v, W^T g> for random v, g: the custom gradient is the transpose of the forward map."""
    rng = np.random.default_rng(4)
    voxels = tf.constant(rng.random((BATCH, SIZE, SIZE, SIZE, 1)), tf.float32)
    upstream = tf.constant(rng.standard_normal((BATCH, VIEW_SIZE, VIEW_SIZE, VIEW_SIZE, 1)), tf.float32)
    azimuth, elevation = tf.constant([33.0, 123.0, 301.0]), tf.constant([-20.0, 10.0, 70.0])
    with tf.GradientTape() as tape:
        tape.watch(voxels)
        view_grid = view_transform(voxels, azimuth, elevation)
        projection = tf.reduce_sum(view_grid * upstream, axis=[1, 2, 3, 4])
    gradient = tape.gradient(projection, voxels)
    np.testing.assert_allclose(projection.numpy(), tf.reduce_sum(voxels * gradient, axis=[1, 2, 3, 4]).numpy(),
                               rtol=1e-4)
    assert np.count_nonzero(gradient.numpy()) == gradient.numpy().size  # every voxel is seen


def test_view_transform_in_graph_mode_with_unknown_batch():
    spec = [tf.TensorSpec([None, SIZE, SIZE, SIZE, 1], tf.float32), tf.TensorSpec([None], tf.float32),
            tf.TensorSpec([None], tf.float32)]

    @tf.function(input_signature=spec)
    def transform_and_gradient(voxels, azimuth, elevation):
        with tf.GradientTape() as tape:
            tape.watch(voxels)
            view_grid = view_transform(voxels, azimuth, elevation)
            assert view_grid.shape.as_list() == [None, VIEW_SIZE, VIEW_SIZE, VIEW_SIZE, 1]
            loss = tf.reduce_sum(tf.square(view_grid))
        return view_grid, tape.gradient(loss, voxels)

    voxels = np.stack([_block((1, 2, 3), (6, 7, 5))] * BATCH)[..., None]
    azimuth, elevation = np.float32([10, 20, 30]), np.float32([0, 15, -15])
    view_grid, gradient = transform_and_gradient(voxels, azimuth, elevation)
    np.testing.assert_allclose(view_grid.numpy(), view_transform(voxels, azimuth, elevation).numpy(), atol=1e-6)
    assert np.abs(gradient.numpy()).sum() > 0


@pytest.mark.parametrize("dtype", [tf.bfloat16, tf.float16])
def test_view_transform_keeps_low_precision_dtypes(dtype):
    voxels = np.stack([_block((1, 2, 3), (6, 7, 5))] * BATCH)[..., None]
    angles = np.float32([10, 200, 300]), np.float32([5, -15, 60])
    low = tf.cast(voxels, dtype)
    with tf.GradientTape() as tape:
        tape.watch(low)
        result = view_transform(low, *angles)
        loss = tf.reduce_sum(tf.cast(result, tf.float32))
    assert result.dtype == dtype and tape.gradient(loss, low).dtype == dtype
    np.testing.assert_allclose(tf.cast(result, tf.float32).numpy(), view_transform(voxels, *angles).numpy(),
                               atol=1e-2)


@pytest.mark.parametrize(
    "voxels, azimuth, elevation, argument",
    [
        (np.zeros((BATCH, SIZE, SIZE, SIZE)), [0.0] * BATCH, [0.0] * BATCH, "voxels"),  # no channel
        (np.zeros((BATCH, SIZE, SIZE, 4, 1)), [0.0] * BATCH, [0.0] * BATCH, "voxels"),  # not cubic
        (np.zeros((BATCH, SIZE, SIZE, SIZE, 2)), [0.0] * BATCH, [0.0] * BATCH, "voxels"),  # two channels
        (np.zeros((BATCH, SIZE, SIZE, SIZE, 1), np.int32), [0.0] * BATCH, [0.0] * BATCH, "voxels"),
        (np.zeros((BATCH, SIZE, SIZE, SIZE, 1)), [0.0] * 2, [0.0] * BATCH, "azimuth"),
        (np.zeros((BATCH, SIZE, SIZE, SIZE, 1)), [[0.0]] * BATCH, [0.0] * BATCH, "azimuth"),
        (np.zeros((BATCH, SIZE, SIZE, SIZE, 1)), [0.0] * BATCH, [0.0] * 4, "elevation"),
        (np.zeros((BATCH, SIZE, SIZE, SIZE, 1)), [0.0, np.nan, 0.0], [0.0] * BATCH, "azimuth"),
        (np.zeros((BATCH, SIZE, SIZE, SIZE, 1)), [0.0] * BATCH, [0.0, np.inf, 0.0], "elevation"),
    ],
)
def test_view_transform_rejects_bad_input(voxels, azimuth, elevation, argument):
    with pytest.raises(ValueError, match=argument):
        view_transform(voxels, np.asarray(azimuth, np.float32), np.asarray(elevation, np.float32))


# ---------------------------------------------------------------------------------------------- binarization


def test_binarize_uses_one_threshold_per_sample():
    ramp = np.linspace(0.0, 1.0, 101, dtype=np.float32).reshape(1, 101, 1)
    continuous_voxels = np.concatenate([ramp, ramp], axis=0)
    binary_voxels = binarize(continuous_voxels, thresholds=[0.25, 0.8]).numpy()
    assert binary_voxels.dtype == np.float32 and binary_voxels.shape == continuous_voxels.shape
    assert set(np.unique(binary_voxels)) <= {0.0, 1.0}
    np.testing.assert_array_equal(binary_voxels[0], (ramp[0] > 0.25).astype(np.float32))
    np.testing.assert_array_equal(binary_voxels[1], (ramp[0] > 0.8).astype(np.float32))
    assert binary_voxels[1, 80, 0] == 0.0  # x_d = 1[x_c > t]: equality stays empty


def test_sampled_thresholds_are_uniform_and_reproducible():
    thresholds = sample_thresholds(4000, seed=7).numpy()
    assert thresholds.shape == (4000,) and thresholds.min() >= 0.0 and thresholds.max() < 1.0
    assert stats.kstest(thresholds, "uniform").pvalue > 0.01
    np.testing.assert_array_equal(thresholds, sample_thresholds(4000, seed=7).numpy())
    assert not np.array_equal(thresholds, sample_thresholds(4000, seed=[7, 1]).numpy())
    continuous_voxels = np.random.default_rng(5).random((6, 4, 4, 4, 1)).astype(np.float32)
    np.testing.assert_array_equal(binarize(continuous_voxels, seed=[3, 9]).numpy(),
                                  binarize(continuous_voxels, sample_thresholds(6, seed=[3, 9])).numpy())


def test_binarize_in_graph_mode_with_unknown_batch_and_bfloat16():
    @tf.function(input_signature=[tf.TensorSpec([None, 4, 4, 4, 1], tf.bfloat16), tf.TensorSpec([2], tf.int32)])
    def binarize_step(continuous_voxels, seed):
        return binarize(continuous_voxels, seed=seed)

    continuous_voxels = tf.cast(np.random.default_rng(6).random((5, 4, 4, 4, 1)), tf.bfloat16)
    binary_voxels = binarize_step(continuous_voxels, tf.constant([1, 2]))
    assert binary_voxels.dtype == tf.bfloat16 and binary_voxels.shape == (5, 4, 4, 4, 1)
    assert set(np.unique(tf.cast(binary_voxels, tf.float32).numpy())) <= {0.0, 1.0}


@pytest.mark.parametrize(
    "continuous_voxels, thresholds, seed, argument",
    [
        (np.zeros(4, np.float32), None, None, "continuous_voxels"),
        (np.zeros((4, 3), np.int32), None, None, "continuous_voxels"),
        (np.zeros((4, 3), np.float32), [0.5] * 3, None, "thresholds"),
        (np.zeros((4, 3), np.float32), [[0.5]] * 4, None, "thresholds"),
        (np.zeros((4, 3), np.float32), [0.5] * 4, 3, "seed"),
        (np.zeros((4, 3), np.float32), None, [1, 2, 3], "seed"),
    ],
)
def test_binarize_rejects_bad_input(continuous_voxels, thresholds, seed, argument):
    with pytest.raises(ValueError, match=argument):
        binarize(continuous_voxels, thresholds, seed)


def test_sample_thresholds_rejects_bad_batch_size():
    for batch_size in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            sample_thresholds(batch_size)


# ---------------------------------------------------------------------------------------------- voxelization


def _voxel_centres(size):
    centres = (np.arange(size) + 0.5) / size - 0.5
    return np.stack(np.meshgrid(centres, centres, centres, indexing="ij"), axis=-1)


def test_voxelized_sphere_has_the_right_volume():
    size = 32
    sphere = normalize_mesh(trimesh.creation.icosphere(subdivisions=4))
    radius = np.linalg.norm(sphere.vertices, axis=1).max()
    inradius = np.abs(np.einsum("fd,fd->f", sphere.face_normals, sphere.triangles[:, 0])).min()
    occupancy = voxelize(sphere, size)
    distance = np.linalg.norm(_voxel_centres(size), axis=-1)
    assert occupancy.dtype == bool and occupancy.shape == (size,) * 3
    assert occupancy[distance < inradius].all()  # every centre inside is occupied
    assert not occupancy[distance > radius + np.sqrt(3) / 2 / size].any()  # nothing beyond touching voxels
    sphere_volume = 4 / 3 * np.pi * radius**3 * size**3
    # Voxels the surface touches count in full: about half a voxel shell more than the exact volume.
    assert sphere_volume < occupancy.sum() < sphere_volume + sphere.area * size**2 * 0.9


def test_voxelized_box_is_exactly_the_touched_voxels():
    size = 32
    low, high = np.array([3.3, 10.2, 7.6]), np.array([20.7, 13.9, 24.1])  # in voxel units
    box = trimesh.creation.box(bounds=[low / size - 0.5, high / size - 0.5])
    expected = np.zeros((size,) * 3, bool)
    first, last = np.floor(low).astype(int), np.floor(high).astype(int)
    expected[first[0]:last[0] + 1, first[1]:last[1] + 1, first[2]:last[2] + 1] = True
    np.testing.assert_array_equal(voxelize(box, size), expected)
    inverted = box.copy()
    inverted.invert()  # inward normals: still a closed surface with the same inside
    np.testing.assert_array_equal(voxelize(inverted, size), expected)


def test_open_triangle_soup_box_still_gives_a_solid():
    """A box whose six faces are separate, slightly shrunk quads (gaps of a fifth of a voxel, as in ShapeNet
    soups) is not watertight, but its surface shell is closed at voxel resolution and gets filled."""
    size = 32
    box = trimesh.creation.box(extents=[0.5, 0.3, 0.4])
    gap = 0.2 / size
    faces = []
    for face in box.faces:
        triangle = box.vertices[face]
        normal = np.cross(triangle[1] - triangle[0], triangle[2] - triangle[0])
        in_plane = np.abs(normal) < 1e-12  # shrink the quad within its plane, away from the edges
        faces.append(np.where(in_plane, triangle * (1 - gap / np.abs(triangle).max(axis=0)), triangle))
    soup = trimesh.Trimesh(vertices=np.concatenate(faces), faces=np.arange(len(faces) * 3).reshape(-1, 3))
    assert not soup.is_watertight
    occupancy = voxelize(soup, size)
    np.testing.assert_array_equal(occupancy, voxelize(box, size))


def test_box_without_lid_stays_an_open_container():
    size = 32
    box = trimesh.creation.box(extents=[0.6, 0.4, 0.6])
    without_lid = trimesh.Trimesh(box.vertices, box.faces[box.face_normals[:, 1] < 0.5])
    assert not without_lid.is_watertight
    occupancy = voxelize(without_lid, size)
    assert not occupancy[12:20, 12:19, 12:20].any()  # the inside stays empty, like a tub
    assert occupancy[:, 9, :].sum() == voxelize(box, size)[:, 9, :].sum()  # the floor is complete


def test_thin_plate_and_thin_leg_survive():
    size = 32
    plate = trimesh.creation.box(extents=[0.8, 0.002, 0.8])
    plate.apply_translation([0.0, 0.5 / size, 0.0])  # inside one voxel layer
    leg = trimesh.creation.box(extents=[0.003, 0.7, 0.003])
    leg.apply_translation([0.21, 0.0, -0.13])
    plate_occupancy, leg_occupancy = voxelize(plate, size), voxelize(leg, size)
    assert plate_occupancy.any(axis=1).sum() >= int(0.8 * size) ** 2  # covers its whole footprint ...
    assert plate_occupancy.any(axis=(0, 2)).sum() == 1  # ... in one layer
    assert leg_occupancy.any(axis=(0, 2)).sum() >= int(0.7 * size)


def test_overlapping_parts_voxelize_to_their_union():
    size = 24
    seat = trimesh.creation.box(bounds=[[-0.3, -0.05, -0.3], [0.3, 0.05, 0.3]])
    legs = [trimesh.creation.box(bounds=[[x - 0.03, -0.4, z - 0.03], [x + 0.03, 0.02, z + 0.03]])
            for x in (-0.25, 0.25) for z in (-0.25, 0.25)]
    chair = trimesh.util.concatenate([seat] + legs)
    assert chair.is_watertight  # closed parts that intersect: parity would carve their overlaps out
    expected = np.logical_or.reduce([voxelize(part, size) for part in [seat] + legs])
    np.testing.assert_array_equal(voxelize(chair, size), expected)


def test_normalize_mesh_matches_shapenet_scale():
    mesh = trimesh.creation.box(extents=[2.0, 5.0, 1.0])
    mesh.apply_translation([10.0, -3.0, 4.0])
    normalized = normalize_mesh(mesh)
    low, high = normalized.bounds
    np.testing.assert_allclose(np.linalg.norm(high - low), 1.0)
    np.testing.assert_allclose(low + high, 0.0, atol=1e-12)
    np.testing.assert_allclose(mesh.bounds[0], [9.0, -5.5, 3.5])  # the input is left alone


@pytest.mark.parametrize(
    "mesh, resolution, argument",
    [
        (np.zeros((3, 3)), 8, "mesh"),
        (trimesh.Trimesh(), 8, "mesh"),
        (trimesh.Trimesh(vertices=[[0, 0, 0], [np.nan, 0, 0], [0, 0.1, 0]], faces=[[0, 1, 2]], process=False), 8,
         "mesh"),
        (trimesh.creation.box(extents=[1.5, 0.2, 0.2]), 8, "mesh"),  # not normalized
        (trimesh.creation.box(extents=[0.5] * 3), 1, "resolution"),
        (trimesh.creation.box(extents=[0.5] * 3), 8.0, "resolution"),
        (trimesh.creation.box(extents=[0.5] * 3), True, "resolution"),
    ],
)
def test_voxelize_rejects_bad_input(mesh, resolution, argument):
    with pytest.raises(ValueError, match=argument):
        voxelize(mesh, resolution)


def test_normalize_mesh_rejects_bad_input():
    for mesh in (None, trimesh.Trimesh(), trimesh.Trimesh(vertices=[[1.0, 2.0, 3.0]] * 3, faces=[[0, 1, 2]],
                                                          process=False)):
        with pytest.raises(ValueError, match="mesh"):
            normalize_mesh(mesh)


# ---------------------------------------------------------------------------------------------- meshing


def test_meshing_gives_a_closed_outward_surface():
    occupancy = voxelize(normalize_mesh(trimesh.creation.icosphere(subdivisions=3)), 16)
    vertices, faces, normals = meshing.mesh_from_voxels(occupancy)
    mesh = trimesh.Trimesh(vertices, faces, process=True)
    assert mesh.is_watertight and mesh.volume > 0  # closed, faces wound outwards
    assert np.mean(np.einsum("vd,vd->v", normals, vertices) > 0) > 0.99  # normals point away from the centre
    np.testing.assert_allclose(mesh.volume, occupancy.sum() / 16**3, rtol=0.1)
    assert np.abs(vertices).max() <= 0.5 + 1.0 / 16


def test_meshing_empty_grid_and_bad_voxels():
    vertices, faces, normals = meshing.mesh_from_voxels(np.zeros((8, 8, 8), bool))
    assert vertices.shape == (0, 3) and faces.shape == (0, 3) and normals.shape == (0, 3)
    for voxels in (np.zeros((2, 8, 8)), np.zeros((2, 8, 8, 4)), np.full((2, 8, 8, 8), 0.5)):
        with pytest.raises(ValueError, match="voxels"):
            meshing.check_binary_voxels(voxels)


# ---------------------------------------------------------------------------------------------- package


def test_geometry_package_imports_without_tensorflow():
    code = ("import sys, trimesh, iggan_tf.geometry as g; "
            "assert g.voxelize(trimesh.creation.box(extents=[0.9] * 3), 4).all(); "
            "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_lazy_tensorflow_attributes():
    assert geometry.binarize is binarize
    assert geometry.sample_thresholds is sample_thresholds
    assert geometry.camera_rotation is camera_rotation
    assert geometry.view_transform is view_transform  # the function, as the issue names it, not a module
    with pytest.raises(AttributeError):
        geometry.not_an_attribute  # noqa: B018
