"""IG-GAN as a keras.Model: one training step updates the discriminator, the neural renderer and the generator.

The step follows the paper (Section 3, eqs. 1-9; Section 4.1): generated voxels are thresholded at random and
rendered by the off-the-shelf renderer, which the model sees only as a callable; the neural renderer carries
the discriminator's gradient back to the generator.
"""

from typing import NamedTuple

import keras
import tensorflow as tf

from iggan_tf.gan import losses
from iggan_tf.gan.augmentation import DifferentiableAugmentation
from iggan_tf.gan.hyperparameters import Hyperparameters
from iggan_tf.geometry.binarization import binarize


# The D calls whose images --augment transforms, each with its own draw: D's step on dataset images and on
# renders, the renderer's DOM (one draw for the OpenGL and the neural render of a shape), the generator's step.
AUGMENTED_CALLS = ("real", "opengl", "renderer", "generator")


class StepRandomness(NamedTuple):
    """What one step draws from the run's random stream, one row per generated sample: z, the view, the threshold t."""

    latent_vectors: tf.Tensor  # [B, Z]
    azimuth: tf.Tensor  # [B] degrees
    elevation: tf.Tensor  # [B] degrees
    thresholds: tf.Tensor  # [B] in [0, 1]
    # With --augment: the transforms of each D call's images, {call: {parameter: [B, ...]}}; {} without.
    augmentation: dict


class IGGAN(keras.Model):
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
        super().__init__(**kwargs)
        _check_networks(generator, rendernet, discriminator)
        for name, value in (("opengl_render", opengl_render), ("view_sampler", view_sampler)):
            if not callable(value):
                raise ValueError(f"{name} must be callable, got {type(value).__name__}")
        if not isinstance(hyperparameters, Hyperparameters):
            raise ValueError(f"hyperparameters must be a Hyperparameters, got {type(hyperparameters).__name__}")
        self.generator = generator
        self.rendernet = rendernet
        self.discriminator = discriminator
        self.opengl_render = opengl_render
        self.view_sampler = view_sampler
        self.hyperparameters = hyperparameters
        self.augmentation = DifferentiableAugmentation(hyperparameters.augment)
        self.latent_dim = generator.input_shape[-1]
        self.averaged_generator = _copy_of(generator) if hyperparameters.generator_ema_decay else None
        # A tf.random.Generator (not a Keras SeedGenerator) because tf.train.Checkpoint saves its state.
        self.random_generator = (
            tf.random.Generator.from_non_deterministic_state() if seed is None else tf.random.Generator.from_seed(seed)
        )
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.d_accuracy_real_tracker = keras.metrics.Mean(name="d_accuracy_real")
        self.d_accuracy_opengl_tracker = keras.metrics.Mean(name="d_accuracy_opengl")
        self.r_l2_tracker = keras.metrics.Mean(name="r_l2")
        self.r_dom_tracker = keras.metrics.Mean(name="r_dom")
        # lambda * L_DOM, the term that eq. (9) adds to r_l2: the two show the balance the renderer trains on.
        self.r_dom_weighted_tracker = keras.metrics.Mean(name="r_dom_weighted")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_r1_tracker = keras.metrics.Mean(name="d_r1")
        # The networks arrive built and the model has no call(): nothing is left for Keras to build.
        self.built = True

    def compile(self, **kwargs):
        """Creates the three Adam optimizers from the hyper-parameters; other keyword arguments go to Keras.

        XLA is off: the OpenGL renderer is a py_function. The optimizers are built at once so that a checkpoint
        restores their moments before the first step.
        """
        if kwargs.get("jit_compile", False):
            raise ValueError("jit_compile must be False: the OpenGL renderer runs through tf.py_function")
        if kwargs.get("optimizer") is not None:
            raise ValueError("optimizer must be None: the optimizers come from the hyper-parameters")
        # optimizer=None: Keras' default would build a fourth, unused optimizer over all three networks.
        super().compile(**{**kwargs, "optimizer": None, "jit_compile": False})
        h = self.hyperparameters
        self.generator_optimizer = keras.optimizers.Adam(h.generator_learning_rate, beta_1=h.adam_beta_1)
        self.discriminator_optimizer = keras.optimizers.Adam(h.discriminator_learning_rate, beta_1=h.adam_beta_1)
        self.renderer_optimizer = keras.optimizers.Adam(h.renderer_learning_rate, beta_1=h.adam_beta_1)
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.discriminator_optimizer.build(self.discriminator.trainable_variables)
        self.renderer_optimizer.build(self.rendernet.trainable_variables)

    @property
    def sampling_generator(self) -> keras.Model:
        """The generator that samples, evaluation and the export use: G's weight average when kept, else G."""
        return self.averaged_generator if self.averaged_generator is not None else self.generator

    @property
    def metrics(self):
        return [
            self.d_loss_tracker,
            self.d_accuracy_real_tracker,
            self.d_accuracy_opengl_tracker,
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
        augmentation = {}
        if self.augmentation.policy:  # drawn last, so that runs without augmentation keep their stream
            image_size = self.discriminator.input_shape[1]
            augmentation = {call: self.augmentation.draw(batch_size, image_size, self.random_generator)
                            for call in AUGMENTED_CALLS}
        return StepRandomness(latent_vectors, azimuth, elevation, thresholds, augmentation)

    def train_step(self, real_images):
        """One 1:1:1 update on a batch of dataset images [B, S, S, C] in [0, 1]; returns the metrics."""
        return self.train_step_with(real_images, self.draw_step_randomness(tf.shape(real_images)[0]))

    def train_step_with(self, real_images, randomness: StepRandomness):
        """train_step with its random draws given: a distributed step draws them once for the global batch and
        gives each replica its rows (iggan_tf.training.distribution)."""
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
        if self.averaged_generator is not None:
            self.update_averaged_generator()

        self.d_loss_tracker.update_state(d_loss)
        self.d_accuracy_real_tracker.update_state(losses.accuracy_on_real(real_logits))
        self.d_accuracy_opengl_tracker.update_state(losses.accuracy_on_opengl(opengl_logits))
        self.r_l2_tracker.update_state(r_l2)
        self.r_dom_tracker.update_state(r_dom)
        self.r_dom_weighted_tracker.update_state(self.hyperparameters.dom_weight * r_dom)
        self.g_loss_tracker.update_state(g_loss)
        if self.hyperparameters.r1_weight:
            self.d_r1_tracker.update_state(d_r1)
        return {metric.name: metric.result() for metric in self.metrics}

    def augmented(self, images, parameters):
        """`images` transformed by one call's drawn parameters (StepRandomness.augmentation), or as they are
        without augmentation."""
        if not self.augmentation.policy:
            return images
        if parameters is None:
            raise ValueError("augmentation parameters are missing: draw them with draw_step_randomness")
        return self.augmentation.apply(images, parameters)

    def judge(self, images, parameters, training=False):
        """D's logits for `images`, augmented first (see `augmented`)."""
        return self.discriminator(self.augmented(images, parameters), training=training)

    def discriminator_step(self, real_images, opengl_images, augmentation=None):
        """Eq. (2): D learns to tell dataset images from OpenGL renders. Returns (d_loss, the R1 penalty, real and
        OpenGL logits); with r1_weight > 0 the loss D descends adds gamma / 2 times R1.

        One call on both halves, so spectral normalization advances its power iteration once per step; the
        R and G steps call D with training=False, which uses the same W / sigma(W) without advancing it.
        """
        augmentation = augmentation or {}
        images = tf.concat([self.augmented(real_images, augmentation.get("real")),
                            self.augmented(opengl_images, augmentation.get("opengl"))], axis=0)
        r1_weight = self.hyperparameters.r1_weight
        with tf.GradientTape() as tape:
            with tf.GradientTape(watch_accessed_variables=False) as image_tape:
                image_tape.watch(images)
                logits = self.discriminator(images, training=True)
                real_logits, opengl_logits = tf.split(logits, 2, axis=0)
                real_logit_sum = tf.reduce_sum(real_logits)  # each image's logit depends on that image alone
            d_loss = losses.discriminator_loss(real_logits, opengl_logits)
            if r1_weight:
                real_half = tf.split(image_tape.gradient(real_logit_sum, images), 2, axis=0)[0]
                d_r1 = losses.r1_penalty(real_half)
                d_loss_with_penalty = d_loss + 0.5 * r1_weight * d_r1
            else:
                d_r1, d_loss_with_penalty = tf.zeros([]), d_loss
            replica_d_loss = losses.share_of_global_batch(d_loss_with_penalty)
        variables = self.discriminator.trainable_variables
        self.discriminator_optimizer.apply_gradients(zip(tape.gradient(replica_d_loss, variables), variables))
        return d_loss, d_r1, real_logits, opengl_logits

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
            neural_images = self.rendernet([continuous_voxels, azimuth, elevation], training=False)
            g_loss = losses.generator_loss(self.judge(neural_images, (augmentation or {}).get("generator")))
            replica_g_loss = losses.share_of_global_batch(g_loss)
        voxel_gradients = voxel_tape.gradient(replica_g_loss, continuous_voxels)
        variables = self.generator.trainable_variables
        gradients = generator_tape.gradient(continuous_voxels, variables, output_gradients=voxel_gradients)
        self.generator_optimizer.apply_gradients(zip(gradients, variables))
        return g_loss

    def update_averaged_generator(self) -> None:
        """Moves the average towards G's weights (batch-norm statistics included) after G's update.

        The decay ramps up as min(decay, (1 + t) / (10 + t)) over G's update count t, so the first averages
        are not held back by the random initialization.
        """
        updates = tf.cast(self.generator_optimizer.iterations, tf.float32)
        decay = tf.minimum(self.hyperparameters.generator_ema_decay, (1.0 + updates) / (10.0 + updates))
        for average, current in zip(self.averaged_generator.weights, self.generator.weights):
            average.assign(tf.cast(decay, average.dtype) * average + tf.cast(1.0 - decay, average.dtype) * current)


def _copy_of(generator: keras.Model) -> keras.Model:
    """A second generator of the same architecture that starts with G's weights."""
    copy = keras.models.clone_model(generator)
    copy.set_weights(generator.get_weights())
    return copy


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
