"""The `train` section of tools/benchmark.py: seconds per IG-GAN train step at the quickstart config with each
selected off-the-shelf renderer and with a null renderer (zeros of the same shape) in the same run, and each
ratio: how much of the step the renderer adds. Also the peak resident memory of this process and its workers.
"""

import dataclasses
import os
import pathlib
import resource
import time

import keras
import tensorflow as tf

from iggan_tf.gan import Hyperparameters, IGGAN, UniformViewSampler
from iggan_tf.geometry.cameras import FULL_TURN_HIGH
from iggan_tf.nets import make_rendernet
from iggan_tf.render import OpenGLRenderer, backends, opengl_render_function
from iggan_tf.training.config import config_from_flagfile
from iggan_tf.methods.iggan import renderer_config
from iggan_tf.training.loop import build_generator_and_discriminator

QUICKSTART_FLAGS = pathlib.Path(__file__).resolve().parents[2] / "flags" / "quickstart.flags"


@dataclasses.dataclass(frozen=True)
class TrainStepBenchmark:
    flagfile: str = str(QUICKSTART_FLAGS)
    steps: int = 10
    seed: int = 0
    renderers: tuple = (backends.DEFAULT_RENDERER,)


def _null_render(image_size: int):
    """Stands in for OpenGL with zeros of the same shape: the step without the renderer's cost."""
    def render(binary_voxels, azimuth, elevation):
        return tf.zeros([tf.shape(binary_voxels)[0], image_size, image_size, 1], tf.float32)
    return render


def _seconds_per_step(config, opengl_render, steps: int, seed: int) -> float:
    keras.utils.set_random_seed(seed)
    generator, discriminator = build_generator_and_discriminator(config)
    model = IGGAN(generator, make_rendernet(renderer_config(config)), discriminator, opengl_render,
                  UniformViewSampler(FULL_TURN_HIGH), Hyperparameters(), seed=seed)
    return seconds_per_step(model, config, steps, seed)


def seconds_per_step(model, config, steps: int, seed: int) -> float:
    """Mean wall seconds of `steps` train steps of the compiled-to-be `model` on random images of the config's
    size, after two steps of tracing and warm-up."""
    model.compile()
    real_images = tf.random.stateless_uniform([config.batch_size, config.image_size, config.image_size, 1], [seed, 1])
    train_step = tf.function(model.train_step, jit_compile=False)
    for _ in range(2):  # tracing and warm-up
        train_step(real_images)["g_loss"].numpy()
    start = time.perf_counter()
    for _ in range(steps):
        train_step(real_images)["g_loss"].numpy()
    return (time.perf_counter() - start) / steps


def _renderer_seconds_per_step(config, settings: TrainStepBenchmark) -> dict:
    """{renderer: seconds per step} for each selected renderer, {renderer: reason} for a missing one."""
    seconds = {}
    for name in settings.renderers:
        backend = backends.backend(name)
        if backend.unavailable_reason():
            seconds[name] = backend.unavailable_reason()
            continue
        # The flagfile's shadows (the quickstart draws none), where the renderer can draw them.
        with OpenGLRenderer(config.image_size, workers=config.render_workers, renderer=name,
                            shadows=config.shadows and backend.draws_shadows) as renderer:
            seconds[name] = _seconds_per_step(config, opengl_render_function(renderer), settings.steps, settings.seed)
    return seconds


def measure(settings: TrainStepBenchmark) -> dict:
    config = config_from_flagfile(settings.flagfile)
    renderers = _renderer_seconds_per_step(config, settings)
    null = _seconds_per_step(config, _null_render(config.image_size), settings.steps, settings.seed)
    kib_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kib_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "flagfile": pathlib.Path(settings.flagfile).name,
        "batch_size": config.batch_size,
        "voxel_size": config.voxel_size,
        "image_size": config.image_size,
        "shadows": config.shadows,
        "steps": settings.steps,
        "seconds_per_step": {name: value for name, value in renderers.items() if isinstance(value, float)},
        "skipped": {name: value for name, value in renderers.items() if isinstance(value, str)},
        "seconds_per_step_null_renderer": null,
        "over_null": {name: value / null for name, value in renderers.items() if isinstance(value, float)},
        "peak_rss_gib_trainer": kib_self / 2**20,
        "peak_rss_gib_largest_worker": kib_children / 2**20,
        "load_average": os.getloadavg()[0],
    }
