"""Tests for iggan_tf.gan: losses, view sampling and the three-way IGGAN train_step, with a fake OpenGL renderer.

The fake renderer is the silhouette of the view transform (max over depth) behind a tf.py_function, so the step
sees the same kind of non-differentiable callable as with the real render pool, without OpenGL.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from iggan_tf.gan import IGGAN, Hyperparameters, UniformViewSampler, losses
from iggan_tf.geometry.cameras import ViewRange
from iggan_tf.geometry.view_grid import view_transform
from iggan_tf.nets import (
    DiscriminatorConfig,
    GeneratorConfig,
    RenderNetConfig,
    make_discriminator,
    make_generator,
    make_rendernet,
)

VOXEL_SIZE = 8
IMAGE_SIZE = 16
LATENT_DIM = 6
BATCH_SIZE = 4


def silhouette_render(binary_voxels, azimuth, elevation):
    """Stands in for OpenGL: what the camera sees of the voxels, white on black, [B, 2N, 2N, 1]."""

    def render(voxels, azimuth, elevation):
        return tf.reduce_max(view_transform(voxels, azimuth, elevation), axis=3)

    images = tf.py_function(render, [binary_voxels, azimuth, elevation], Tout=tf.float32)
    images.set_shape([binary_voxels.shape[0], IMAGE_SIZE, IMAGE_SIZE, 1])
    return images


def make_networks():
    generator = make_generator(GeneratorConfig(voxel_size=VOXEL_SIZE, latent_dim=LATENT_DIM, width=4))
    rendernet = make_rendernet(
        RenderNetConfig(voxel_size=VOXEL_SIZE, image_size=IMAGE_SIZE, width=2, projection_channels=8)
    )
    discriminator = make_discriminator(DiscriminatorConfig(image_size=IMAGE_SIZE, width=4))
    return generator, rendernet, discriminator


def make_gan(hyperparameters=Hyperparameters(), seed=0, renderer=silhouette_render) -> IGGAN:
    gan = IGGAN(
        *make_networks(),
        opengl_render=renderer,
        view_sampler=UniformViewSampler(ViewRange(azimuth=(0.0, 360.0), elevation=(-30.0, 60.0))),
        hyperparameters=hyperparameters,
        seed=seed,
    )
    gan.compile()
    return gan


def real_images(count=BATCH_SIZE, seed=0) -> tf.Tensor:
    """Dataset stand-in: silhouettes of random boxes from random views."""
    rng = np.random.default_rng(seed)
    voxels = np.zeros([count, VOXEL_SIZE, VOXEL_SIZE, VOXEL_SIZE, 1], np.float32)
    for grid in voxels:
        low = rng.integers(0, 3, size=3)
        high = rng.integers(5, VOXEL_SIZE, size=3)
        grid[low[0] : high[0], low[1] : high[1], low[2] : high[2]] = 1.0
    azimuth = rng.uniform(0, 360, count).astype(np.float32)
    elevation = rng.uniform(-30, 60, count).astype(np.float32)
    return tf.reduce_max(view_transform(tf.constant(voxels), azimuth, elevation), axis=3)


def snapshot(model: keras.Model) -> list:
    return [variable.numpy().copy() for variable in model.variables]


def changed(before: list, model: keras.Model) -> list:
    """Per variable of `model`: whether it differs from `before`."""
    return [not np.array_equal(value, variable.numpy()) for value, variable in zip(before, model.variables)]


def trainable_flags(model: keras.Model) -> list:
    trainable = {id(variable) for variable in model.trainable_variables}
    return [id(variable) in trainable for variable in model.variables]


def step_inputs(gan: IGGAN, seed=1):
    """What train_step computes before its sub-steps: views, x_c on a generator tape, x_d, y_d."""
    latent_vectors = tf.random.normal([BATCH_SIZE, LATENT_DIM], seed=seed)
    azimuth, elevation = gan.view_sampler(BATCH_SIZE, tf.random.Generator.from_seed(seed))
    with tf.GradientTape() as generator_tape:
        continuous_voxels = gan.generator(latent_vectors, training=True)
    binary_voxels = tf.cast(continuous_voxels > 0.5, tf.float32)
    opengl_images = silhouette_render(binary_voxels, azimuth, elevation)
    return latent_vectors, generator_tape, continuous_voxels, binary_voxels, opengl_images, azimuth, elevation


def log_sigmoid(x: float) -> float:
    return math.log(1.0 / (1.0 + math.exp(-x)))


# Losses


def test_dom_loss_matches_a_hand_computation():
    opengl_logits = tf.constant([[2.0], [-1.0]])
    neural_logits = tf.constant([[0.5], [0.0]])
    expected = ((log_sigmoid(2.0) - log_sigmoid(0.5)) ** 2 + (log_sigmoid(-1.0) - log_sigmoid(0.0)) ** 2) / 2
    assert float(losses.discriminator_output_matching(opengl_logits, neural_logits)) == pytest.approx(expected)


def test_dom_loss_is_finite_where_d_is_certain():
    value = losses.discriminator_output_matching(tf.constant([[-200.0]]), tf.constant([[200.0]]))
    assert float(value) == pytest.approx(200.0**2)


def test_gan_losses_match_hand_computations():
    real_logits = tf.constant([[1.0], [3.0]])
    opengl_logits = tf.constant([[-2.0], [0.5]])
    expected_d = -(log_sigmoid(1.0) + log_sigmoid(3.0)) / 2 - (log_sigmoid(2.0) + log_sigmoid(-0.5)) / 2
    assert float(losses.discriminator_loss(real_logits, opengl_logits)) == pytest.approx(expected_d)
    assert float(losses.generator_loss(opengl_logits)) == pytest.approx(-(log_sigmoid(-2.0) + log_sigmoid(0.5)) / 2)
    assert float(losses.accuracy_on_real(tf.constant([[1.0], [-1.0], [2.0], [0.5]]))) == 0.75
    assert float(losses.accuracy_on_opengl(opengl_logits)) == 0.5


def test_rendering_l2_is_the_mean_squared_error_per_pixel_on_the_papers_pixel_count():
    opengl_images = np.zeros([2, 3, 3, 1], np.float32)
    neural_images = np.zeros([2, 3, 3, 1], np.float32)
    neural_images[0, 0, 0, 0] = 0.5
    neural_images[0, 2, 1, 0] = 1.0
    neural_images[1, 1, 1, 0] = -0.5
    expected = 128 * 128 * (0.25 + 1.0 + 0.25) / (2 * 3 * 3)
    assert float(losses.rendering_l2(opengl_images, neural_images)) == pytest.approx(expected)


@pytest.mark.parametrize("channels", [1, 3])
def test_rendering_l2_is_the_papers_summed_norm_at_128_and_the_same_at_64_for_the_same_error(channels):
    """The DOM/L2 balance that lambda sets must not depend on the image size."""
    rng = np.random.default_rng(0)
    per_pixel_error = rng.uniform(-1.0, 1.0, size=[2, 1, 1, channels]).astype(np.float32)
    values = {}
    for size in (64, 128):
        opengl_images = rng.uniform(0.0, 1.0, size=[2, size, size, channels]).astype(np.float32)
        neural_images = opengl_images + np.broadcast_to(per_pixel_error, opengl_images.shape)
        values[size] = float(losses.rendering_l2(opengl_images, neural_images))
        if size == 128:  # eq. (5): ||R(x_d) - R_d(x_d)||^2 over the whole image, averaged over the batch
            summed = np.mean(np.sum((neural_images - opengl_images) ** 2, axis=(1, 2, 3)))
            assert values[size] == pytest.approx(summed, rel=1e-5)
    assert values[64] == pytest.approx(values[128], rel=1e-5)


# Views and hyper-parameters


def test_view_sampler_draws_inside_the_range():
    sampler = UniformViewSampler(ViewRange(azimuth=(-60.0, 60.0), elevation=(15.0, 60.0)))
    azimuth, elevation = sampler(500, tf.random.Generator.from_seed(3))
    assert azimuth.shape == (500,) and azimuth.dtype == tf.float32 and elevation.shape == (500,)
    assert -60.0 <= azimuth.numpy().min() and azimuth.numpy().max() <= 60.0
    assert 15.0 <= elevation.numpy().min() and elevation.numpy().max() <= 60.0
    # Uniform, not clumped: every sixth of the azimuth range is hit.
    assert len(np.unique(np.floor((azimuth.numpy() + 60.0) / 20.0))) == 6


def test_view_sampler_rejects_a_range_that_is_not_a_view_range():
    with pytest.raises(ValueError, match="view_range"):
        UniformViewSampler((0.0, 360.0))


def test_hyperparameters_default_to_the_paper():
    h = Hyperparameters()
    assert (h.generator_learning_rate, h.discriminator_learning_rate, h.renderer_learning_rate) == (2e-4, 2e-4, 2e-5)
    assert h.dom_weight == 100.0 and h.train_renderer


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"renderer_learning_rate": 0.0}, "renderer_learning_rate"),
        ({"generator_learning_rate": float("nan")}, "generator_learning_rate"),
        ({"dom_weight": -1.0}, "dom_weight"),
        ({"adam_beta_1": 1.0}, "adam_beta_1"),
        ({"train_renderer": "no"}, "train_renderer"),
        ({"generator_ema_decay": 1.0}, "generator_ema_decay"),
        ({"generator_ema_decay": -0.1}, "generator_ema_decay"),
    ],
)
def test_hyperparameters_reject_bad_values(fields, message):
    with pytest.raises(ValueError, match=message):
        Hyperparameters(**fields)


# The model


def test_mismatched_networks_are_rejected():
    generator, rendernet, discriminator = make_networks()
    sampler = UniformViewSampler(ViewRange())
    other_generator = make_generator(GeneratorConfig(voxel_size=16, latent_dim=LATENT_DIM, width=2))
    with pytest.raises(ValueError, match="generator makes"):
        IGGAN(other_generator, rendernet, discriminator, silhouette_render, sampler)
    other_discriminator = make_discriminator(DiscriminatorConfig(image_size=2 * IMAGE_SIZE, width=2))
    with pytest.raises(ValueError, match="discriminator takes"):
        IGGAN(generator, rendernet, other_discriminator, silhouette_render, sampler)
    with pytest.raises(ValueError, match="opengl_render"):
        IGGAN(generator, rendernet, discriminator, "pyrender", sampler)


def test_compile_refuses_xla_and_a_keras_optimizer():
    gan = IGGAN(*make_networks(), silhouette_render, UniformViewSampler(ViewRange()))
    with pytest.raises(ValueError, match="jit_compile"):
        gan.compile(jit_compile=True)
    with pytest.raises(ValueError, match="optimizer"):
        gan.compile(optimizer="adam")


def test_discriminator_step_changes_only_the_discriminator():
    gan = make_gan()
    _, _, _, _, opengl_images, _, _ = step_inputs(gan)
    before = {name: snapshot(getattr(gan, name)) for name in ("generator", "rendernet", "discriminator")}
    d_loss, d_r1, real_logits, opengl_logits = gan.discriminator_step(real_images(), opengl_images)
    assert float(d_r1) == 0.0  # no R1 penalty unless r1_weight > 0
    assert all(changed(before["discriminator"], gan.discriminator))  # weights, and spectral norms' vectors u
    assert not any(changed(before["generator"], gan.generator))
    assert not any(changed(before["rendernet"], gan.rendernet))
    assert real_logits.shape == opengl_logits.shape == (BATCH_SIZE, 1)
    assert float(d_loss) == pytest.approx(float(losses.discriminator_loss(real_logits, opengl_logits)))


def test_renderer_step_changes_only_the_renderer_and_reports_l2_and_dom():
    gan = make_gan()
    _, _, continuous_voxels, binary_voxels, opengl_images, azimuth, elevation = step_inputs(gan)
    # Expected losses, from the networks as they are before the step (D is frozen during it).
    neural_binary = gan.rendernet([binary_voxels, azimuth, elevation]).numpy()
    neural_continuous = gan.rendernet([continuous_voxels, azimuth, elevation])
    opengl_log_d = [log_sigmoid(x) for x in gan.discriminator(opengl_images).numpy()[:, 0]]
    neural_log_d = [log_sigmoid(x) for x in gan.discriminator(neural_continuous).numpy()[:, 0]]
    expected_l2 = 128 * 128 * np.mean(np.sum((neural_binary - opengl_images.numpy()) ** 2, axis=3))
    expected_dom = np.mean((np.array(opengl_log_d) - np.array(neural_log_d)) ** 2)

    before = {name: snapshot(getattr(gan, name)) for name in ("generator", "rendernet", "discriminator")}
    r_l2, r_dom = gan.renderer_step(continuous_voxels, binary_voxels, opengl_images, azimuth, elevation)
    assert all(changed(before["rendernet"], gan.rendernet))
    assert not any(changed(before["discriminator"], gan.discriminator))
    assert not any(changed(before["generator"], gan.generator))
    assert float(r_l2) == pytest.approx(expected_l2, rel=1e-5)
    assert float(r_dom) == pytest.approx(expected_dom, rel=1e-4)


def test_generator_step_changes_only_the_generator_weights():
    gan = make_gan()
    _, generator_tape, continuous_voxels, _, _, azimuth, elevation = step_inputs(gan)
    before = {name: snapshot(getattr(gan, name)) for name in ("generator", "rendernet", "discriminator")}
    gan.generator_step(generator_tape, continuous_voxels, azimuth, elevation)
    # Batch-norm statistics moved with G's forward pass before the step; the step moves exactly the weights.
    assert changed(before["generator"], gan.generator) == trainable_flags(gan.generator)
    assert not any(changed(before["rendernet"], gan.rendernet))
    assert not any(changed(before["discriminator"], gan.discriminator))


def test_generator_step_applies_the_gradient_of_log_d_of_r_of_g():
    gan = make_gan()
    gan.generator_optimizer = keras.optimizers.SGD(learning_rate=1.0)
    latent_vectors, generator_tape, continuous_voxels, _, _, azimuth, elevation = step_inputs(gan)
    with tf.GradientTape() as direct_tape:
        direct_voxels = gan.generator(latent_vectors, training=True)
        neural_images = gan.rendernet([direct_voxels, azimuth, elevation])
        g_loss = losses.generator_loss(gan.discriminator(neural_images))
    expected = direct_tape.gradient(g_loss, gan.generator.trainable_variables)
    before = [variable.numpy().copy() for variable in gan.generator.trainable_variables]
    gan.generator_step(generator_tape, continuous_voxels, azimuth, elevation)
    for value, variable, gradient in zip(before, gan.generator.trainable_variables, expected):
        np.testing.assert_allclose(value - variable.numpy(), gradient.numpy(), rtol=1e-4, atol=1e-7)


def test_fit_runs_the_step_in_a_tf_function_and_reports_every_metric():
    gan = make_gan()
    before = {name: snapshot(getattr(gan, name)) for name in ("generator", "rendernet", "discriminator")}
    dataset = tf.data.Dataset.from_tensor_slices(real_images(2 * BATCH_SIZE)).batch(BATCH_SIZE)
    history = gan.fit(dataset, epochs=1, shuffle=False, verbose=0)
    names = ["d_loss", "d_accuracy_real", "d_accuracy_opengl", "r_l2", "r_dom", "r_dom_weighted", "g_loss"]
    assert sorted(history.history) == sorted(names)
    assert all(np.isfinite(history.history[name][0]) for name in names)
    assert 0.0 <= history.history["d_accuracy_real"][0] <= 1.0
    assert gan.generator_optimizer.iterations.numpy() == 2
    assert gan.discriminator_optimizer.iterations.numpy() == 2
    assert gan.renderer_optimizer.iterations.numpy() == 2
    assert gan.optimizer is None  # no fourth optimizer: its slots would double the memory of all three networks
    for name in ("generator", "rendernet", "discriminator"):
        network = getattr(gan, name)
        moved = changed(before[name], network)
        assert all(moved[index] for index, trainable in enumerate(trainable_flags(network)) if trainable)


def test_fixed_renderer_is_measured_but_not_updated():
    gan = make_gan(Hyperparameters(train_renderer=False))
    before = {name: snapshot(getattr(gan, name)) for name in ("generator", "rendernet", "discriminator")}
    logs = gan.train_step(real_images())
    assert not any(changed(before["rendernet"], gan.rendernet))
    assert any(changed(before["generator"], gan.generator)) and any(changed(before["discriminator"], gan.discriminator))
    assert float(logs["r_l2"]) > 0.0 and np.isfinite(float(logs["r_dom"]))
    # Both terms of eq. (9) as the renderer's loss weighs them: r_l2 (weight 1) and lambda * r_dom.
    assert float(logs["r_dom_weighted"]) == pytest.approx(gan.hyperparameters.dom_weight * float(logs["r_dom"]))
    assert gan.renderer_optimizer.iterations.numpy() == 0


def test_without_a_weight_average_g_itself_samples():
    gan = make_gan()
    assert gan.averaged_generator is None and gan.sampling_generator is gan.generator


def test_weight_average_follows_g_with_the_warmed_up_decay():
    gan = make_gan(Hyperparameters(generator_ema_decay=0.9))
    assert gan.sampling_generator is gan.averaged_generator
    initial = [weight.numpy().copy() for weight in gan.generator.weights]
    for average, weight in zip(gan.averaged_generator.weights, initial):
        np.testing.assert_array_equal(average.numpy(), weight)
    for step in (1, 2):
        previous = [average.numpy().copy() for average in gan.averaged_generator.weights]
        gan.train_step(real_images(seed=step))
        decay = min(0.9, (1 + step) / (10 + step))  # warm-up: 2/11, then 3/12
        for average, old, weight in zip(gan.averaged_generator.weights, previous, gan.generator.weights):
            np.testing.assert_allclose(average.numpy(), decay * old + (1 - decay) * weight.numpy(), rtol=1e-5, atol=1e-7)
    # The average lags behind G: its weights, and so its shapes, differ after G has moved.
    z = tf.random.normal([2, LATENT_DIM], seed=3)
    assert not np.allclose(gan.averaged_generator(z, training=False), gan.generator(z, training=False))


def test_a_non_finite_renderer_output_shows_in_the_losses():
    def broken_render(binary_voxels, azimuth, elevation):
        return silhouette_render(binary_voxels, azimuth, elevation) * float("nan")

    logs = make_gan(renderer=broken_render).train_step(real_images())
    assert not np.isfinite(float(logs["d_loss"])) and not np.isfinite(float(logs["r_l2"]))


def test_checkpoint_restores_networks_optimizers_and_random_state(tmp_path):
    gan = make_gan(seed=7)
    gan.train_step(real_images())
    path = tf.train.Checkpoint(gan=gan).save(str(tmp_path / "ckpt"))

    restored = make_gan(seed=123)
    tf.train.Checkpoint(gan=restored).restore(path).assert_existing_objects_matched()
    latent_vectors = tf.random.normal([2, LATENT_DIM], seed=4)
    voxels = gan.generator(latent_vectors, training=False)
    np.testing.assert_array_equal(restored.generator(latent_vectors, training=False), voxels)
    views = [tf.constant([10.0, 200.0]), tf.constant([0.0, 45.0])]
    images = gan.rendernet([voxels, *views])
    np.testing.assert_array_equal(restored.rendernet([voxels, *views]), images)
    np.testing.assert_array_equal(restored.discriminator(images), gan.discriminator(images))
    for name in ("generator_optimizer", "discriminator_optimizer", "renderer_optimizer"):
        original, copy = getattr(gan, name), getattr(restored, name)
        assert copy.iterations.numpy() == original.iterations.numpy() == 1
        for a, b in zip(original.variables, copy.variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    # Same random state: the next step draws the same latent vectors, thresholds and views.
    for model in (gan, restored):
        model.train_step(real_images(seed=1))
    np.testing.assert_allclose(
        restored.generator(latent_vectors, training=False), gan.generator(latent_vectors, training=False), atol=1e-6
    )


@pytest.fixture
def mixed_bfloat16():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    yield
    keras.mixed_precision.set_global_policy("float32")


def test_mixed_precision_step_keeps_float32_losses(mixed_bfloat16):
    gan = make_gan()
    logs = gan.train_step(real_images())
    assert gan.rendernet.get_layer("conv3d_1").compute_dtype == "bfloat16"
    for name, value in logs.items():
        assert value.dtype == tf.float32 and np.isfinite(float(value)), name


@pytest.mark.parametrize("discriminator_input", ["opengl", "rendernet"])
def test_discriminator_judges_the_images_the_ablation_names(discriminator_input, monkeypatch):
    """Table 2: D sees OpenGL renders of the binary voxels (IG-GAN) or neural renders of the continuous ones."""
    gan = make_gan(Hyperparameters(discriminator_input=discriminator_input, dom_weight=0.0))
    seen = {}
    discriminator_step = gan.discriminator_step

    def recording_step(real, generated, augmentation):
        seen["generated"] = generated
        return discriminator_step(real, generated, augmentation)

    monkeypatch.setattr(gan, "discriminator_step", recording_step)
    rendered = {}

    def recording_renderer(binary_voxels, azimuth, elevation):
        rendered["opengl"] = silhouette_render(binary_voxels, azimuth, elevation)
        return rendered["opengl"]

    gan.opengl_render = recording_renderer
    gan.train_step(real_images())
    is_opengl = np.array_equal(seen["generated"].numpy(), rendered["opengl"].numpy())
    assert is_opengl == (discriminator_input == "opengl")


def test_unknown_discriminator_input_is_rejected():
    with pytest.raises(ValueError, match="discriminator_input"):
        Hyperparameters(discriminator_input="photos")
