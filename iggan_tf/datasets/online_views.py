"""Unlimited views (paper Section 4.2): a tf.data pipeline that shows every object once per epoch from a new
random view, rendered online by the OpenGL worker pool, in place of a dataset of stored views.

The objects' binary voxels are held bit-packed in memory (a 64^3 grid takes 32 KiB); views are drawn with
stateless random ops from (seed, position in the stream), so a run with the same seed sees the same images.
"""

import numpy as np
import tensorflow as tf

from iggan_tf.datasets import shapenet_files, splits, synthetic_collection
from iggan_tf.datasets.skipped_inputs import SkippedInputs
from iggan_tf.geometry.cameras import ViewRange
from iggan_tf.geometry.voxelization import voxelize


def pack_voxels(grids) -> np.ndarray:
    """Bit-packs binary grids (an array [M, N, N, N] or an iterable of [N, N, N]) into uint8 [M, N^3 / 8]."""
    packed = [np.packbits(np.asarray(grid, dtype=bool).reshape(-1)) for grid in grids]
    if not packed:
        raise ValueError("grids must hold at least one voxel grid")
    return np.stack(packed)


def unpack_voxels(packed: tf.Tensor, voxel_resolution: int) -> tf.Tensor:
    """Inverse of pack_voxels in TensorFlow: uint8 [B, N^3 / 8] -> bool [B, N, N, N]."""
    bits = tf.bitwise.right_shift(packed[..., tf.newaxis], tf.constant([7, 6, 5, 4, 3, 2, 1, 0], tf.uint8))
    bits = tf.cast(tf.bitwise.bitwise_and(bits, tf.constant(1, tf.uint8)), tf.bool)
    return tf.reshape(bits, [-1, voxel_resolution, voxel_resolution, voxel_resolution])


def synthetic_objects(class_name: str, voxel_resolution: int, count: int | None = None) -> np.ndarray:
    """Packed voxels of the first `count` training shapes of a procedural class (all of them when None), the
    objects of the synthetic_shapes `unlimited` setting."""
    ids = synthetic_collection.split_shape_ids(class_name, splits.TRAIN, count)
    return pack_voxels(synthetic_collection.ground_truth_voxels([shape_id], voxel_resolution)[0] for shape_id in ids)


def shapenet_objects(manual_dir, class_name: str, voxel_resolution: int, count: int | None = None) -> np.ndarray:
    """Packed voxels of the training models of a ShapeNet category (all when `count` is None), read from a
    ShapeNetCore manual dir as shapenet_renders does; unusable models are skipped, logged and counted."""
    if class_name not in shapenet_files.SYNSETS:
        raise ValueError(f"class_name must be one of {tuple(shapenet_files.SYNSETS)}, got {class_name!r}")
    skipped = SkippedInputs("ShapeNet model")
    models = shapenet_files.find_models(manual_dir, [shapenet_files.SYNSETS[class_name]], skipped)
    models = shapenet_files.select_models(models, splits.TRAIN, count)
    grids = []
    with shapenet_files.ModelReader() as reader:
        for model in models:
            try:
                grids.append(voxelize(shapenet_files.load_mesh(reader, model), voxel_resolution))
            except ValueError as error:
                skipped.skip(model.shape_id, str(error))
    skipped.log_summary(used=len(grids))
    return pack_voxels(grids)


def unlimited_views(
    packed_voxels: np.ndarray,
    voxel_resolution: int,
    view_range: ViewRange,
    render,
    *,
    batch_size: int,
    seed: int = 0,
    epochs: int | None = None,
) -> tf.data.Dataset:
    """Batches {"image": float32 [B, S, S, 1], "azimuth", "elevation": float32 [B], "object_index": int64 [B]}.

    Every epoch visits each object once in a new order and from a new uniformly drawn view in `view_range`;
    `render(binary_voxels bool [B, N, N, N], azimuth, elevation)` draws the images (the OpenGL renderer's
    tf.py_function bridge, of the renderer that drew the stored dataset these objects come from). `epochs=None` repeats forever. A batch may span two epochs; the stream's last
    incomplete batch is dropped so that every batch has the static size B.
    """
    packed = np.asarray(packed_voxels)
    if packed.dtype != np.uint8 or packed.ndim != 2 or packed.shape[0] == 0:
        raise ValueError(f"packed_voxels must be uint8 [M, N^3 / 8] with M >= 1, got {packed.dtype} {packed.shape}")
    if packed.shape[1] * 8 != voxel_resolution**3:
        raise ValueError(
            f"packed_voxels rows hold {packed.shape[1] * 8} bits but voxel_resolution {voxel_resolution} needs "
            f"{voxel_resolution**3}"
        )
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    object_count = packed.shape[0]
    objects = tf.constant(packed)
    low = tf.constant([view_range.azimuth[0], view_range.elevation[0]], tf.float32)
    width = tf.constant(
        [view_range.azimuth[1] - view_range.azimuth[0], view_range.elevation[1] - view_range.elevation[0]], tf.float32
    )

    def draw_view(position, object_index):
        # Stateless in (seed, position): the same stream every run, a new view of the object every epoch.
        stream_seed = tf.stack([tf.constant(seed, tf.int64), position])
        azimuth, elevation = tf.unstack(low + width * tf.random.stateless_uniform([2], seed=stream_seed))
        return {"object_index": object_index, "azimuth": azimuth, "elevation": elevation}

    def render_batch(views):
        binary_voxels = unpack_voxels(tf.gather(objects, views["object_index"]), voxel_resolution)
        images = render(binary_voxels, views["azimuth"], views["elevation"])
        return {**views, "image": images}

    order = tf.data.Dataset.range(object_count).shuffle(object_count, seed=seed, reshuffle_each_iteration=True)
    return (
        order.repeat(epochs)
        .enumerate()
        .map(draw_view)
        .batch(batch_size, drop_remainder=True)
        .map(render_batch)
        .prefetch(1)
    )
