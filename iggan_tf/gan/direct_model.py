"""The baselines' GAN (paper 4.3): generated images are a differentiable function of G's output, so G trains
directly against D, with no neural renderer and no OpenGL in the step.

The function is the baseline's image model: visual hull or absorption only on G's voxels from a view of the
dataset's camera distribution (iggan_tf.methods.visual_hull, .absorption_only), or none at all for the 2D DCGAN,
whose G makes the images itself.
"""

from typing import NamedTuple

import keras
import tensorflow as tf

from iggan_tf.gan import losses
from iggan_tf.gan.adversarial_model import AdversarialModel
from iggan_tf.gan.hyperparameters import Hyperparameters


class DirectStepRandomness(NamedTuple):
    """What one baseline step draws from the run's random stream, one row per generated sample."""

    latent_vectors: tf.Tensor  # [B, Z]
    # (azimuth [B], elevation [B]) in degrees with an image model; () for the 2D baseline, which has no views.
    views: tuple
    # With --augment: the transforms of each D call's images, {call: {parameter: [B, ...]}}; {} without.
    augmentation: dict


class DirectGAN(AdversarialModel):
    """Owns the G and D optimizers, the 1:1 train_step and its metrics; the networks are passed in.

    Args:
      generator: G, latent vectors [B, Z] -> voxels [B, N, N, N, 1] (with an image model) or images [B, S, S, C].
      discriminator: D, images [B, S, S, C] -> logits [B, 1].
      image_model: (voxels [B, N, N, N, 1], azimuth [B], elevation [B]) -> images [B, S, S, C] in [0, 1],
        differentiable in the voxels; None when G makes images.
      view_sampler: (batch_size, random_generator) -> (azimuth [B], elevation [B]) in degrees (as for IGGAN);
        None without an image model.
      hyperparameters: G's and D's learning rates, the D options and the decay of G's weight average (the
        renderer's fields are not used).
      seed: seeds latent vectors and views (None: non-deterministic); checkpointed with the model.
    """

    # D's step on dataset images and on generated ones, the generator's step.
    AUGMENTED_CALLS = ("real", "generated", "generator")

    def __init__(self, generator: keras.Model, discriminator: keras.Model, image_model=None, view_sampler=None,
                 hyperparameters: Hyperparameters = Hyperparameters(), seed: int | None = None, **kwargs):
        if (image_model is None) != (view_sampler is None):
            raise ValueError("image_model and view_sampler go together: give both (a 3D baseline) or neither (2D)")
        for name, value in (("image_model", image_model), ("view_sampler", view_sampler)):
            if value is not None and not callable(value):
                raise ValueError(f"{name} must be callable, got {type(value).__name__}")
        super().__init__(generator, discriminator, hyperparameters, seed, generated_name="generated", **kwargs)
        self.image_model = image_model
        self.view_sampler = view_sampler
        _check_image_shapes(generator, discriminator, image_model)

    def draw_step_randomness(self, batch_size) -> DirectStepRandomness:
        """The random draws of one step on `batch_size` samples: z, the views (3D baselines), augmentation last."""
        latent_vectors = self.random_generator.normal([batch_size, self.latent_dim])
        views = tuple(self.view_sampler(batch_size, self.random_generator)) if self.view_sampler else ()
        return DirectStepRandomness(latent_vectors, views, self.draw_augmentation(batch_size))

    def train_step_with(self, real_images, randomness: DirectStepRandomness):
        """One D update and one G update (see AdversarialModel.train_step_with)."""
        views, augmentation = randomness.views, randomness.augmentation
        with tf.GradientTape() as generator_tape:
            generated = self.generator(randomness.latent_vectors, training=True)
        generated_images = self.trained_images(generated, *views)

        d_loss, d_r1, real_logits, generated_logits = self.discriminator_step(
            real_images, tf.stop_gradient(generated_images), augmentation)
        g_loss = self.generator_step(generator_tape, generated, views, augmentation)
        self.update_averaged_generator()

        self.update_discriminator_metrics(d_loss, d_r1, real_logits, generated_logits)
        self.g_loss_tracker.update_state(g_loss)
        return {metric.name: metric.result() for metric in self.metrics}

    def trained_images(self, generated, azimuth=None, elevation=None):
        """The images D judges of G's output: the image model's from the given views, or G's own images."""
        return generated if self.image_model is None else self.image_model(generated, azimuth, elevation)

    def generator_step(self, generator_tape, generated, views, augmentation=None):
        """G ascends log D(image(G(z))) with D frozen (the non-saturating loss, as IG-GAN's eq. 7). Returns g_loss."""
        with tf.GradientTape() as output_tape:
            output_tape.watch(generated)
            images = self.trained_images(generated, *views)
            g_loss = losses.generator_loss(self.judge(images, (augmentation or {}).get("generator")))
            replica_g_loss = losses.share_of_global_batch(g_loss)
        self.apply_generator_gradient(generator_tape, generated, output_tape.gradient(replica_g_loss, generated))
        return g_loss


def _check_image_shapes(generator, discriminator, image_model) -> None:
    """ValueError when the images of G's output do not have the shape D takes (one sample, from the front)."""
    wanted = tuple(discriminator.input_shape[1:])
    if image_model is None:
        made = tuple(generator.output_shape[1:])
    else:
        sample = tf.zeros([1, *generator.output_shape[1:]], tf.float32)
        made = tuple(image_model(sample, tf.zeros([1]), tf.zeros([1])).shape[1:])
    if made != wanted:
        raise ValueError(f"discriminator takes images of shape {wanted}, but the generator's images have shape {made}")
