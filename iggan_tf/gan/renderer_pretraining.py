"""Pre-training of the neural renderer R before GAN training (paper Section 3, last paragraph, and Table 3).

R learns the L2 loss of eq. (5) alone, on binary voxels of a procedural class (random cubes, tables, chairs)
rendered by OpenGL from random views. The weights are saved next to their RenderNetConfig, so that GAN training
can start from them, or keep them fixed.
"""

import dataclasses
import json
import os
import pathlib

from absl import logging
import keras
import numpy as np
import tensorflow as tf

from iggan_tf.gan.hyperparameters import Hyperparameters
from iggan_tf.gan.losses import rendering_l2
from iggan_tf.geometry.cameras import FULL_TURN_WIDE, ViewRange
from iggan_tf.geometry.voxelization import voxelize
from iggan_tf.nets.rendernet import RenderNetConfig, make_rendernet
from iggan_tf.nets.sizes import check_int
from iggan_tf.render.backends import DEFAULT_RENDERER, LEGACY_RENDERER, shadows_words
from iggan_tf.shapes.registry import make_shape

WEIGHTS_FILE = "rendernet.weights.h5"
# Written after the weights: its presence means the directory holds a complete renderer.
RECORD_FILE = "rendernet.json"


@dataclasses.dataclass(frozen=True)
class RendererExamples:
    """Views of voxelized shapes with their OpenGL renders; each shape's grid is stored once."""

    binary_voxels: np.ndarray  # bool [shapes, N, N, N]
    shape_indices: np.ndarray  # int32 [examples]: the shape each example shows
    azimuth: np.ndarray  # float32 [examples], degrees
    elevation: np.ndarray  # float32 [examples], degrees
    opengl_images: np.ndarray  # uint8 [examples, S, S, C]


@dataclasses.dataclass(frozen=True)
class SavedRenderer:
    """A renderer loaded by `load_renderer`, with the config it was built from and its pre-training record."""

    rendernet: keras.Model
    config: RenderNetConfig
    pretraining: dict


def make_renderer_examples(
    class_name: str,
    shape_count: int,
    views_per_shape: int,
    voxel_size: int,
    opengl_render,
    view_range: ViewRange = FULL_TURN_WIDE,
    first_seed: int = 0,
    render_batch_size: int = 32,
) -> RendererExamples:
    """Voxelizes shapes `first_seed ...` of `class_name` and renders each from `views_per_shape` random views.

    `opengl_render` is the GAN's off-the-shelf renderer callable (binary voxels [B, N, N, N, 1] float32, azimuth
    [B], elevation [B]) -> images [B, S, S, C] in [0, 1]. The default views cover every paper camera range.
    """
    for name, value in (
        ("shape_count", shape_count),
        ("views_per_shape", views_per_shape),
        ("render_batch_size", render_batch_size),
    ):
        check_int(value, name)
    check_int(first_seed, "first_seed", minimum=0)
    if not isinstance(view_range, ViewRange):
        raise ValueError(f"view_range must be a geometry.cameras.ViewRange, got {type(view_range).__name__}")
    binary_voxels = np.stack(
        [voxelize(make_shape(class_name, first_seed + index), voxel_size) for index in range(shape_count)]
    )
    shape_indices = np.repeat(np.arange(shape_count, dtype=np.int32), views_per_shape)
    azimuth, elevation = view_range.sample(np.random.default_rng(first_seed), len(shape_indices))
    opengl_images = []
    for start in range(0, len(shape_indices), render_batch_size):
        batch = slice(start, start + render_batch_size)
        voxels = binary_voxels[shape_indices[batch]][..., np.newaxis].astype(np.float32)
        images = opengl_render(tf.constant(voxels), tf.constant(azimuth[batch]), tf.constant(elevation[batch]))
        images = np.asarray(images)
        opengl_images.append(np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8))
    return RendererExamples(binary_voxels, shape_indices, azimuth, elevation, np.concatenate(opengl_images))


def renderer_dataset(examples: RendererExamples, batch_size: int, seed: int | None = None) -> tf.data.Dataset:
    """Endless shuffled batches ((binary_voxels [B, N, N, N, 1], azimuth, elevation), opengl_images [B, S, S, C]),
    float32, images in [0, 1]: RenderNet's inputs and its L2 target."""
    check_int(batch_size, "batch_size")
    binary_voxels = tf.constant(examples.binary_voxels)

    def to_training_pair(shape_index, azimuth, elevation, opengl_image):
        voxels = tf.cast(tf.gather(binary_voxels, shape_index), tf.float32)[..., tf.newaxis]
        return (voxels, azimuth, elevation), tf.cast(opengl_image, tf.float32) / 255.0

    dataset = tf.data.Dataset.from_tensor_slices(
        (examples.shape_indices, examples.azimuth, examples.elevation, examples.opengl_images)
    )
    dataset = dataset.shuffle(len(examples.shape_indices), seed=seed, reshuffle_each_iteration=True).repeat()
    return dataset.map(to_training_pair, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size).prefetch(2)


def pretrain_renderer(
    rendernet: keras.Model,
    dataset: tf.data.Dataset,
    steps: int,
    learning_rate: float = Hyperparameters().renderer_pretraining_learning_rate,
    steps_per_epoch: int | None = None,
    callbacks=None,
    verbose="auto",
) -> dict:
    """Trains `rendernet` in place on L2 (eq. 5) for `steps` batches of `dataset`; returns the Keras history
    (key "loss": the mean L2 per epoch of `steps_per_epoch` steps, by default one epoch of all steps).

    The training runs through a wrapper model, so `rendernet` itself stays uncompiled for the GAN.
    """
    check_int(steps, "steps")
    steps_per_epoch = steps if steps_per_epoch is None else check_int(steps_per_epoch, "steps_per_epoch")
    if steps % steps_per_epoch:
        raise ValueError(f"steps ({steps}) must be a multiple of steps_per_epoch ({steps_per_epoch})")
    inputs = [keras.Input(tensor.shape[1:], name=tensor.name) for tensor in rendernet.inputs]
    trainer = keras.Model(inputs, rendernet(inputs), name="renderer_pretraining")
    trainer.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=rendering_l2)
    history = trainer.fit(
        dataset,
        epochs=steps // steps_per_epoch,
        steps_per_epoch=steps_per_epoch,
        callbacks=callbacks,
        shuffle=False,  # the dataset shuffles itself
        verbose=verbose,
    )
    return history.history


class ProgressLog(keras.callbacks.Callback):
    """Logs the running L2 every `every` steps: a one-epoch fit written to a log file says nothing until it ends.

    Steps are counted over the whole fit (Keras numbers batches per epoch), out of epochs x steps per epoch.
    """

    def __init__(self, every: int = 100):
        super().__init__()
        self.every = every

    def on_train_begin(self, logs=None):
        self.step = 0
        self.total_steps = self.params["epochs"] * self.params["steps"]

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.step % self.every == 0 or self.step == self.total_steps:
            loss = (logs or {}).get("loss", float("nan"))
            logging.info("renderer pre-training step %d/%d: l2 %.5f", self.step, self.total_steps, loss)


def save_renderer(directory, rendernet: keras.Model, config: RenderNetConfig, pretraining: dict) -> pathlib.Path:
    """Writes `rendernet`'s weights and a JSON record {config, pretraining} into `directory`; returns it.

    Each file is written under a temporary name and renamed, so a crash never leaves a half-written renderer.
    """
    if not isinstance(config, RenderNetConfig):
        raise ValueError(f"config must be a RenderNetConfig, got {type(config).__name__}")
    expected = make_rendernet(config)
    if expected.count_params() != rendernet.count_params() or expected.output_shape != rendernet.output_shape:
        raise ValueError(f"rendernet was not built from config {config}")
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    partial_weights = directory / ("partial." + WEIGHTS_FILE)
    rendernet.save_weights(partial_weights)
    os.replace(partial_weights, directory / WEIGHTS_FILE)
    partial_record = directory / ("partial." + RECORD_FILE)
    partial_record.write_text(json.dumps({"config": dataclasses.asdict(config), "pretraining": pretraining}, indent=2))
    os.replace(partial_record, directory / RECORD_FILE)
    return directory


def load_renderer(directory) -> SavedRenderer:
    """Rebuilds a renderer saved by `save_renderer` (under the current dtype policy) and loads its weights."""
    directory = pathlib.Path(directory)
    for name in (RECORD_FILE, WEIGHTS_FILE):
        if not (directory / name).is_file():
            raise FileNotFoundError(f"no saved renderer in {directory}: {directory / name} is missing")
    record = json.loads((directory / RECORD_FILE).read_text())
    config = RenderNetConfig(**record["config"])
    rendernet = make_rendernet(config)
    rendernet.load_weights(directory / WEIGHTS_FILE)
    return SavedRenderer(rendernet, config, record["pretraining"])


def pretrain_and_save(
    directory,
    config: RenderNetConfig,
    class_name: str,
    shape_count: int,
    steps: int,
    opengl_render,
    views_per_shape: int = 4,
    batch_size: int = 16,
    seed: int = 0,
    verbose="auto",
    renderer: str = DEFAULT_RENDERER,
    shadows: bool = True,
) -> keras.Model:
    """The whole pre-training: render `shape_count` shapes of `class_name`, train a new RenderNet of `config`
    for `steps` steps on L2, save it into `directory` (see save_renderer) and return it.

    `renderer` and `shadows` name what `opengl_render` draws with; the record keeps them for check_imitates.
    """
    examples = make_renderer_examples(
        class_name, shape_count, views_per_shape, config.voxel_size, opengl_render, first_seed=seed
    )
    rendernet = make_rendernet(config)
    history = pretrain_renderer(rendernet, renderer_dataset(examples, batch_size, seed=seed), steps,
                                callbacks=[ProgressLog()], verbose=verbose)
    record = {"class_name": class_name, "shapes": shape_count, "views_per_shape": views_per_shape, "steps": steps,
              "final_l2": float(history["loss"][-1]), "renderer": renderer, "shadows": shadows}
    save_renderer(directory, rendernet, config, record)
    return rendernet


def check_imitates(saved: SavedRenderer, directory, renderer: str, shadows: bool) -> None:
    """ValueError naming both when `saved` (loaded from `directory`) was pre-trained to imitate another renderer or
    shadows setting than `renderer` with `shadows`. Records written before renderers had names imitate the
    per-vertex Lambert path, which is now `pyrender_unlit` without shadows."""
    recorded = saved.pretraining.get("renderer", LEGACY_RENDERER), bool(saved.pretraining.get("shadows", False))
    if recorded != (renderer, shadows):
        raise ValueError(
            f"--renderer={renderer} --{'' if shadows else 'no'}shadows but the pre-trained renderer {directory} "
            f"imitates renders by {recorded[0]} {shadows_words(recorded[1])}; pre-train one with "
            f"tools/pretrain_renderer.py --renderer={renderer} --{'' if shadows else 'no'}shadows, or choose "
            f"--renderer={recorded[0]} --{'' if recorded[1] else 'no'}shadows"
        )
