"""Binarization of continuous occupancy by a global threshold per sample (paper 4.1: x_d = 1[x_c > t], t ~ U[0, 1]).

The binary voxels x_d are what the OpenGL renderer draws and what the neural renderer is fitted to in the L2
term. Randomness is stateless when a seed is given, so a training step can be replayed exactly.
"""

import numbers

import tensorflow as tf


def sample_thresholds(batch_size, seed=None) -> tf.Tensor:
    """Thresholds t float32 [batch_size] drawn from U[0, 1).

    `seed`: None for TensorFlow's global random state, or an int / shape-[2] integer tensor for stateless,
    reproducible draws (inside a tf.function pass e.g. (run_seed, step) to get a new draw every step).
    """
    if not tf.is_tensor(batch_size) and (
        isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    shape = tf.reshape(tf.cast(batch_size, tf.int32), [1])
    if seed is None:
        return tf.random.uniform(shape, dtype=tf.float32)
    return tf.random.stateless_uniform(shape, seed=_stateless_seed(seed), dtype=tf.float32)


def binarize(continuous_voxels, thresholds=None, seed=None) -> tf.Tensor:
    """Binary voxels x_d = 1[x_c > t] of the same shape and dtype as `continuous_voxels` x_c ([B, ...]).

    `thresholds` t [B]: one global threshold per sample; None draws them with `sample_thresholds(B, seed)`.
    Pass thresholds explicitly when the caller needs them too (e.g. to log or to reuse for a second render).
    Not differentiable: the neural renderer, not this step, carries gradients to the generator.
    """
    continuous_voxels = tf.convert_to_tensor(continuous_voxels)
    if not continuous_voxels.dtype.is_floating:
        raise ValueError(f"continuous_voxels must be floating point, got dtype {continuous_voxels.dtype.name}")
    rank = continuous_voxels.shape.rank
    if rank is None or rank < 2:
        raise ValueError(f"continuous_voxels must have shape [B, ...] with rank >= 2, got shape "
                         f"{continuous_voxels.shape}")
    batch_size = continuous_voxels.shape[0]
    if thresholds is None:
        thresholds = sample_thresholds(tf.shape(continuous_voxels)[0] if batch_size is None else batch_size, seed)
    else:
        if seed is not None:
            raise ValueError("seed is only used to draw thresholds; pass either thresholds or seed, not both")
        thresholds = tf.convert_to_tensor(thresholds)
        if not (thresholds.dtype.is_floating or thresholds.dtype.is_integer):
            raise ValueError(f"thresholds must be numeric, got dtype {thresholds.dtype.name}")
        if thresholds.shape.rank != 1:
            raise ValueError(f"thresholds must have shape [B], got shape {thresholds.shape}")
        if thresholds.shape[0] is not None and batch_size is not None and thresholds.shape[0] != batch_size:
            raise ValueError(f"thresholds has {thresholds.shape[0]} entries but continuous_voxels has batch size "
                             f"{batch_size}")
    # Compare in float32: bfloat16 would round the threshold to 8 bits and bias x_d.
    thresholds = tf.reshape(tf.cast(thresholds, tf.float32), [-1] + [1] * (rank - 1))
    return tf.cast(tf.cast(continuous_voxels, tf.float32) > thresholds, continuous_voxels.dtype)


def _stateless_seed(seed) -> tf.Tensor:
    if isinstance(seed, bool):
        raise ValueError(f"seed must be an int or a shape-[2] integer tensor, got {seed!r}")
    if isinstance(seed, numbers.Integral):
        return tf.constant([int(seed), 0], tf.int64)
    seed = tf.convert_to_tensor(seed)
    if not seed.dtype.is_integer or seed.shape.rank != 1 or seed.shape[0] not in (2, None):
        raise ValueError(f"seed must be an int or a shape-[2] integer tensor, got {seed!r}")
    return seed
