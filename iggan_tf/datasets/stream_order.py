"""Which example a training stream shows at each position: epoch k = position // count visits every example once,
in an order drawn from (seed, k) alone, so the batch of step s follows from s and a resumed run continues the
stream where the checkpointed step says.

Chosen over checkpointing tf.data iterators: an iterator's checkpoint would hold the in-memory images of the
stored views (gigabytes at paper scale) and cannot hold the online-views pipeline at all (it renders through
tf.py_function, whose state tf.data cannot save); a position is one integer the training step already counts.
"""

import tensorflow as tf


def example_at(position, count: int, seed: int) -> dict:
    """{"epoch", "example_index"} (int64 scalars) of stream `position` over `count` examples."""
    position = tf.convert_to_tensor(position, tf.int64)
    epoch, offset = position // count, position % count
    # A stateless permutation of 0..count-1 per epoch, evaluated at one index: no epoch's order is ever stored.
    example_index = tf.random.experimental.index_shuffle(
        offset, seed=tf.stack([tf.constant(seed, tf.int64), epoch]), max_index=tf.constant(count - 1, tf.int64)
    )
    return {"epoch": epoch, "example_index": example_index}


def positions(count: int, seed: int, first_position: int = 0, stop_position: int | None = None) -> tf.data.Dataset:
    """{"position", "epoch", "example_index"} for positions first_position, first_position + 1, ... up to
    `stop_position` (exclusive; None: forever)."""
    for name, value, minimum in (("count", count, 1), ("seed", seed, 0), ("first_position", first_position, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    stop = tf.int64.max if stop_position is None else stop_position
    return tf.data.Dataset.range(first_position, stop).map(
        lambda position: {"position": position, **example_at(position, count, seed)}
    )
