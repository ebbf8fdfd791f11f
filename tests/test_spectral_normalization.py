"""Tests for iggan_tf.nets.spectral_normalization: W / sigma(W) in every call, gradients through sigma, the
power iteration advancing only in training calls, serialization and checkpointing of u."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from iggan_tf.nets import SpectralNormalization

INPUTS = tf.random.stateless_uniform([3, 6], seed=(1, 2))


# Singular values of the test kernels: a gap of 2 between the first two makes the power iteration's error in sigma
# (second / first)^(2 k) = 4^-k, so 60 steps converge whatever u starts from. A random Glorot kernel gave no such
# bound: about 8% of them have sigma still off by more than 1e-5 after 60 steps, and the tests flaked.
SINGULAR_VALUES = (2.0, 1.0, 0.6, 0.3)


def _kernel_with_singular_values(rows: int, units: int, seed: int = 0) -> np.ndarray:
    """A [rows, units] kernel U diag(SINGULAR_VALUES[:units]) V^T with random orthonormal U and V."""
    rng = np.random.default_rng(seed)
    left, _ = np.linalg.qr(rng.normal(size=(rows, units)))
    right, _ = np.linalg.qr(rng.normal(size=(units, units)))
    return left @ np.diag(SINGULAR_VALUES[:units]) @ right.T


def _dense(units=4, dtype="float32", seed=0) -> SpectralNormalization:
    """A built spectrally normalized dense layer on 6 input features, its kernel of known spectrum (U, V by `seed`)."""
    layer = SpectralNormalization(keras.layers.Dense(units, dtype=dtype), dtype=dtype)
    layer.build(INPUTS.shape)
    layer.layer.kernel.assign(_kernel_with_singular_values(INPUTS.shape[-1], units, seed).astype(dtype))
    return layer


def _largest_singular_value(kernel) -> float:
    kernel = np.asarray(kernel)
    return float(np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0])


def _converge(layer: SpectralNormalization, steps: int = 60) -> None:
    for _ in range(steps):
        layer(INPUTS, training=True)


def test_sigma_converges_to_the_largest_singular_value():
    layer = _dense()
    _converge(layer)
    kernel = layer.layer.kernel.numpy()
    assert float(layer.sigma()) == pytest.approx(_largest_singular_value(kernel), rel=1e-4)
    # The output is the wrapped dense layer's with its kernel divided by the largest singular value.
    plain = INPUTS.numpy() @ (kernel / _largest_singular_value(kernel)) + layer.layer.bias.numpy()
    np.testing.assert_allclose(layer(INPUTS, training=False).numpy(), plain, rtol=1e-4, atol=1e-6)


def test_the_estimate_ignores_the_norm_of_the_stored_u():
    layer = _dense()
    sigma = float(layer.sigma())
    assert 0.0 < sigma <= _largest_singular_value(layer.layer.kernel.numpy()) * (1 + 1e-6)  # u^T W v, u and v unit
    layer.vector_u.assign(1000.0 * layer.vector_u)
    assert float(layer.sigma()) == pytest.approx(sigma, rel=1e-6)


def test_the_kernel_variable_is_never_overwritten():
    layer = _dense()
    kernel = layer.layer.kernel.numpy().copy()
    layer(INPUTS, training=True)
    layer(INPUTS, training=False)
    np.testing.assert_array_equal(layer.layer.kernel.numpy(), kernel)


def test_u_advances_in_training_calls_only():
    layer = _dense()
    u = layer.vector_u.numpy().copy()
    layer(INPUTS, training=False)
    np.testing.assert_array_equal(layer.vector_u.numpy(), u)
    layer(INPUTS, training=True)
    assert not np.allclose(layer.vector_u.numpy(), u)


def test_training_and_inference_agree_once_converged_but_not_before():
    layer = _dense()
    layer.vector_u.assign(tf.random.stateless_normal(layer.vector_u.shape, seed=(3, 4)))
    # Fresh u: the inference estimate (from u) and the training one (from u advanced once) differ.
    inference = layer(INPUTS, training=False).numpy()
    assert not np.allclose(layer(INPUTS, training=True).numpy(), inference, rtol=1e-3)
    _converge(layer)
    np.testing.assert_allclose(
        layer(INPUTS, training=True).numpy(), layer(INPUTS, training=False).numpy(), rtol=1e-5, atol=1e-7
    )


@pytest.mark.parametrize("training", [False, True])
def test_scaling_the_kernel_leaves_the_output_unchanged(training):
    layer = _dense()
    scaled = SpectralNormalization.from_config(layer.get_config())
    scaled.build(INPUTS.shape)
    scaled.set_weights(layer.get_weights())
    scaled.layer.kernel.assign(10.0 * layer.layer.kernel)
    for _ in range(3):  # the power iteration runs the same way for W and 10 W
        np.testing.assert_allclose(
            scaled(INPUTS, training=training).numpy(), layer(INPUTS, training=training).numpy(), rtol=1e-5, atol=1e-6
        )


def test_the_kernel_gradient_flows_through_sigma():
    """In inference mode the output is an exact function of W (u fixed): its finite difference is the gradient."""
    layer = _dense(units=3, dtype="float64")
    _converge(layer, steps=3)  # u near, not at, the singular vector: a general case
    inputs = tf.cast(INPUTS, tf.float64)
    weights = tf.constant(np.random.default_rng(5).normal(size=(3, 3)))

    def loss(kernel=None):
        if kernel is not None:
            layer.layer.kernel.assign(kernel)
        return float(tf.reduce_sum(layer(inputs, training=False) * weights))

    kernel = layer.layer.kernel.numpy().copy()
    with tf.GradientTape() as tape:
        value = tf.reduce_sum(layer(inputs, training=False) * weights)
    gradient = tape.gradient(value, layer.layer.kernel).numpy()
    step = 1e-6
    finite_difference = np.zeros_like(kernel)
    for index in np.ndindex(kernel.shape):
        up, down = kernel.copy(), kernel.copy()
        up[index] += step
        down[index] -= step
        finite_difference[index] = (loss(up) - loss(down)) / (2 * step)
    np.testing.assert_allclose(gradient, finite_difference, rtol=1e-5, atol=1e-8)
    # Holding sigma constant (as an overwritten kernel does) gives a different gradient.
    layer.layer.kernel.assign(kernel)
    sigma = float(layer.sigma())
    constant_sigma_gradient = inputs.numpy().T @ weights.numpy() / sigma
    assert np.abs(constant_sigma_gradient - finite_difference).max() > 1e-2 * np.abs(finite_difference).max()


def test_a_tf_function_training_call_advances_u_and_matches_eager():
    layer = _dense()
    eager = SpectralNormalization.from_config(layer.get_config())
    eager.build(INPUTS.shape)
    eager.set_weights(layer.get_weights())
    compiled = tf.function(lambda inputs: layer(inputs, training=True))
    # atol: a graph may order float32 sums differently, so outputs near 0 differ in their last bits (3e-8 seen).
    for _ in range(2):
        np.testing.assert_allclose(
            compiled(INPUTS).numpy(), eager(INPUTS, training=True).numpy(), rtol=1e-6, atol=1e-6
        )
    np.testing.assert_allclose(layer.vector_u.numpy(), eager.vector_u.numpy(), rtol=1e-6, atol=1e-6)


def test_config_round_trip_gives_the_same_layer():
    layer = SpectralNormalization(keras.layers.Conv2D(5, 3, strides=2, padding="same"), name="conv_sn")
    images = tf.random.stateless_uniform([2, 8, 8, 2], seed=(5, 6))
    layer(images)
    config = layer.get_config()
    rebuilt = keras.layers.deserialize(keras.layers.serialize(layer))  # built from the config's build_config
    rebuilt.set_weights(layer.get_weights())
    assert isinstance(rebuilt, SpectralNormalization) and rebuilt.get_config() == config
    assert keras.saving.get_registered_object("iggan_tf>SpectralNormalization") is SpectralNormalization
    for training in (True, False):
        np.testing.assert_array_equal(rebuilt(images, training=training), layer(images, training=training))


def test_checkpoint_restores_u(tmp_path):
    layer = _dense()
    _converge(layer, steps=5)
    path = tf.train.Checkpoint(layer=layer).save(str(tmp_path / "ckpt"))
    restored = _dense(seed=1)
    assert not np.allclose(restored.vector_u.numpy(), layer.vector_u.numpy())
    assert not np.allclose(restored.layer.kernel.numpy(), layer.layer.kernel.numpy())
    tf.train.Checkpoint(layer=restored).restore(path).assert_consumed()
    np.testing.assert_array_equal(restored.vector_u.numpy(), layer.vector_u.numpy())
    np.testing.assert_array_equal(restored.layer.kernel.numpy(), layer.layer.kernel.numpy())


def test_mixed_precision_estimates_sigma_in_float32():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        layer = SpectralNormalization(keras.layers.Dense(4))
        outputs = layer(INPUTS, training=True)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert outputs.dtype == tf.bfloat16
    assert layer.vector_u.dtype == "float32" and layer.sigma().dtype == tf.float32


def test_a_layer_without_a_kernel_is_rejected():
    with pytest.raises(ValueError, match="layer must have a kernel"):
        SpectralNormalization(keras.layers.Flatten()).build((None, 4, 4))
