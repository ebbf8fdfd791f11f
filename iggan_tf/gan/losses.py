"""The losses of IG-GAN's three networks, written from discriminator logits (D(y) = sigmoid(logit)).

All return float32 scalars averaged over the batch, so that mixed-precision networks still train on exact losses.
Under a tf.distribute strategy the batch is one replica's; `share_of_global_batch` turns such a loss into the
replica's share of the mean over the global batch.
"""

import tensorflow as tf


def _float32(tensor):
    return tf.cast(tensor, tf.float32)


def log_discriminator(logits):
    """F(y) = log D(y) of eq. (8), per sample; log_sigmoid stays finite where D(y) underflows to 0."""
    return tf.math.log_sigmoid(_float32(logits))


def discriminator_loss(real_logits, opengl_logits):
    """-L_dis of eq. (2): cross-entropy of D on dataset images (label 1) and OpenGL renders (label 0)."""
    real_logits, opengl_logits = _float32(real_logits), _float32(opengl_logits)
    real_term = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(real_logits), logits=real_logits)
    opengl_term = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros_like(opengl_logits), logits=opengl_logits)
    return tf.reduce_mean(real_term) + tf.reduce_mean(opengl_term)


def generator_loss(neural_logits):
    """-L~_gen of eq. (7): -log D(R(x_c)), the non-saturating generator loss."""
    return -tf.reduce_mean(log_discriminator(neural_logits))


# The paper's image size, 128^2: its lambda = 100 weighs DOM against the L2 norm summed over this many pixels.
PAPER_IMAGE_PIXELS = 128 * 128


def rendering_l2(opengl_images, neural_images):
    """L_2 of eq. (5) on the paper's scale: the squared error per pixel (summed over channels), averaged over
    pixels and batch, times the paper's pixel count PAPER_IMAGE_PIXELS.

    At 128^2 this is the paper's ||R(x_d) - R_d(x_d)||_2^2 exactly, so its lambda = 100 of eq. (9) holds as
    printed; at any other size it is the same per-pixel error, so a given lambda strikes the same balance
    between L2 and DOM (a plain sum would weigh DOM 4x more at 64^2 than at 128^2).

    Argument order follows Keras' (y_true, y_pred), so the function also serves as a Keras loss.
    """
    squared_error = tf.square(_float32(neural_images) - _float32(opengl_images))
    return PAPER_IMAGE_PIXELS * tf.reduce_mean(tf.reduce_sum(squared_error, axis=-1))


def discriminator_output_matching(opengl_logits, neural_logits):
    """L_DOM of eq. (8): (F(R_d(x_d)) - F(R(x_c)))^2 averaged over the batch, with F = log D."""
    return tf.reduce_mean(tf.square(log_discriminator(opengl_logits) - log_discriminator(neural_logits)))


def r1_penalty(real_logit_gradients):
    """R1 (Mescheder et al. 2018), not in the paper: ||dD/dy||^2 on dataset images, averaged over the batch, from
    the gradients [B, S, S, C] of the logits with respect to the images D saw. Zero-centred, so it only keeps D
    smooth around the data; the caller weighs it by gamma / 2."""
    return tf.reduce_mean(tf.reduce_sum(tf.square(_float32(real_logit_gradients)), axis=[1, 2, 3]))


def share_of_global_batch(loss):
    """A replica's `loss`, averaged over its own part of the global batch, divided by the replicas in sync: the
    optimizers all-reduce the replicas' gradients as a SUM, which is then the gradient of the mean over the global
    batch (tf.nn.compute_average_loss's scaling, for the equal parts a distributed step gives every replica).

    With one replica `loss` comes back as it is, no operation added, so a single-device step is unchanged bit for bit.
    """
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context is not None else 1
    return loss if replicas == 1 else loss / replicas


def accuracy_on_real(real_logits):
    """Fraction of dataset images that D calls real."""
    return tf.reduce_mean(tf.cast(_float32(real_logits) > 0.0, tf.float32))


def accuracy_on_opengl(opengl_logits):
    """Fraction of OpenGL renders of generated shapes that D calls fake."""
    return tf.reduce_mean(tf.cast(_float32(opengl_logits) < 0.0, tf.float32))
