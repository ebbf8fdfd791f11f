"""Rigid-body view transform: resamples world voxel grids into the camera frame (paper 4.1, DESIGN section 2).

The neural renderer sees every shape through this transform: `view_transform(v[B,N,N,N,1], azimuth, elevation)`
gives [B, 2N, 2N, 2N, 1] with axes [batch, row, column, depth, channel] over the cube of half-width
VIEW_HALF_WIDTH, so that its maximum over depth is the silhouette OpenGL draws at image size 2N.
Resampling is trilinear with zeros outside the grid and is differentiable with respect to the voxels.
"""

import math

import numpy as np
import tensorflow as tf

from iggan_tf.geometry.cameras import VIEW_HALF_WIDTH, check_angles

# The view grid has twice the voxel grid's resolution (paper: 64^3 embedded into 128^3).
VIEW_GRID_SCALE = 2
# View cells per camera axis that can take weight from one voxel: its trilinear footprint is a rotated cube of
# side 2 voxels = 4 / sqrt(3) view cells, whose extent along any axis is below 4 cells.
_FOOTPRINT = 4
# Flat gather indices are int32; the adjoint's padded view grid is the largest tensor they address.
_MAX_INDEX = 2**31 - 1


def camera_rotation(azimuth, elevation) -> tf.Tensor:
    """Orthonormal float32 [B, 3, 3] with rows (right, up, forward): `cameras.world_to_camera` in TensorFlow,
    so that it works on symbolic tensors."""
    azimuth = tf.cast(azimuth, tf.float32) * (math.pi / 180.0)
    elevation = tf.cast(elevation, tf.float32) * (math.pi / 180.0)
    sin_a, cos_a = tf.sin(azimuth), tf.cos(azimuth)
    sin_e, cos_e = tf.sin(elevation), tf.cos(elevation)
    right = tf.stack([cos_a, tf.zeros_like(azimuth), -sin_a], axis=-1)
    up = tf.stack([-sin_a * sin_e, cos_e, -cos_a * sin_e], axis=-1)
    forward = -tf.stack([sin_a * cos_e, sin_e, cos_a * cos_e], axis=-1)
    return tf.stack([right, up, forward], axis=-2)


def view_transform(voxels, azimuth, elevation) -> tf.Tensor:
    """Resamples voxels [B, N, N, N, 1] (grid v[x, y, z]) seen from azimuth/elevation [B] (degrees) into the
    camera frame [B, 2N, 2N, 2N, 1] = [batch, row, column, depth, channel], in the input's dtype.

    View cell (i, j, k) samples the world point R^T (right, up, forward) with right = -r + (j + 0.5) h,
    up = r - (i + 0.5) h, forward = -r + (k + 0.5) h, h = r / N, r = VIEW_HALF_WIDTH, R = camera_rotation.
    Gradients flow to `voxels` (an exact adjoint), not to the angles. Static shapes are validated always,
    angle values (finite, |elevation| <= 90) in eager mode.
    """
    voxels, azimuth, elevation = _check_inputs(voxels, azimuth, elevation)
    rotation = camera_rotation(azimuth, elevation)
    view_grid = _resample(tf.cast(voxels[..., 0], tf.float32), rotation)
    return tf.cast(view_grid[..., None], voxels.dtype)


def _check_inputs(voxels, azimuth, elevation):
    voxels = tf.convert_to_tensor(voxels)
    if not voxels.dtype.is_floating:
        raise ValueError(f"voxels must be a floating-point tensor, got dtype {voxels.dtype.name}")
    shape = voxels.shape
    if shape.rank != 5:
        raise ValueError(f"voxels must have shape [B, N, N, N, 1], got shape {shape}")
    size = shape[1]
    if size is None or shape[2] != size or shape[3] != size or size < 2:
        raise ValueError(f"voxels must be a cubic grid of static side N >= 2, got shape {shape}")
    if shape[4] != 1:
        raise ValueError(f"voxels must have exactly one channel, got shape {shape}")
    angles = []
    for name, values in (("azimuth", azimuth), ("elevation", elevation)):
        values = tf.convert_to_tensor(values)
        if not (values.dtype.is_floating or values.dtype.is_integer):
            raise ValueError(f"{name} must be numeric degrees, got dtype {values.dtype.name}")
        if values.shape.rank != 1:
            raise ValueError(f"{name} must have shape [B], got shape {values.shape}")
        if values.shape[0] is not None and shape[0] is not None and values.shape[0] != shape[0]:
            raise ValueError(f"{name} has {values.shape[0]} entries but voxels has batch size {shape[0]}")
        angles.append(values)
    largest_batch = _MAX_INDEX // (VIEW_GRID_SCALE * size + _FOOTPRINT) ** 3
    if shape[0] is not None and shape[0] > largest_batch:
        raise ValueError(f"voxels has batch size {shape[0]}; at N = {size} at most {largest_batch} fit one call")
    if shape[0] is None:
        tf.debugging.assert_less_equal(tf.shape(voxels)[0], largest_batch,
                                       message=f"voxels: at N = {size} at most {largest_batch} samples fit one call")
    if tf.executing_eagerly():
        check_angles(angles[0].numpy(), angles[1].numpy(), batch_size=int(tf.shape(voxels)[0]))
    return voxels, angles[0], angles[1]


def _camera_axis_values(size: int) -> tf.Tensor:
    """Camera coordinates of the view cell centres along one axis, from -r to r (h = r / N)."""
    view_size = VIEW_GRID_SCALE * size
    cell = 2.0 * VIEW_HALF_WIDTH / view_size
    return -VIEW_HALF_WIDTH + (tf.range(view_size, dtype=tf.float32) + 0.5) * cell


@tf.function(jit_compile=True)
def _trilinear_sample(voxels, rotation):
    """voxels float32 [B, N, N, N] sampled at every view cell: [B, 2N, 2N, 2N].

    XLA fuses the coordinate and weight arithmetic into the eight gathers; unfused this is several
    times slower on CPU.
    """
    size = voxels.shape[1]
    camera = _camera_axis_values(size)
    padded_size = size + 2
    padded = tf.reshape(tf.pad(voxels, [[0, 0], [1, 1], [1, 1], [1, 1]]), [-1])
    flat_corner = tf.range(tf.shape(voxels)[0])[:, None, None, None]  # becomes ((b P + x) P + y) P + z
    weights = []
    for axis in range(3):
        # Continuous voxel index u = N p + (N - 1) / 2 of the world point p = R^T (right, up, forward); it is
        # separable in the camera axes, so it is a broadcast sum of per-row, -column and -depth terms.
        scaled = size * rotation[:, :, axis, None]
        index = ((-camera * scaled[:, 1])[:, :, None, None] + (camera * scaled[:, 0])[:, None, :, None]
                 + (camera * scaled[:, 2])[:, None, None, :] + (size - 1) / 2.0)
        # One zero voxel of padding on each side: clamping keeps both corners inside the padded grid, and a
        # point farther out lands on the padding with all its weight, giving 0.
        index = tf.clip_by_value(index, -1.0, float(size))
        corner = tf.minimum(tf.floor(index), float(size - 1))
        fraction = index - corner
        weights.append((1.0 - fraction, fraction))
        flat_corner = flat_corner * padded_size + tf.cast(corner, tf.int32) + 1
    sampled = tf.zeros_like(weights[0][0])
    for dx in (0, 1):
        for dy in (0, 1):
            for dz in (0, 1):
                offset = (dx * padded_size + dy) * padded_size + dz
                sampled += weights[0][dx] * weights[1][dy] * weights[2][dz] * tf.gather(padded, flat_corner + offset)
    return sampled


@tf.function(jit_compile=True)
def _trilinear_sample_adjoint(view_gradient, rotation):
    """The transpose of `_trilinear_sample`: view-grid gradients [B, 2N, 2N, 2N] to voxel gradients
    [B, N, N, N].

    Each voxel gathers from the 4^3 view cells around its own position instead of every view cell scattering
    into 8 voxels: gathers are much faster than scatter-adds on CPU and need no atomics on GPU.
    """
    view_size = view_gradient.shape[1]
    size = view_size // VIEW_GRID_SCALE
    cell = 2.0 * VIEW_HALF_WIDTH / view_size
    centres = (np.arange(size, dtype=np.float32) + 0.5) / size - 0.5
    world = tf.constant(np.stack(np.meshgrid(centres, centres, centres, indexing="ij"), axis=-1))
    camera = tf.einsum("bcd,xyzd->bxyzc", rotation, world)  # (right, up, forward) per voxel centre
    # Continuous view cell coordinates (row, column, depth) of each voxel centre.
    position = tf.stack([(VIEW_HALF_WIDTH - camera[..., 1]), camera[..., 0] + VIEW_HALF_WIDTH,
                         camera[..., 2] + VIEW_HALF_WIDTH], axis=-1) / cell - 0.5
    first = tf.floor(position - _FOOTPRINT / 2) + 1.0
    # Voxel-index displacement per unit step along (row, column, depth): N h times the camera axes -up,
    # right, forward expressed in world coordinates.
    step = size * cell * tf.stack([-rotation[:, 1], rotation[:, 0], rotation[:, 2]], axis=1)  # [B, 3, 3]
    displacement = tf.unstack(tf.einsum("bxyzc,bcd->dbxyz", first - position, step))
    step = step[:, :, :, None, None, None]
    margin = _FOOTPRINT // 2
    padded_size = view_size + 2 * margin
    padded = tf.reshape(tf.pad(view_gradient, [[0, 0]] + [[margin, margin]] * 3), [-1])
    first = tf.cast(first, tf.int32) + margin
    batch_offset = tf.range(tf.shape(view_gradient)[0]) * padded_size**3
    flat_first = (batch_offset[:, None, None, None]
                  + (first[..., 0] * padded_size + first[..., 1]) * padded_size + first[..., 2])
    gradient = tf.zeros_like(displacement[0])
    # A graph loop over the (row, column) taps with the depth taps unrolled: as fast as unrolling all 64,
    # and XLA compiles it in about a second instead of ten.
    for row_column in tf.range(_FOOTPRINT**2):
        row, column = row_column // _FOOTPRINT, row_column % _FOOTPRINT
        tap_start = [tf.cast(row, tf.float32) * step[:, 0, axis] + tf.cast(column, tf.float32) * step[:, 1, axis]
                     for axis in range(3)]
        for depth in range(_FOOTPRINT):
            weight = 1.0
            for axis in range(3):
                tap = displacement[axis] + tap_start[axis] + depth * step[:, 2, axis]
                weight *= tf.maximum(1.0 - tf.abs(tap), 0.0)
            offset = (row * padded_size + column) * padded_size + depth
            gradient += weight * tf.gather(padded, flat_first + offset)
    return gradient


@tf.custom_gradient
def _resample(voxels, rotation):
    def gradient(view_gradient):
        return _trilinear_sample_adjoint(view_gradient, rotation), None

    return _trilinear_sample(voxels, rotation), gradient
