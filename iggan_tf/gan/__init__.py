"""IG-GAN training: hyper-parameters, losses, the view sampler, the three-way keras.Model, renderer pre-training."""

from iggan_tf.gan.hyperparameters import Hyperparameters
from iggan_tf.gan.model import IGGAN
from iggan_tf.gan.views import UniformViewSampler

__all__ = ["Hyperparameters", "IGGAN", "UniformViewSampler"]
