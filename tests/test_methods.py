"""The training methods (iggan_tf.methods): the baselines' image formulas against hand computations, the registry
and its flag, the baselines' DirectGAN step, and the image generator of the 2D baseline and its SavedModel."""

import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from iggan_tf.gan import Hyperparameters, UniformViewSampler, losses
from iggan_tf.gan.direct_model import DirectGAN
from iggan_tf.geometry.cameras import VIEW_HALF_WIDTH, ViewRange
from iggan_tf.methods import METHOD_NAMES, NEURAL_RENDERER_METHODS
from iggan_tf.methods.absorption_only import ABSORPTION_FACTOR, absorption_images
from iggan_tf.methods.registry import training_method
from iggan_tf.methods.visual_hull import visual_hull_images
from iggan_tf.nets import (DiscriminatorConfig, GeneratorConfig, ImageGeneratorConfig, make_discriminator,
                           make_generator, make_image_generator)
from iggan_tf.training.config import RENDERER_NETWORK_FIELDS, TrainingConfig

VOXEL_SIZE = 8
IMAGE_SIZE = 16
LATENT_DIM = 6
BATCH_SIZE = 4


# The image formulas, against a cube of known occupancy seen from the front


def trilinear_weight(index: np.ndarray, size: int) -> np.ndarray:
    """What trilinear sampling of a grid of ones, zero outside, gives at continuous voxel index `index`."""
    return np.clip(np.minimum(index + 1.0, size - index), 0.0, 1.0)


def front_view_samples(occupancy: float, size: int) -> np.ndarray:
    """[2N, 2N, 2N]: a grid of constant `occupancy` filling the cube, as the view grid samples it from azimuth 0,
    elevation 0 (camera on +z; view cell (i, j, k) at x = -r + (j + 0.5) h, y = r - (i + 0.5) h,
    z = r - (k + 0.5) h, h = r / N), worked out by hand from DESIGN.md's conventions."""
    h = VIEW_HALF_WIDTH / size
    cells = np.arange(2 * size) + 0.5
    x, y, z = -VIEW_HALF_WIDTH + cells * h, VIEW_HALF_WIDTH - cells * h, VIEW_HALF_WIDTH - cells * h
    weight = [trilinear_weight(size * coordinate + (size - 1) / 2, size) for coordinate in (y, x, z)]
    return occupancy * weight[0][:, None, None] * weight[1][None, :, None] * weight[2][None, None, :]


def cube_of(occupancy: float) -> tf.Tensor:
    return tf.fill([1, VOXEL_SIZE, VOXEL_SIZE, VOXEL_SIZE, 1], occupancy)


FRONT = (tf.constant([0.0]), tf.constant([0.0]))


@pytest.mark.parametrize("occupancy", [0.3, 1.0])
def test_visual_hull_image_of_a_cube_is_one_minus_exp_of_minus_the_occupancy_summed_along_each_ray(occupancy):
    samples = front_view_samples(occupancy, VOXEL_SIZE)
    expected = 1.0 - np.exp(-samples.sum(axis=2))
    image = visual_hull_images(cube_of(occupancy), *FRONT).numpy()
    assert image.shape == (1, IMAGE_SIZE, IMAGE_SIZE, 1)
    np.testing.assert_allclose(image[0, ..., 0], expected, atol=1e-5)
    # A ray through the middle crosses the cube's unit depth in about N / r view cells; one beside it, nothing.
    assert samples[VOXEL_SIZE, VOXEL_SIZE].sum() == pytest.approx(occupancy * VOXEL_SIZE / VIEW_HALF_WIDTH, rel=0.01)
    assert image[0, 0, 0, 0] == 0.0


@pytest.mark.parametrize("occupancy", [0.05, 0.3, 1.0])
def test_absorption_image_of_a_cube_is_one_minus_the_product_of_the_cells_transmittances(occupancy):
    samples = front_view_samples(occupancy, VOXEL_SIZE)
    absorbed = np.minimum(ABSORPTION_FACTOR * samples / VOXEL_SIZE, 1.0 - 1e-5)
    expected = 1.0 - np.prod(1.0 - absorbed, axis=2)
    image = absorption_images(cube_of(occupancy), *FRONT).numpy()
    np.testing.assert_allclose(image[0, ..., 0], expected, atol=1e-5)
    assert image[0, 0, 0, 0] == 0.0


def test_absorption_grows_with_the_thickness_crossed_where_the_visual_hull_has_saturated():
    """A slab two voxels thick and one six voxels thick, both of full occupancy, seen face on: the visual hull
    draws both nearly white, absorption only darkens the thin one (at a small absorption per cell)."""
    thin, thick = np.zeros([2, 32, 32, 32, 1], np.float32)
    thin[:, :, 13:15], thick[:, :, 11:17] = 1.0, 1.0
    voxels, views = tf.constant(np.stack([thin, thick])), (tf.zeros([2]), tf.zeros([2]))
    hull = visual_hull_images(voxels, *views).numpy()[:, 32, 32, 0]
    absorption = absorption_images(voxels * 0.1, *views).numpy()[:, 32, 32, 0]
    assert hull[0] > 0.85 and hull[1] > 0.99
    assert absorption[1] > absorption[0] + 0.1


@pytest.mark.parametrize("image_model", [visual_hull_images, absorption_images])
def test_image_models_are_differentiable_in_the_voxels_where_a_ray_crosses_them(image_model):
    voxels = tf.Variable(tf.fill([2, VOXEL_SIZE, VOXEL_SIZE, VOXEL_SIZE, 1], 0.2))
    with tf.GradientTape() as tape:
        brightness = tf.reduce_sum(image_model(voxels, tf.constant([30.0, 200.0]), tf.constant([20.0, -10.0])))
    gradient = tape.gradient(brightness, voxels).numpy()
    assert np.all(np.isfinite(gradient)) and np.all(gradient >= 0.0) and gradient.mean() > 0.0


# The registry and the flag


def test_every_method_name_resolves_and_a_wrong_one_names_the_flag():
    for name in METHOD_NAMES:
        assert training_method(name).name == name
    with pytest.raises(ValueError, match="--method must be one of iggan, visual_hull"):
        training_method("prgan")


def test_iggan_train_refuses_an_unknown_method_naming_the_flag(tmp_path):
    result = subprocess.run([sys.executable, "-m", "iggan_tf.train", f"--workdir={tmp_path}", "--method=prgan"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "--method" in result.stderr and "prgan" in result.stderr and "visual_hull" in result.stderr
    assert not (tmp_path / "config.json").exists()


@pytest.mark.parametrize("field, value", [("dom_weight", 400.0), ("pretrain_class", "table"),
                                          ("train_renderer", False), ("renderer_width", 4)])
def test_a_baseline_refuses_the_renderer_flags_naming_the_flag(field, value):
    assert field in RENDERER_NETWORK_FIELDS
    for method in METHOD_NAMES:
        if method in NEURAL_RENDERER_METHODS:
            TrainingConfig(workdir="w", method=method, **{field: value})
            continue
        with pytest.raises(ValueError, match=f"--{field}={value} has no effect with --method={method}"):
            TrainingConfig(workdir="w", method=method, **{field: value})


def test_the_method_cannot_change_on_resume_and_old_workdirs_are_iggan():
    with pytest.raises(ValueError, match="--method=visual_hull differs from --method=iggan"):
        TrainingConfig(workdir="w", method="visual_hull").check_resumable_from(TrainingConfig(workdir="w"))
    old = TrainingConfig(workdir="w").to_json().replace('"method": "iggan",', "")
    assert '"method"' not in old and TrainingConfig.from_json(old).method == "iggan"


# The baselines' model


def real_images(seed=0) -> tf.Tensor:
    return tf.random.stateless_uniform([BATCH_SIZE, IMAGE_SIZE, IMAGE_SIZE, 1], [seed, 5])


def make_direct_gan(image_model=visual_hull_images, hyperparameters=Hyperparameters(), seed=0,
                    synchronized_batch_norm=False) -> DirectGAN:
    keras.utils.set_random_seed(0)
    discriminator = make_discriminator(DiscriminatorConfig(image_size=IMAGE_SIZE, width=4))
    if image_model is None:
        generator = make_image_generator(ImageGeneratorConfig(IMAGE_SIZE, LATENT_DIM, width=4),
                                         synchronized_batch_norm=synchronized_batch_norm)
        gan = DirectGAN(generator, discriminator, hyperparameters=hyperparameters, seed=seed)
    else:
        generator = make_generator(GeneratorConfig(VOXEL_SIZE, LATENT_DIM, width=4),
                                   synchronized_batch_norm=synchronized_batch_norm)
        gan = DirectGAN(generator, discriminator, image_model, UniformViewSampler(ViewRange()), hyperparameters,
                        seed=seed)
    gan.compile()
    return gan


def weights_of(model):
    return [variable.numpy().copy() for variable in model.trainable_variables]


@pytest.mark.parametrize("image_model", [visual_hull_images, absorption_images, None])
def test_a_baseline_step_updates_d_and_g_and_reports_their_losses(image_model):
    gan = make_direct_gan(image_model)
    before = {name: weights_of(getattr(gan, name)) for name in ("generator", "discriminator")}
    logs = tf.function(gan.train_step)(real_images())
    assert sorted(logs) == ["d_accuracy_generated", "d_accuracy_real", "d_loss", "g_loss"]
    assert all(np.isfinite(float(value)) for value in logs.values())
    for name in ("generator", "discriminator"):
        after = weights_of(getattr(gan, name))
        assert all(not np.array_equal(old, new) for old, new in zip(before[name], after)), name
    assert sorted(gan.checkpointed_parts()) == ["discriminator", "discriminator_optimizer", "generator",
                                                "generator_optimizer", "random_generator"]
    assert gan.makes_shapes == (image_model is not None)


def test_a_baseline_generator_step_applies_the_gradient_of_log_d_of_the_image_formula():
    gan = make_direct_gan(absorption_images)
    gan.generator_optimizer = keras.optimizers.SGD(learning_rate=1.0)
    z = tf.random.stateless_normal([BATCH_SIZE, LATENT_DIM], [1, 2])
    views = (tf.constant([10.0, 80.0, 170.0, 300.0]), tf.constant([0.0, 20.0, -20.0, 45.0]))
    with tf.GradientTape() as direct_tape:
        direct = gan.generator(z, training=True)
        g_loss = losses.generator_loss(gan.discriminator(absorption_images(direct, *views)))
    expected = direct_tape.gradient(g_loss, gan.generator.trainable_variables)
    with tf.GradientTape() as generator_tape:
        voxels = gan.generator(z, training=True)
    before = weights_of(gan.generator)
    gan.generator_step(generator_tape, voxels, views)
    for value, variable, gradient in zip(before, gan.generator.trainable_variables, expected):
        np.testing.assert_allclose(value - variable.numpy(), gradient.numpy(), rtol=1e-4, atol=1e-7)


def test_a_baseline_with_r1_augmentation_and_a_weight_average_trains_and_checkpoints_the_average():
    gan = make_direct_gan(visual_hull_images, Hyperparameters(r1_weight=1.0, augment="translation,cutout",
                                                              generator_ema_decay=0.9))
    logs = gan.train_step(real_images())
    assert float(logs["d_r1"]) > 0.0
    assert gan.sampling_generator is gan.averaged_generator and "averaged_generator" in gan.checkpointed_parts()


def test_a_restored_baseline_takes_the_same_next_step(tmp_path):
    """Its checkpointed parts hold everything a step depends on: a restored model's next step equals the
    original's."""
    gan = make_direct_gan(visual_hull_images, seed=3)
    gan.train_step(real_images(1))
    path = tf.train.Checkpoint(**gan.checkpointed_parts()).save(str(tmp_path / "ckpt"))
    restored = make_direct_gan(visual_hull_images, seed=99)
    tf.train.Checkpoint(**restored.checkpointed_parts()).restore(path).assert_consumed()
    for metric in gan.metrics:  # running means, reset before every step by the training loop
        metric.reset_state()
    expected, actual = gan.train_step(real_images(2)), restored.train_step(real_images(2))
    assert {name: float(value) for name, value in expected.items()} == {
        name: float(value) for name, value in actual.items()}


def test_mismatched_image_sizes_are_refused():
    discriminator = make_discriminator(DiscriminatorConfig(image_size=2 * IMAGE_SIZE, width=4))
    generator = make_generator(GeneratorConfig(VOXEL_SIZE, LATENT_DIM, width=4))
    with pytest.raises(ValueError, match=r"discriminator takes images of shape \(32, 32, 1\)"):
        DirectGAN(generator, discriminator, visual_hull_images, UniformViewSampler(ViewRange()))
    with pytest.raises(ValueError, match="image_model and view_sampler go together"):
        DirectGAN(generator, discriminator, visual_hull_images)


# The 2D baseline's image generator and its SavedModel


def test_the_image_generator_makes_images_and_exports_as_an_image_generator(tmp_path):
    from iggan_tf.serving.generator_savedmodel import export_generator, load_generator

    generator = make_image_generator(ImageGeneratorConfig(IMAGE_SIZE, LATENT_DIM, width=4))
    z = np.random.default_rng(0).standard_normal((3, LATENT_DIM)).astype(np.float32)
    images = generator(z, training=False).numpy()
    assert images.shape == (3, IMAGE_SIZE, IMAGE_SIZE, 1) and 0.0 <= images.min() and images.max() <= 1.0
    loaded = load_generator(export_generator(generator, tmp_path / "generator", metadata={"dataset": "d"}))
    assert not loaded.makes_shapes and (loaded.image_size, loaded.resolution) == (IMAGE_SIZE, None)
    assert loaded.metadata["signatures"] == {"serving_default": ["z"], "sample": ["seed", "num_samples"]}
    np.testing.assert_allclose(loaded.generate(z), images, atol=1e-6)
    assert loaded.sample(seed=1, num_samples=2).shape == (2, IMAGE_SIZE, IMAGE_SIZE, 1)
    with pytest.raises(ValueError, match="image generator .* no occupancy to threshold"):
        loaded.generate(z, threshold=0.5)
