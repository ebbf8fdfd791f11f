"""IG-GAN as a keras.Model: one training step updates the discriminator, the neural renderer and the generator.

The step follows the paper (Section 3, eqs. 1-9; Section 4.1): generated voxels are thresholded at random and
rendered by the off-the-shelf renderer, which the model sees only as a callable; the neural renderer carries
the discriminator's gradient back to the generator. What IG-GAN shares with the baselines (D's update, G's
weight average, the checkpointed parts) is iggan_tf.gan.adversarial_model.
"""

from typing import NamedTuple

import keras
import tensorflow as tf

from iggan_tf.gan import losses
from iggan_tf.gan.adversarial_model import AdversarialModel
from iggan_tf.gan.hyperparameters import Hyperparameters
from iggan_tf.geometry.binarization import binarize


class StepRandomness(NamedTuple):
    """What one step draws from the run's random stream, one row per generated sample: z, the view, the threshold t."""

    latent_vectors: tf.Tensor  # [B, Z]
    azimuth: tf.Tensor  # [B] degrees
    elevation: tf.Tensor  # [B] degrees
    thresholds: tf.Tensor  # [B] in [0, 1]
    # With --augment: the transforms of each D call's images, {call: {parameter: [B, ...]}}; {} without.
    augmentation: dict


class IGGAN(AdversarialModel):
    """Owns the three optimizers, the 1:1:1 train_step and its metrics; the networks are passed in.

    Args:
      generator: G, latent vectors [B, Z] -> continuous voxels [B, N, N, N, 1] in [0, 1].
      rendernet: R, [voxels, azimuth, elevation] -> neural images [B, S, S, C] in [0, 1].
      discriminator: D, images [B, S, S, C] -> logits [B, 1].
      opengl_render: R_d, (binary voxels [B, N, N, N, 1] float32, azimuth [B], elevation [B]) -> images
        [B, S, S, C] float32 in [0, 1]; not differentiable (typically a tf.py_function).
      view_sampler: (batch_size, random_generator) -> (azimuth [B], elevation [B]) in degrees, drawn from the
        dataset's camera distribution with the given tf.random.Generator.
      hyperparameters: learning rates, lambda, the fixed-renderer switch and the decay of G's weight average.
      seed: seeds latent vectors, thresholds and views (None: non-deterministic); the random state is
        checkpointed with the model, so a resumed run continues the same random sequence.
    """

    LOSS_NAMES = ("d_loss", "r_l2", "r_dom", "g_loss")
    # D's step on dataset images and on renders, the renderer's DOM (one draw for the OpenGL and the neural render
    # of a shape), the generator's step.
    AUGMENTED_CALLS = ("real", "opengl", "renderer", "generator")

    def __init__(
        self,
        generator: keras.Model,
        rendernet: keras.Model,
        discriminator: keras.Model,
        opengl_render,
        view_sampler,
        hyperparameters: Hyperparameters = Hyperparameters(),
        seed: int | None = None,
        **kwargs,
    ):
        _check_networks(generator, rendernet, discriminator)
        for name, value in (("opengl_render", opengl_render), ("view_sampler", view_sampler)):
            if not callable(value):
                raise ValueError(f"{name} must be callable, got {type(value).__name__}")
        super().__init__(generator, discriminator, hyperparameters, seed, generated_name="opengl", **kwargs)
        self.rendernet = rendernet
        self.opengl_render = opengl_render
        self.view_sampler = view_sampler
        self.r_l2_tracker = keras.metrics.Mean(name="r_l2")
        self.r_dom_tracker = keras.metrics.Mean(name="r_dom")
        # lambda * L_DOM, the term that eq. (9) adds to r_l2: the two show the balance the renderer trains on.
        self.r_dom_weighted_tracker = keras.metrics.Mean(name="r_dom_weighted")

    def compile(self, **kwargs):
        """Creates the three Adam optimizers from the hyper-parameters (see AdversarialModel.compile)."""
        super().compile(**kwargs)
        h = self.hyperparameters
        self.renderer_optimizer = keras.optimizers.Adam(h.renderer_learning_rate, beta_1=h.adam_beta_1)
        self.renderer_optimizer.build(self.rendernet.trainable_variables)

    def checkpointed_parts(self) -> dict:
        """The common parts and the renderer with its optimizer, under the names every IG-GAN workdir has."""
        parts = super().checkpointed_parts()
        return {
            "generator": parts.pop("generator"), "rendernet": self.rendernet, "discriminator": parts.pop("discriminator"),
            "generator_optimizer": parts.pop("generator_optimizer"),
            "discriminator_optimizer": parts.pop("discriminator_optimizer"),
            "renderer_optimizer": self.renderer_optimizer, **parts,
        }

    def trained_images(self, continuous_voxels, azimuth, elevation):
        """The images G is trained through: R's neural renders of x_c."""
        return self.rendernet([continuous_voxels, azimuth, elevation], training=False)

    @property
    def metrics(self):
        return [
            self.d_loss_tracker,
            self.d_accuracy_real_tracker,
            self.d_accuracy_generated_tracker,
            self.r_l2_tracker,
            self.r_dom_tracker,
            self.r_dom_weighted_tracker,
            self.g_loss_tracker,
            *([self.d_r1_tracker] if self.hyperparameters.r1_weight else []),
        ]

    def draw_step_randomness(self, batch_size) -> StepRandomness:
        """The random draws of one step on `batch_size` samples, in the order the run's stream has always had."""
        latent_vectors = self.random_generator.normal([batch_size, self.latent_dim])
        azimuth, elevation = self.view_sampler(batch_size, self.random_generator)
        thresholds = self.random_generator.uniform([batch_size])
        return StepRandomness(latent_vectors, azimuth, elevation, thresholds, self.draw_augmentation(batch_size))

    def train_step_with(self, real_images, randomness: StepRandomness):
        """One 1:1:1 update (see AdversarialModel.train_step_with)."""
        # Eq. (1): z ~ p(z), x_c = G(z), x_d ~ p(x_d | x_c) by a global threshold t ~ U[0, 1], y_d = R_d(x_d).
        azimuth, elevation = randomness.azimuth, randomness.elevation
        with tf.GradientTape() as generator_tape:
            continuous_voxels = self.generator(randomness.latent_vectors, training=True)
        binary_voxels = binarize(tf.stop_gradient(continuous_voxels), randomness.thresholds)
        opengl_images = tf.stop_gradient(self.opengl_render(binary_voxels, azimuth, elevation))

        if self.hyperparameters.discriminator_input == "rendernet":  # Table 2 ablation: D judges neural renders
            generated_images = tf.stop_gradient(
                self.rendernet([continuous_voxels, azimuth, elevation], training=False)
            )
        else:
            generated_images = opengl_images
        augmentation = randomness.augmentation
        d_loss, d_r1, real_logits, opengl_logits = self.discriminator_step(real_images, generated_images, augmentation)
        r_l2, r_dom = self.renderer_step(
            continuous_voxels, binary_voxels, opengl_images, azimuth, elevation, augmentation)
        g_loss = self.generator_step(generator_tape, continuous_voxels, azimuth, elevation, augmentation)
        self.update_averaged_generator()

        self.update_discriminator_metrics(d_loss, d_r1, real_logits, opengl_logits)
        self.r_l2_tracker.update_state(r_l2)
        self.r_dom_tracker.update_state(r_dom)
        self.r_dom_weighted_tracker.update_state(self.hyperparameters.dom_weight * r_dom)
        self.g_loss_tracker.update_state(g_loss)
        return {metric.name: metric.result() for metric in self.metrics}

    def renderer_step(self, continuous_voxels, binary_voxels, opengl_images, azimuth, elevation, augmentation=None):
        """Eq. (9): R imitates OpenGL on x_d (L2) and matches F = log D of y_d on x_c (DOM), D frozen.

        Returns (r_l2, r_dom). With a fixed renderer the losses are still measured but R is not updated.
        """
        # The same transform for both: DOM compares D's verdicts on the two renders of one shape.
        augmentation_parameters = (augmentation or {}).get("renderer")
        opengl_logits = self.judge(opengl_images, augmentation_parameters)
        with tf.GradientTape() as tape:
            binary_neural_images = self.rendernet([binary_voxels, azimuth, elevation], training=True)
            continuous_neural_images = self.rendernet([continuous_voxels, azimuth, elevation], training=True)
            neural_logits = self.judge(continuous_neural_images, augmentation_parameters)
            r_l2 = losses.rendering_l2(opengl_images, binary_neural_images)
            r_dom = losses.discriminator_output_matching(opengl_logits, neural_logits)
            render_loss = losses.share_of_global_batch(r_l2 + self.hyperparameters.dom_weight * r_dom)
        if self.hyperparameters.train_renderer:
            variables = self.rendernet.trainable_variables
            self.renderer_optimizer.apply_gradients(zip(tape.gradient(render_loss, variables), variables))
        return r_l2, r_dom

    def generator_step(self, generator_tape, continuous_voxels, azimuth, elevation, augmentation=None):
        """Eq. (7): G ascends log D(R(x_c)) with R and D frozen. Returns g_loss.

        The gradient is the paper's chain rule, dG(z)/dtheta^T times d log D(R(x_c))/dx_c, so G's forward
        pass from the start of the step (recorded on `generator_tape`) is reused rather than recomputed.
        """
        with tf.GradientTape() as voxel_tape:
            voxel_tape.watch(continuous_voxels)
            neural_images = self.trained_images(continuous_voxels, azimuth, elevation)
            g_loss = losses.generator_loss(self.judge(neural_images, (augmentation or {}).get("generator")))
            replica_g_loss = losses.share_of_global_batch(g_loss)
        self.apply_generator_gradient(generator_tape, continuous_voxels,
                                      voxel_tape.gradient(replica_g_loss, continuous_voxels))
        return g_loss


def _check_networks(generator, rendernet, discriminator) -> None:
    """ValueError naming the network whose input does not fit the output before it."""
    for name, network in (("generator", generator), ("rendernet", rendernet), ("discriminator", discriminator)):
        if not isinstance(network, keras.Model):
            raise ValueError(f"{name} must be a keras.Model, got {type(network).__name__}")
    voxels_shape = tuple(generator.output_shape[1:])
    rendernet_voxels_shape = tuple(rendernet.input_shape[0][1:])
    if voxels_shape != rendernet_voxels_shape:
        raise ValueError(
            f"rendernet takes voxels of shape {rendernet_voxels_shape}, but generator makes {voxels_shape}"
        )
    images_shape = tuple(rendernet.output_shape[1:])
    discriminator_images_shape = tuple(discriminator.input_shape[1:])
    if images_shape != discriminator_images_shape:
        raise ValueError(
            f"discriminator takes images of shape {discriminator_images_shape}, but rendernet makes {images_shape}"
        )
