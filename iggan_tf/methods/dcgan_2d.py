"""The 2D DCGAN baseline (Radford et al. 2016; paper 4.3): an image GAN on the dataset's own images. It makes no
shapes, so it is scored on image metrics only; it shows what the image scores of a model that never has to be
3D-consistent look like. D is the same spectrally normalized D as every other method's.
"""

import keras

from iggan_tf.gan.direct_model import DirectGAN
from iggan_tf.methods.registry import SINGLE_DEVICE, TrainingMethod, build_discriminator, hyperparameters_of
from iggan_tf.nets import ImageGeneratorConfig, make_image_generator
from iggan_tf.training.config import TrainingConfig


def build_image_generator(config: TrainingConfig, synchronized_batch_norm: bool = False) -> keras.Model:
    """DCGAN's G, z -> grey images at the run's image size (twice --voxel_size, as every method's images)."""
    return make_image_generator(ImageGeneratorConfig(config.image_size, config.latent_dim, config.generator_width),
                                synchronized_batch_norm=synchronized_batch_norm)


def build_model(config: TrainingConfig, workdir, opengl_render, view_sampler, distribution=SINGLE_DEVICE) -> DirectGAN:
    del workdir, opengl_render, view_sampler  # G's images need no renderer and no view
    with distribution.scope():
        generator = build_image_generator(config, distribution.synchronized_batch_norm)
        discriminator = build_discriminator(config)
        return DirectGAN(generator, discriminator, hyperparameters=hyperparameters_of(config), seed=config.seed)


METHOD = TrainingMethod(name="dcgan_2d", build_generator=build_image_generator, build_model=build_model)
