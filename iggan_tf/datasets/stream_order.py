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


def positions_of_pipeline(count: int, seed: int, batch_size: int, first_batch: int = 0,
                          stop_position: int | None = None, input_context=None) -> tf.data.Dataset:
    """positions() from batch `first_batch` on, as one input pipeline of a tf.distribute run reads them: batch k is
    positions [k * batch_size, (k + 1) * batch_size) (batch_size the global batch), cut into as many equal runs of
    consecutive positions as `input_context` (a tf.distribute.InputContext) has pipelines, and pipeline i keeps
    run i. The pipelines together read every batch of the single-device stream, and no pipeline reads, decodes or
    renders another's examples. Without an input context, or with one pipeline, this is the whole stream."""
    stream = positions(count, seed, first_batch * batch_size, stop_position)
    pipelines = 1 if input_context is None else input_context.num_input_pipelines
    if pipelines == 1:
        return stream
    if batch_size % pipelines:
        raise ValueError(f"batch_size {batch_size} must split evenly over {pipelines} input pipelines")
    run, pipeline = batch_size // pipelines, input_context.input_pipeline_id
    return stream.filter(lambda element: element["position"] % batch_size // run == pipeline)


def replica_batch_size(batch_size: int, input_context=None) -> int:
    """The batch one replica takes of the global `batch_size` (all of it without an input context)."""
    return batch_size if input_context is None else input_context.get_per_replica_batch_size(batch_size)
