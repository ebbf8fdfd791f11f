"""GAN training: hyper-parameters, losses, the view sampler, IG-GAN's three-way keras.Model and the baselines'
DirectGAN (iggan_tf.gan.direct_model) on their shared AdversarialModel, renderer pre-training."""

from iggan_tf.gan.hyperparameters import Hyperparameters
from iggan_tf.gan.model import IGGAN
from iggan_tf.gan.views import UniformViewSampler

__all__ = ["Hyperparameters", "IGGAN", "UniformViewSampler"]
