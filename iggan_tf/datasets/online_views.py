"""Unlimited views (paper Section 4.2): a tf.data pipeline that shows every object once per epoch from a new
random view, rendered online by the OpenGL worker pool, in place of a dataset of stored views.

The objects' binary voxels are held bit-packed in memory (a 64^3 grid takes 32 KiB); the order of epoch k is
drawn statelessly from (seed, k) (`stream_order`) and the view of object i in epoch k from (seed, k, i), so a
run with the same seed sees the same images and a resumed run, starting at its checkpointed step, continues
the same stream.
"""

import contextlib
import functools

import numpy as np
import tensorflow as tf

from iggan_tf.datasets import shape_renders, shapenet_files, splits, stream_order, synthetic_collection
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
    first_batch: int = 0,
    input_context: tf.distribute.InputContext | None = None,
) -> tf.data.Dataset:
    """Batches {"image": float32 [B, S, S, 1], "azimuth", "elevation": float32 [B], "object_index": int64 [B]}.

    Every epoch visits each object once in a new order and from a new uniformly drawn view in `view_range`;
    `render(binary_voxels bool [B, N, N, N], azimuth, elevation)` draws the images (the OpenGL renderer's
    tf.py_function bridge, of the renderer that drew the stored dataset these objects come from). `epochs=None` repeats forever. A batch may span two epochs; the stream's last
    incomplete batch is dropped so that every batch has the static size B. The stream starts at batch
    `first_batch` (a resumed run's step) and is then the same as the stream from 0 without its first batches.
    With an `input_context` (tf.distribute), B is the global batch and the batches are one replica's of one input
    pipeline (stream_order.positions_of_pipeline): each pipeline renders only its own views.
    """
    packed = np.asarray(packed_voxels)
    if packed.dtype != np.uint8 or packed.ndim != 2 or packed.shape[0] == 0:
        raise ValueError(f"packed_voxels must be uint8 [M, N^3 / 8] with M >= 1, got {packed.dtype} {packed.shape}")
    if packed.shape[1] * 8 != voxel_resolution**3:
        raise ValueError(
            f"packed_voxels rows hold {packed.shape[1] * 8} bits but voxel_resolution {voxel_resolution} needs "
            f"{voxel_resolution**3}"
        )
    for name, value, minimum in (("batch_size", batch_size, 1), ("first_batch", first_batch, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    object_count = packed.shape[0]
    objects = tf.constant(packed)
    low = tf.constant([view_range.azimuth[0], view_range.elevation[0]], tf.float32)
    width = tf.constant(
        [view_range.azimuth[1] - view_range.azimuth[0], view_range.elevation[1] - view_range.elevation[0]], tf.float32
    )

    def draw_view(element):
        # Stateless in (seed, epoch, object): the same stream every run, a new view of the object every epoch.
        view_seed = tf.stack([tf.constant(seed, tf.int64), element["epoch"] * object_count + element["example_index"]])
        azimuth, elevation = tf.unstack(low + width * tf.random.stateless_uniform([2], seed=view_seed))
        return {"object_index": element["example_index"], "azimuth": azimuth, "elevation": elevation}

    def render_batch(views):
        binary_voxels = unpack_voxels(tf.gather(objects, views["object_index"]), voxel_resolution)
        images = render(binary_voxels, views["azimuth"], views["elevation"])
        return {**views, "image": images}

    stop = None if epochs is None else epochs * object_count
    return (
        stream_order.positions_of_pipeline(object_count, seed, batch_size, first_batch, stop, input_context)
        .map(draw_view)
        .batch(stream_order.replica_batch_size(batch_size, input_context), drop_remainder=True)
        .map(render_batch)
        .prefetch(1)
    )


def held_out_renders(builder, manual_dir, renderer) -> np.ndarray:
    """uint8 [M, S, S, 1]: the test split of a synthetic_shapes or shapenet_renders config, rendered here by
    `renderer` exactly as its builder renders it (same objects, views, meshing and lights; in generation order,
    where tfds stores them shuffled).

    In-training evaluation of an online-views run compares with these, so the run never prepares the stored
    dataset, whose training views (20 per object in the unlimited and lvp settings) it does not use.
    """
    config = builder.builder_config
    spec = shape_renders.RenderSpec(
        image_size=config.image_size,
        voxel_resolution=config.voxel_resolution,
        view_range=config.setting.view_range,
        views_per_object=1,
        view_seed=builder.info.metadata["view_seed"],
    )
    skipped = SkippedInputs(f"{config.class_name} test shape")
    with contextlib.ExitStack() as stack:
        if builder.name == "synthetic_shapes":
            count = synthetic_collection.object_count(config.class_name, splits.TEST, config.setting.test_objects)
            ids = synthetic_collection.split_shape_ids(config.class_name, splits.TEST, count)
            shapes = map(synthetic_collection.shape_source, ids)
        elif builder.name == "shapenet_renders":
            if not manual_dir:
                raise ValueError("--online_views on shapenet_renders needs --manual_dir (the ShapeNetCore folder or zip)")
            models = shapenet_files.find_models(manual_dir, [config.synset], skipped)
            models = shapenet_files.select_models(models, splits.TEST, config.setting.test_objects)
            reader = stack.enter_context(shapenet_files.ModelReader())
            shapes = (shape_renders.ShapeSource(model.shape_id, functools.partial(shapenet_files.load_mesh, reader, model))
                      for model in models)
        else:
            raise ValueError(f"builder must be synthetic_shapes or shapenet_renders, got {builder.name}")
        images = [example["image"] for _, example in shape_renders.rendered_examples(shapes, spec, skipped, renderer)]
    if not images:
        raise ValueError(f"{builder.info.full_name} has no usable test objects to evaluate against")
    return np.stack(images)
