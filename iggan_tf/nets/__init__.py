"""The networks, built by factory functions from frozen size configs (DESIGN section 3): IG-GAN's three and the
2D baseline's image generator."""

from iggan_tf.nets.discriminator import DiscriminatorConfig, make_discriminator
from iggan_tf.nets.generator import GeneratorConfig, ImageGeneratorConfig, make_generator, make_image_generator
from iggan_tf.nets.rendernet import RenderNetConfig, ViewTransform, make_rendernet
from iggan_tf.nets.spectral_normalization import SpectralNormalization

__all__ = [
    "DiscriminatorConfig",
    "GeneratorConfig",
    "ImageGeneratorConfig",
    "RenderNetConfig",
    "SpectralNormalization",
    "ViewTransform",
    "make_discriminator",
    "make_generator",
    "make_image_generator",
    "make_rendernet",
]
