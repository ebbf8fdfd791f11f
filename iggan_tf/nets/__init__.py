"""The three networks of IG-GAN, built by factory functions from frozen size configs (DESIGN section 3)."""

from iggan_tf.nets.discriminator import DiscriminatorConfig, make_discriminator
from iggan_tf.nets.generator import GeneratorConfig, make_generator
from iggan_tf.nets.rendernet import RenderNetConfig, ViewTransform, make_rendernet
from iggan_tf.nets.spectral_normalization import SpectralNormalization

__all__ = [
    "DiscriminatorConfig",
    "GeneratorConfig",
    "RenderNetConfig",
    "SpectralNormalization",
    "ViewTransform",
    "make_discriminator",
    "make_generator",
    "make_rendernet",
]
