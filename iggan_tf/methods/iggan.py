"""IG-GAN (the paper's method): G's voxels are thresholded and drawn by the off-the-shelf renderer for D, and a
neural renderer R, pre-trained before GAN training and trained with DOM during it, carries D's gradient to G.

Also the renderer's pre-training at the start of a run (paper Table 3), kept in <workdir>/renderer.
"""

import pathlib

import keras
from absl import logging

from iggan_tf.gan import IGGAN, renderer_pretraining
from iggan_tf.methods.registry import (SINGLE_DEVICE, TrainingMethod, build_discriminator, build_voxel_generator,
                                      hyperparameters_of)
from iggan_tf.nets import RenderNetConfig, make_rendernet
from iggan_tf.training.config import TrainingConfig


def renderer_config(config: TrainingConfig) -> RenderNetConfig:
    return RenderNetConfig(
        voxel_size=config.voxel_size,
        image_size=config.image_size,
        width=config.renderer_width,
        projection_channels=config.renderer_projection_channels,
    )


def pretrained_rendernet(config: TrainingConfig, workdir: pathlib.Path, opengl_render) -> keras.Model:
    """The renderer GAN training starts from: loaded from --pretrained_renderer, or pre-trained here once
    (L2 only, paper Table 3) and kept in <workdir>/renderer so a resumed run does not repeat it."""
    directory = pathlib.Path(config.pretrained_renderer) if config.pretrained_renderer else workdir / "renderer"
    if config.pretrained_renderer or (directory / renderer_pretraining.RECORD_FILE).exists():
        saved = renderer_pretraining.load_renderer(directory)
        if saved.config != renderer_config(config):
            raise ValueError(
                f"--pretrained_renderer {directory} was built as {saved.config}, but the flags ask for "
                f"{renderer_config(config)}"
            )
        renderer_pretraining.check_imitates(saved, directory, config.renderer, config.shadows)
        return saved.rendernet
    logging.info("pre-training the neural renderer on %d %s shapes for %d steps", config.pretrain_shapes,
                 config.pretrain_class, config.pretrain_steps)
    return renderer_pretraining.pretrain_and_save(
        directory, renderer_config(config), config.pretrain_class, config.pretrain_shapes, config.pretrain_steps,
        opengl_render, batch_size=config.pretrain_batch_size or config.batch_size, seed=config.seed, verbose=2,
        renderer=config.renderer, shadows=config.shadows,
    )


def build_model(config: TrainingConfig, workdir: pathlib.Path, opengl_render, view_sampler,
                distribution=SINGLE_DEVICE) -> IGGAN:
    # G, D, then R: the order in which the seeded initializers have always drawn.
    with distribution.scope():
        generator = build_voxel_generator(config, distribution.synchronized_batch_norm)
        discriminator = build_discriminator(config)
    # Pre-training runs on one device, on the chief; the other workers receive its result with its state (the
    # training loop's share_chief_state).
    pretrained = pretrained_rendernet(config, workdir, opengl_render) if distribution.is_chief else None
    rendernet = distribution.copy_into_scope(pretrained, lambda: make_rendernet(renderer_config(config)))
    with distribution.scope():
        return IGGAN(generator, rendernet, discriminator, opengl_render, view_sampler,
                     hyperparameters=hyperparameters_of(config), seed=config.seed)


METHOD = TrainingMethod(name="iggan", build_generator=build_voxel_generator, build_model=build_model)
