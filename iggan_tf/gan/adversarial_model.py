"""What every GAN of this project shares, IG-GAN and the baselines alike: a generator G, the spectrally normalized
discriminator D and its update (with the optional R1 penalty and augmentation), G's weight average, the
checkpointed random stream, and the parts a checkpoint holds. Subclasses add what a step draws, how generated
images are made and how G learns from D's verdict on them (their draw_step_randomness and train_step_with).
"""

import keras
import tensorflow as tf

from iggan_tf.gan import losses
from iggan_tf.gan.augmentation import DifferentiableAugmentation
from iggan_tf.gan.hyperparameters import Hyperparameters


class AdversarialModel(keras.Model):
    """Owns G, D, their optimizers and the metrics common to every method; the networks are passed in.

    Args:
      generator: G, latent vectors [B, Z] -> continuous voxels [B, N, N, N, 1] or images [B, S, S, C] in [0, 1].
      discriminator: D, images [B, S, S, C] -> logits [B, 1].
      hyperparameters: learning rates, the D options and the decay of G's weight average.
      seed: seeds every random draw of the step (None: non-deterministic); the random state is checkpointed with
        the model, so a resumed run continues the same random sequence.
      generated_name: what D's fakes are called in the metric of its accuracy on them (d_accuracy_<name>).
    """

    # The losses the progress bar shows.
    LOSS_NAMES = ("d_loss", "g_loss")
    # The D calls whose images --augment transforms, each with its own draw, in the order they are drawn.
    AUGMENTED_CALLS: tuple = ()

    def __init__(self, generator: keras.Model, discriminator: keras.Model, hyperparameters: Hyperparameters,
                 seed: int | None, generated_name: str, **kwargs):
        super().__init__(**kwargs)
        for name, network in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(network, keras.Model):
                raise ValueError(f"{name} must be a keras.Model, got {type(network).__name__}")
        if not isinstance(hyperparameters, Hyperparameters):
            raise ValueError(f"hyperparameters must be a Hyperparameters, got {type(hyperparameters).__name__}")
        self.generator = generator
        self.discriminator = discriminator
        self.hyperparameters = hyperparameters
        self.generated_name = generated_name
        self.augmentation = DifferentiableAugmentation(hyperparameters.augment)
        self.latent_dim = generator.input_shape[-1]
        self.averaged_generator = _copy_of(generator) if hyperparameters.generator_ema_decay else None
        # A tf.random.Generator (not a Keras SeedGenerator) because tf.train.Checkpoint saves its state.
        self.random_generator = (
            tf.random.Generator.from_non_deterministic_state() if seed is None else tf.random.Generator.from_seed(seed)
        )
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.d_accuracy_real_tracker = keras.metrics.Mean(name="d_accuracy_real")
        self.d_accuracy_generated_tracker = keras.metrics.Mean(name=f"d_accuracy_{generated_name}")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_r1_tracker = keras.metrics.Mean(name="d_r1")
        # The networks arrive built and the model has no call(): nothing is left for Keras to build.
        self.built = True

    def compile(self, **kwargs):
        """Creates the Adam optimizers of G and D from the hyper-parameters; other keyword arguments go to Keras.

        XLA is off (IG-GAN's OpenGL renderer is a py_function). The optimizers are built at once so that a
        checkpoint restores their moments before the first step.
        """
        if kwargs.get("jit_compile", False):
            raise ValueError("jit_compile must be False: the OpenGL renderer runs through tf.py_function")
        if kwargs.get("optimizer") is not None:
            raise ValueError("optimizer must be None: the optimizers come from the hyper-parameters")
        # optimizer=None: Keras' default would build another, unused optimizer over all networks.
        super().compile(**{**kwargs, "optimizer": None, "jit_compile": False})
        h = self.hyperparameters
        self.generator_optimizer = keras.optimizers.Adam(h.generator_learning_rate, beta_1=h.adam_beta_1)
        self.discriminator_optimizer = keras.optimizers.Adam(h.discriminator_learning_rate, beta_1=h.adam_beta_1)
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.discriminator_optimizer.build(self.discriminator.trainable_variables)

    @property
    def sampling_generator(self) -> keras.Model:
        """The generator that samples, evaluation and the export use: G's weight average when kept, else G."""
        return self.averaged_generator if self.averaged_generator is not None else self.generator

    @property
    def makes_shapes(self) -> bool:
        """Whether G makes voxels (a 3D method) rather than images (the 2D baseline)."""
        return len(self.generator.output_shape) == 5

    def checkpointed_parts(self) -> dict:
        """Everything of the model a checkpoint holds, by name: networks, optimizers and the random state."""
        return {
            "generator": self.generator, "discriminator": self.discriminator,
            "generator_optimizer": self.generator_optimizer, "discriminator_optimizer": self.discriminator_optimizer,
            "random_generator": self.random_generator,
            **({"averaged_generator": self.averaged_generator} if self.averaged_generator is not None else {}),
        }

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.d_accuracy_real_tracker, self.d_accuracy_generated_tracker,
                self.g_loss_tracker, *([self.d_r1_tracker] if self.hyperparameters.r1_weight else [])]

    def update_discriminator_metrics(self, d_loss, d_r1, real_logits, generated_logits) -> None:
        self.d_loss_tracker.update_state(d_loss)
        self.d_accuracy_real_tracker.update_state(losses.accuracy_on_real(real_logits))
        self.d_accuracy_generated_tracker.update_state(losses.accuracy_on_opengl(generated_logits))
        if self.hyperparameters.r1_weight:
            self.d_r1_tracker.update_state(d_r1)

    def draw_step_randomness(self, batch_size):
        """The random draws of one step on `batch_size` samples, from the run's stream (a NamedTuple of tensors
        with one row per sample, whose `augmentation` field is draw_augmentation's)."""
        raise NotImplementedError

    def train_step_with(self, real_images, randomness):
        """One update on a batch of dataset images [B, S, S, C] in [0, 1] with its random draws given; returns the
        metrics. A distributed step draws them once for the global batch and gives each replica its rows
        (iggan_tf.training.distribution)."""
        raise NotImplementedError

    def train_step(self, real_images):
        """One update on a batch of dataset images [B, S, S, C] in [0, 1]; returns the metrics."""
        return self.train_step_with(real_images, self.draw_step_randomness(tf.shape(real_images)[0]))

    def draw_augmentation(self, batch_size) -> dict:
        """With --augment, the transforms of each D call's images, {call: {parameter: [B, ...]}} for the calls of
        AUGMENTED_CALLS in their order; {} without. Drawn last in a step, so that runs without augmentation keep
        their stream."""
        if not self.augmentation.policy:
            return {}
        image_size = self.discriminator.input_shape[1]
        return {call: self.augmentation.draw(batch_size, image_size, self.random_generator)
                for call in self.AUGMENTED_CALLS}

    def augmented(self, images, parameters):
        """`images` transformed by one call's drawn parameters (see draw_augmentation), or as they are without
        augmentation."""
        if not self.augmentation.policy:
            return images
        if parameters is None:
            raise ValueError("augmentation parameters are missing: draw them with draw_step_randomness")
        return self.augmentation.apply(images, parameters)

    def judge(self, images, parameters, training=False):
        """D's logits for `images`, augmented first (see `augmented`)."""
        return self.discriminator(self.augmented(images, parameters), training=training)

    def discriminator_step(self, real_images, generated_images, augmentation=None):
        """Eq. (2): D learns to tell dataset images from generated ones. Returns (d_loss, the R1 penalty, real and
        generated logits); with r1_weight > 0 the loss D descends adds gamma / 2 times R1. `augmentation` is the
        step's draw_augmentation: "real" transforms the dataset images, the generated name (see __init__) the others.

        One call on both halves, so spectral normalization advances its power iteration once per step; the
        other calls of D use training=False, which uses the same W / sigma(W) without advancing it.
        """
        augmentation = augmentation or {}
        images = tf.concat([self.augmented(real_images, augmentation.get("real")),
                            self.augmented(generated_images, augmentation.get(self.generated_name))], axis=0)
        r1_weight = self.hyperparameters.r1_weight
        with tf.GradientTape() as tape:
            with tf.GradientTape(watch_accessed_variables=False) as image_tape:
                image_tape.watch(images)
                logits = self.discriminator(images, training=True)
                real_logits, generated_logits = tf.split(logits, 2, axis=0)
                real_logit_sum = tf.reduce_sum(real_logits)  # each image's logit depends on that image alone
            d_loss = losses.discriminator_loss(real_logits, generated_logits)
            if r1_weight:
                real_half = tf.split(image_tape.gradient(real_logit_sum, images), 2, axis=0)[0]
                d_r1 = losses.r1_penalty(real_half)
                d_loss_with_penalty = d_loss + 0.5 * r1_weight * d_r1
            else:
                d_r1, d_loss_with_penalty = tf.zeros([]), d_loss
            replica_d_loss = losses.share_of_global_batch(d_loss_with_penalty)
        variables = self.discriminator.trainable_variables
        self.discriminator_optimizer.apply_gradients(zip(tape.gradient(replica_d_loss, variables), variables))
        return d_loss, d_r1, real_logits, generated_logits

    def apply_generator_gradient(self, generator_tape, generator_outputs, output_gradients) -> None:
        """G's update by the chain rule, dG(z)/dtheta^T times the gradient at G's outputs of the replica's share of
        the loss (losses.share_of_global_batch): G's forward pass from the start of the step (recorded on
        `generator_tape`) is reused rather than recomputed."""
        variables = self.generator.trainable_variables
        gradients = generator_tape.gradient(generator_outputs, variables, output_gradients=output_gradients)
        self.generator_optimizer.apply_gradients(zip(gradients, variables))

    def update_averaged_generator(self) -> None:
        """Moves the average towards G's weights (batch-norm statistics included) after G's update.

        The decay ramps up as min(decay, (1 + t) / (10 + t)) over G's update count t, so the first averages
        are not held back by the random initialization.
        """
        if self.averaged_generator is None:
            return
        updates = tf.cast(self.generator_optimizer.iterations, tf.float32)
        decay = tf.minimum(self.hyperparameters.generator_ema_decay, (1.0 + updates) / (10.0 + updates))
        for average, current in zip(self.averaged_generator.weights, self.generator.weights):
            average.assign(tf.cast(decay, average.dtype) * average + tf.cast(1.0 - decay, average.dtype) * current)


def _copy_of(generator: keras.Model) -> keras.Model:
    """A second generator of the same architecture that starts with G's weights."""
    copy = keras.models.clone_model(generator)
    copy.set_weights(generator.get_weights())
    return copy
