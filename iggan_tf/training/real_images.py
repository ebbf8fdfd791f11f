"""The training images: a tfds dataset (stored views) or online views of its objects, as float32 batches in [0, 1];
for a 3D baseline, the same shapes at the same views drawn by the baseline's own image model.

Every stream is fixed by (seed, step): the batch of step s is the same whether a run got there in one go or
resumed at s (see iggan_tf.datasets.stream_order). Also reads the camera distribution the dataset was rendered
with, so generated shapes are seen the same way.
"""

import tensorflow as tf
import tensorflow_datasets as tfds

from iggan_tf.datasets import stream_order
from iggan_tf.datasets.dataset_renderer import check_rendered_by
from iggan_tf.datasets.shape_voxels import dataset_shape_voxels
from iggan_tf.geometry.cameras import ViewRange


def load_builder(
    dataset: str,
    data_dir: str | None,
    manual_dir: str | None = None,
    renderer: str | None = None,
    shadows: bool = True,
    prepare: bool = True,
) -> tfds.core.DatasetBuilder:
    """The tfds builder of `dataset` (e.g. synthetic_shapes/tub_500_64), prepared on first use (renders once).

    `manual_dir` is where datasets with manual downloads (shapenet_renders, chanterelle) find their files. With a
    `renderer`, a dataset drawn by another renderer or shadows setting is refused (ValueError) before it is prepared.
    With `prepare=False` nothing is rendered: the builder's config and metadata (class, camera range, image
    size), all an online-views run reads, come from its definition.
    """
    import iggan_tf.datasets  # noqa: F401  registers this project's builders with tfds

    try:
        builder = tfds.builder(dataset, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError as error:
        raise ValueError(f"--dataset={dataset} is not a known tfds dataset: {error}") from error
    if renderer is not None:
        check_rendered_by(builder, renderer, shadows)
    if prepare:
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=manual_dir))
    return builder


def view_range_of(builder: tfds.core.DatasetBuilder) -> ViewRange:
    """The camera distribution recorded in the dataset's metadata (azimuth_range, elevation_range)."""
    metadata = builder.info.metadata or {}
    if "azimuth_range" not in metadata or "elevation_range" not in metadata:
        raise ValueError(f"dataset {builder.info.full_name} records no azimuth_range/elevation_range in its metadata")
    return ViewRange(azimuth=tuple(metadata["azimuth_range"]), elevation=tuple(metadata["elevation_range"]))


def stored_view_batches(builder: tfds.core.DatasetBuilder, batch_size: int, seed: int,
                        first_batch: int = 0, input_context: tf.distribute.InputContext | None = None) -> tf.data.Dataset:
    """Endless batches of the train split's images, float32 [B, S, S, C] in [0, 1], from batch `first_batch` on.
    With an `input_context`, the batches of one replica of one input pipeline (stream_order.positions_of_pipeline).

    Every epoch shows each image once in an order drawn from (seed, epoch). The images stay in memory as the
    dataset stores them (PNG, a few KiB each for shape renders) and are decoded to uint8 per example and to
    float32 per batch: decoded float32 images of the chair LVP setting at 128^2 (20 views of ~6800 objects)
    would take ~9 GB, uint8 ~2 GB.
    """
    examples = builder.info.splits["train"].num_examples
    image_feature = builder.info.features["image"]
    stored = builder.as_dataset(split="train", shuffle_files=False, decoders={"image": tfds.decode.SkipDecoding()})
    encoded_images = stored.map(lambda example: example["image"]).batch(examples).get_single_element()

    def decode(element):
        return image_feature.decode_example(tf.gather(encoded_images, element["example_index"]))

    return (
        stream_order.positions_of_pipeline(examples, seed, batch_size, first_batch, input_context=input_context)
        .map(decode, num_parallel_calls=tf.data.AUTOTUNE)
        .batch(stream_order.replica_batch_size(batch_size, input_context), drop_remainder=True)
        .map(lambda images: tf.cast(images, tf.float32) / 255.0)
        .prefetch(tf.data.AUTOTUNE)
    )


def check_image_size(builder: tfds.core.DatasetBuilder, image_size: int) -> None:
    """ValueError naming --voxel_size when the dataset's images do not have the size the networks expect."""
    shape = builder.info.features["image"].shape
    if shape[0] != image_size:
        raise ValueError(
            f"--voxel_size gives {image_size}^2 images (twice the voxel size) but {builder.info.full_name} has "
            f"{shape[0]}^2 images; choose the dataset config with image size {image_size} or "
            f"--voxel_size={shape[0] // 2}"
        )


def online_view_batches(builder: tfds.core.DatasetBuilder, config, opengl_render, first_batch: int = 0,
                        input_context: tf.distribute.InputContext | None = None) -> tf.data.Dataset:
    """Paper's Unlimited setting: each training object of the dataset, seen from a new random view every epoch,
    from batch `first_batch` on (with an `input_context`, one replica's batches of one input pipeline).

    The objects are the dataset's own (its class, its train split, at its voxel resolution); images are
    rendered online by `opengl_render` (the tf.py_function bridge of an OpenGL pool of their own, so that
    they are drawn while the training step renders), the run's renderer, which load_builder has checked to be
    the one that drew the dataset; or, for a 3D baseline, by its image model (same signature: voxels
    [B, N, N, N, 1] float32, azimuth [B], elevation [B] -> images). The builder need not be prepared.
    """
    from iggan_tf.datasets import online_views

    class_name = builder.builder_config.class_name
    if builder.name == "synthetic_shapes":
        packed = online_views.synthetic_objects(class_name, config.voxel_size, config.online_objects)
    elif builder.name == "shapenet_renders":
        if not config.manual_dir:
            raise ValueError("--online_views on shapenet_renders needs --manual_dir (the ShapeNetCore folder or zip)")
        packed = online_views.shapenet_objects(config.manual_dir, class_name, config.voxel_size, config.online_objects)
    else:
        raise ValueError(f"--online_views needs a dataset of shapes (synthetic_shapes or shapenet_renders), got {builder.name}")

    def render(binary_voxels, azimuth, elevation):
        return opengl_render(tf.cast(binary_voxels, tf.float32)[..., tf.newaxis], azimuth, elevation)

    return online_views.unlimited_views(
        packed, config.voxel_size, view_range_of(builder), render, batch_size=config.batch_size, seed=config.seed,
        first_batch=first_batch, input_context=input_context,
    )


def baseline_view_batches(builder: tfds.core.DatasetBuilder, config, image_model, first_batch: int = 0,
                          input_context: tf.distribute.InputContext | None = None) -> tf.data.Dataset:
    """A 3D baseline's training images (paper 4.3: the same shapes and cameras, drawn by the baseline's own image
    model): with --online_views a new random view of each object every epoch (online_view_batches), else every
    stored example's shape seen from that example's own view (stored_views_drawn_by)."""
    if config.online_views:
        return online_view_batches(builder, config, image_model, first_batch=first_batch, input_context=input_context)
    return stored_views_drawn_by(builder, image_model, config.batch_size, config.seed, config.manual_dir,
                                 first_batch=first_batch, input_context=input_context)


def stored_views_drawn_by(builder: tfds.core.DatasetBuilder, image_model, batch_size: int, seed: int,
                          manual_dir: str | None = None, first_batch: int = 0,
                          input_context: tf.distribute.InputContext | None = None) -> tf.data.Dataset:
    """Endless batches float32 [B, S, S, C]: the train split's examples in the order stored_view_batches shows
    them, each drawn by `image_model` (voxels [B, N, N, N, 1] float32, azimuth [B], elevation [B] -> images) from
    its shape's voxels (as the dataset voxelized them) at its own view, instead of its stored image. With an
    `input_context`, one replica's batches of one input pipeline (stream_order.positions_of_pipeline).

    The distinct shapes are voxelized once here (bit-packed in memory: 4 KiB a shape at 32^3).
    """
    from iggan_tf.datasets import online_views

    examples = builder.info.splits["train"].num_examples
    stored = builder.as_dataset(split="train", shuffle_files=False, decoders={"image": tfds.decode.SkipDecoding()})
    views = stored.map(lambda example: (example["shape_id"], example["azimuth"], example["elevation"]))
    shape_ids, azimuth, elevation = (tensor.numpy() for tensor in views.batch(examples).get_single_element())
    distinct = list(dict.fromkeys(shape_id.decode() for shape_id in shape_ids))
    shape_index = {shape_id: index for index, shape_id in enumerate(distinct)}
    resolution = int(builder.info.metadata["voxel_resolution"])
    packed = tf.constant(online_views.pack_voxels(dataset_shape_voxels(
        f"{builder.name}/{builder.builder_config.name}", distinct, resolution, manual_dir)))
    shape_of_example = tf.constant([shape_index[shape_id.decode()] for shape_id in shape_ids], tf.int32)
    azimuth, elevation = tf.constant(azimuth, tf.float32), tf.constant(elevation, tf.float32)

    def draw(element):
        example = element["example_index"]
        voxels = online_views.unpack_voxels(tf.gather(packed, tf.gather(shape_of_example, example)), resolution)
        return image_model(tf.cast(voxels, tf.float32)[..., tf.newaxis], tf.gather(azimuth, example),
                           tf.gather(elevation, example))

    return (
        stream_order.positions_of_pipeline(examples, seed, batch_size, first_batch, input_context=input_context)
        .batch(stream_order.replica_batch_size(batch_size, input_context), drop_remainder=True)
        .map(draw)
        .prefetch(tf.data.AUTOTUNE)
    )
