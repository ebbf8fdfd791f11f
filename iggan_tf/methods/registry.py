"""Which TrainingMethod a name stands for, and what the methods build the same way from a TrainingConfig: the
voxel generator of every 3D method, the spectrally normalized discriminator, the hyper-parameters, and the
3D baselines' model around an image formula. The training loop calls `training_method` once.
"""

import dataclasses
import importlib
from typing import Callable

import keras

from iggan_tf.gan import Hyperparameters
from iggan_tf.gan.direct_model import DirectGAN
from iggan_tf.methods import METHOD_NAMES
from iggan_tf.nets import DiscriminatorConfig, GeneratorConfig, make_discriminator, make_generator
from iggan_tf.training.config import TrainingConfig
from iggan_tf.training.distribution import single_device

# What build_model runs under when no distribution is given: one device, no strategy.
SINGLE_DEVICE = single_device.make()


@dataclasses.dataclass(frozen=True)
class TrainingMethod:
    """One method.

    build_generator(config, synchronized_batch_norm=False) -> the generator it samples from (voxels or images),
      untrained; `synchronized_batch_norm` as nets.make_generator's.
    build_model(config, workdir, opengl_render, view_sampler, distribution=SINGLE_DEVICE) -> the compiled-to-be
      keras.Model whose train_step trains it, its networks and state created in `distribution.scope()`
      (iggan_tf.training.distribution); it exposes `checkpointed_parts()`, `sampling_generator`, `makes_shapes`,
      `LOSS_NAMES`, `draw_step_randomness`, `train_step_with` and `trained_images(generated, azimuth, elevation)`
      (iggan_tf.gan.adversarial_model).
    image_model: None when D's real images are the dataset's own; else the method's image formula
      (voxels [B, N, N, N, 1], azimuth [B], elevation [B]) -> images, which draws D's real images from the
      dataset's own shapes at the dataset's own views (paper 4.3: each baseline trains on images of the same
      shapes rendered with its own image model).
    """

    name: str
    build_generator: Callable[[TrainingConfig], keras.Model]
    build_model: Callable
    image_model: Callable | None = None


def training_method(name: str) -> TrainingMethod:
    """The method called `name` (one of METHOD_NAMES); ValueError naming --method otherwise."""
    if name not in METHOD_NAMES:
        raise ValueError(f"--method must be one of {', '.join(METHOD_NAMES)}, got {name!r}")
    return importlib.import_module(f"iggan_tf.methods.{name}").METHOD


def build_voxel_generator(config: TrainingConfig, synchronized_batch_norm: bool = False) -> keras.Model:
    """3D-GAN's G at the config's sizes: the generator of every 3D method."""
    return make_generator(GeneratorConfig(config.voxel_size, config.latent_dim, config.generator_width),
                          synchronized_batch_norm=synchronized_batch_norm)


def build_discriminator(config: TrainingConfig) -> keras.Model:
    """D at the config's image size, spectrally normalized in every method (paper 4.3), with the D options."""
    return make_discriminator(DiscriminatorConfig(
        config.image_size, 1, config.discriminator_width, minibatch_stddev_group=config.minibatch_stddev_group))


def hyperparameters_of(config: TrainingConfig) -> Hyperparameters:
    """The Hyperparameters fields the config sets (under the same names); the others keep their defaults."""
    names = {field.name for field in dataclasses.fields(config)}
    return Hyperparameters(**{field.name: getattr(config, field.name) for field in dataclasses.fields(Hyperparameters)
                              if field.name in names})


def image_model_baseline(name: str, image_model: Callable) -> TrainingMethod:
    """A 3D baseline: G's voxels drawn by `image_model` (differentiable) go straight to D, and D's real images are
    the dataset's shapes drawn by the same formula."""

    def build_model(config: TrainingConfig, workdir, opengl_render, view_sampler,
                    distribution=SINGLE_DEVICE) -> DirectGAN:
        del workdir, opengl_render  # no renderer to pre-train, no OpenGL in the step
        with distribution.scope():
            generator = build_voxel_generator(config, distribution.synchronized_batch_norm)
            discriminator = build_discriminator(config)
            return DirectGAN(generator, discriminator, image_model, view_sampler, hyperparameters_of(config),
                             seed=config.seed)

    return TrainingMethod(name=name, build_generator=build_voxel_generator, build_model=build_model,
                          image_model=image_model)
