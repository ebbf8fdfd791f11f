"""Differentiable augmentation of D's inputs (DiffAugment, Zhao et al. 2020), not in the paper.

On a few thousand dataset images D can memorize them, and a memorizing D gives G no useful gradient. Every image
D sees is transformed at random, dataset images and renders alike, by operations that are differentiable in the
image, so the generator's gradient still flows through the transformed neural renders. Randomness comes from the
model's checkpointed tf.random.Generator: a resumed run draws the same transforms.
"""

import tensorflow as tf

# Translation: each image moves by up to this share of its side, the uncovered border filled with background (0).
_TRANSLATION_SHARE = 0.125
# Cutout: a square of this share of the side, placed at random, is set to background.
_CUTOUT_SHARE = 0.5

POLICIES = ("translation", "cutout", "color")


def parse_policy(text: str) -> tuple[str, ...]:
    """'translation,cutout' -> ('translation', 'cutout'); '' -> (). ValueError naming `augment` otherwise."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in POLICIES]
    if unknown or len(set(names)) != len(names):
        raise ValueError(f"augment must be a comma-separated subset of {', '.join(POLICIES)} without repeats, got {text!r}")
    return names


class DifferentiableAugmentation:
    """Random transforms of image batches [B, S, S, C] in [0, 1]: `draw` the parameters of a batch, then `apply`
    them to one or several batches (the renderer's DOM loss compares D on an OpenGL render and on the neural
    render of the same shape, so both get the same transform)."""

    def __init__(self, policy: str):
        """`policy`: the --augment text, e.g. "translation,cutout" ("" for none)."""
        self.policy = parse_policy(policy)

    def draw(self, batch_size, image_size: int, random_generator: tf.random.Generator) -> dict:
        parameters = {}
        if "translation" in self.policy:
            reach = int(image_size * _TRANSLATION_SHARE + 0.5)
            parameters["shift"] = random_generator.uniform([batch_size, 2], -reach, reach + 1, dtype=tf.int32)
        if "cutout" in self.policy:
            parameters["cutout_centre"] = random_generator.uniform([batch_size, 2], 0, image_size, dtype=tf.int32)
        if "color" in self.policy:
            parameters["brightness"] = random_generator.uniform([batch_size, 1, 1, 1], -0.5, 0.5)
            parameters["contrast"] = random_generator.uniform([batch_size, 1, 1, 1], 0.5, 1.5)
        return parameters

    def apply(self, images, parameters: dict):
        if "color" in self.policy:
            images = images + tf.cast(parameters["brightness"], images.dtype)
            mean = tf.reduce_mean(images, axis=(1, 2, 3), keepdims=True)
            images = (images - mean) * tf.cast(parameters["contrast"], images.dtype) + mean
        if "translation" in self.policy:
            images = _translate(images, parameters["shift"])
        if "cutout" in self.policy:
            images = _cut_out(images, parameters["cutout_centre"])
        return images


def _translate(images, shift):
    """Moves image b by shift[b] = (rows, columns) pixels; pixels that come from outside are 0."""
    size = images.shape[1]
    positions = tf.range(size)[tf.newaxis, :]  # [1, S]
    rows = positions - shift[:, 0:1]  # [B, S]: the source row of each output row
    columns = positions - shift[:, 1:2]
    inside_rows = tf.cast((rows >= 0) & (rows < size), images.dtype)
    inside_columns = tf.cast((columns >= 0) & (columns < size), images.dtype)
    moved = tf.gather(images, tf.clip_by_value(rows, 0, size - 1), axis=1, batch_dims=1)
    moved = tf.gather(moved, tf.clip_by_value(columns, 0, size - 1), axis=2, batch_dims=1)
    return moved * inside_rows[:, :, tf.newaxis, tf.newaxis] * inside_columns[:, tf.newaxis, :, tf.newaxis]


def _cut_out(images, centre):
    """Sets the square of side _CUTOUT_SHARE * S whose upper-left quarter ends at centre[b] to 0 (clipped at the
    border)."""
    size = images.shape[1]
    half = int(size * _CUTOUT_SHARE + 0.5) // 2
    positions = tf.range(size)[tf.newaxis, :]
    offset_rows, offset_columns = positions - centre[:, 0:1], positions - centre[:, 1:2]  # [B, S]
    outside_rows = (offset_rows < -half) | (offset_rows >= half)
    outside_columns = (offset_columns < -half) | (offset_columns >= half)
    keep = outside_rows[:, :, tf.newaxis] | outside_columns[:, tf.newaxis, :]  # [B, S, S]
    return images * tf.cast(keep, images.dtype)[..., tf.newaxis]
