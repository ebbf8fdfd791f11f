"""Tests for iggan_tf.nets: shapes, ranges, parameter counts, config round trips and gradient flow, at tiny sizes."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from iggan_tf.nets import (
    DiscriminatorConfig,
    GeneratorConfig,
    RenderNetConfig,
    SpectralNormalization,
    ViewTransform,
    make_discriminator,
    make_generator,
    make_rendernet,
)

TINY_RENDERNET = RenderNetConfig(voxel_size=8, image_size=16, width=2, projection_channels=8)


@pytest.fixture
def mixed_bfloat16():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    yield
    keras.mixed_precision.set_global_policy("float32")


def _round_trip(model: keras.Model) -> keras.Model:
    """A model rebuilt from `model`'s config alone (no custom_objects), holding `model`'s weights."""
    rebuilt = keras.Model.from_config(model.get_config())
    rebuilt.set_weights(model.get_weights())
    return rebuilt


def _sphere(voxel_size: int, radius: float, centre=(0.0, 0.0, 0.0)) -> tf.Tensor:
    centres = (np.arange(voxel_size) + 0.5) / voxel_size - 0.5
    x, y, z = np.meshgrid(centres, centres, centres, indexing="ij")
    inside = (x - centre[0]) ** 2 + (y - centre[1]) ** 2 + (z - centre[2]) ** 2 <= radius**2
    return tf.constant(inside[np.newaxis, ..., np.newaxis], tf.float32)


# Generator


@pytest.mark.parametrize("voxel_size", [8, 16])
def test_generator_makes_occupancies_of_the_configured_size(voxel_size):
    generator = make_generator(GeneratorConfig(voxel_size=voxel_size, latent_dim=12, width=4))
    voxels = generator(tf.random.normal([3, 12], seed=1), training=False)
    assert voxels.shape == (3, voxel_size, voxel_size, voxel_size, 1)
    assert voxels.dtype == tf.float32
    assert np.all(voxels.numpy() >= 0.0) and np.all(voxels.numpy() <= 1.0)


def test_generator_parameter_count_is_the_3d_gan_layout():
    latent_dim, width = 10, 4
    generator = make_generator(GeneratorConfig(voxel_size=16, latent_dim=latent_dim, width=width))
    # 4^3 x 2w -> 8^3 x w -> 16^3 x 1: one hidden 4^3-kernel transposed convolution and the output one.
    projection = latent_dim * 4**3 * 2 * width + 4 * (2 * width)  # dense without bias + batch norm (4 per channel)
    hidden = 4**3 * (2 * width) * width + 4 * width
    output = 4**3 * width * 1 + 1
    assert generator.count_params() == projection + hidden + output


def test_generator_paper_scale_has_the_3d_gan_widths():
    generator = make_generator(GeneratorConfig())
    widths = [layer.filters for layer in generator.layers if isinstance(layer, keras.layers.Conv3DTranspose)]
    assert widths == [256, 128, 64, 1]
    assert generator.get_layer("projection_grid").output.shape[1:] == (4, 4, 4, 512)


def test_generator_config_round_trip_gives_the_same_outputs():
    generator = make_generator(GeneratorConfig(voxel_size=8, latent_dim=6, width=2))
    latent_vectors = tf.random.normal([2, 6], seed=2)
    rebuilt = _round_trip(generator)
    np.testing.assert_array_equal(rebuilt(latent_vectors, training=False), generator(latent_vectors, training=False))


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"voxel_size": 4}, "GeneratorConfig.voxel_size"),
        ({"voxel_size": 24}, "GeneratorConfig.voxel_size"),
        ({"latent_dim": 0}, "GeneratorConfig.latent_dim"),
        ({"width": 2.5}, "GeneratorConfig.width"),
    ],
)
def test_generator_config_rejects_bad_sizes(fields, message):
    with pytest.raises(ValueError, match=message):
        GeneratorConfig(**fields)


# RenderNet


@pytest.mark.parametrize("image_size, channels", [(4, 1), (16, 1), (32, 3)])
def test_rendernet_makes_images_of_the_configured_size(image_size, channels):
    rendernet = make_rendernet(
        RenderNetConfig(voxel_size=8, image_size=image_size, image_channels=channels, width=2, projection_channels=8)
    )
    images = rendernet([tf.repeat(_sphere(8, 0.3), 2, axis=0), tf.constant([0.0, 90.0]), tf.constant([15.0, -30.0])])
    assert images.shape == (2, image_size, image_size, channels)
    assert images.dtype == tf.float32
    assert np.all(images.numpy() >= 0.0) and np.all(images.numpy() <= 1.0)


def test_rendernet_projection_unit_folds_depth_into_channels():
    rendernet = make_rendernet(TINY_RENDERNET)
    # 8^3 voxels -> 16^3 view grid -> 4^3 x (4 * width) features -> 4^2 x (4 * 4 * width) -> 1x1 convolution.
    depth_times_channels = 4 * 4 * TINY_RENDERNET.width
    assert rendernet.get_layer("projection").output.shape[1:] == (4, 4, depth_times_channels)
    projection_conv = rendernet.get_layer("projection_conv")
    assert projection_conv.kernel.shape == (1, 1, depth_times_channels, TINY_RENDERNET.projection_channels)


def test_rendernet_has_the_papers_residual_blocks():
    rendernet = make_rendernet(RenderNetConfig())
    names = [layer.name for layer in rendernet.layers if layer.name.endswith("_add")]
    assert names == [f"residual3d_{i}_add" for i in (1, 2)] + [f"residual2d_{i}_add" for i in (1, 2, 3, 4)]
    assert rendernet.get_layer("view_transform").output.shape[1:] == (128, 128, 128, 1)
    assert rendernet.output_shape == (None, 128, 128, 1)


def test_rendernet_gradient_reaches_every_voxel_region_that_is_seen():
    rendernet = make_rendernet(TINY_RENDERNET)
    voxels = tf.Variable(_sphere(8, 0.35))
    with tf.GradientTape() as tape:
        images = rendernet([voxels, tf.constant([30.0]), tf.constant([20.0])])
        brightness = tf.reduce_sum(images)
    gradient = tape.gradient(brightness, voxels).numpy()
    assert np.all(np.isfinite(gradient))
    # Voxels at the centre of the grid are inside the view from every angle: they must influence the image.
    assert np.abs(gradient[0, 2:6, 2:6, 2:6, 0]).sum() > 0.0


def test_rendernet_output_depends_on_the_view():
    rendernet = make_rendernet(TINY_RENDERNET)
    off_centre = _sphere(8, 0.2, centre=(0.25, 0.0, 0.0))
    front = rendernet([off_centre, tf.constant([0.0]), tf.constant([0.0])])
    side = rendernet([off_centre, tf.constant([90.0]), tf.constant([0.0])])
    assert np.abs(front.numpy() - side.numpy()).max() > 1e-6


def test_untrained_rendernet_starts_near_the_black_background():
    # Starting at grey (sigmoid(0)) saturated R into all-black images during L2 pre-training.
    images = make_rendernet(TINY_RENDERNET)([_sphere(8, 0.3), tf.constant([0.0]), tf.constant([0.0])])
    assert 0.0 < float(tf.reduce_mean(images)) < 0.2


def test_rendernet_config_round_trip_gives_the_same_outputs():
    rendernet = make_rendernet(TINY_RENDERNET)
    inputs = [_sphere(8, 0.3), tf.constant([45.0]), tf.constant([30.0])]
    np.testing.assert_array_equal(_round_trip(rendernet)(inputs), rendernet(inputs))


def test_view_transform_layer_config_round_trip():
    layer = ViewTransform(name="camera")
    config = layer.get_config()
    rebuilt = ViewTransform.from_config(config)
    assert rebuilt.name == "camera" and rebuilt.get_config() == config
    assert keras.saving.get_registered_object("iggan_tf>ViewTransform") is ViewTransform
    assert rebuilt.compute_output_shape((None, 8, 8, 8, 1), (None,), (None,)) == (None, 16, 16, 16, 1)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"voxel_size": 7, "image_size": 7}, "RenderNetConfig.voxel_size"),
        ({"voxel_size": 8, "image_size": 12}, "RenderNetConfig.image_size"),
        ({"voxel_size": 8, "image_size": 2}, "RenderNetConfig.image_size"),
        ({"residual_blocks_2d": -1}, "RenderNetConfig.residual_blocks_2d"),
        ({"width": 0}, "RenderNetConfig.width"),
    ],
)
def test_rendernet_config_rejects_bad_sizes(fields, message):
    with pytest.raises(ValueError, match=message):
        RenderNetConfig(**fields)


# Discriminator


@pytest.mark.parametrize("image_size, channels", [(8, 1), (32, 3)])
def test_discriminator_gives_one_logit_per_image(image_size, channels):
    discriminator = make_discriminator(DiscriminatorConfig(image_size=image_size, image_channels=channels, width=4))
    logits = discriminator(tf.random.uniform([5, image_size, image_size, channels], seed=3), training=False)
    assert logits.shape == (5, 1)
    assert logits.dtype == tf.float32


def test_discriminator_parameter_count_is_the_dcgan_layout():
    width = 3
    discriminator = make_discriminator(DiscriminatorConfig(image_size=16, width=width))
    # 16 -> 8 -> 4 (two 4x4 convolutions), then a dense layer on 4 * 4 * 2w features.
    convolutions = (16 * 1 * width + width) + (16 * width * 2 * width + 2 * width)
    dense = 4 * 4 * 2 * width + 1
    # Spectral normalization keeps one non-trainable vector u per wrapped layer (size: output channels).
    vectors_u = width + 2 * width + 1
    assert discriminator.count_params() == convolutions + dense + vectors_u
    trainable = sum(int(np.prod(variable.shape)) for variable in discriminator.trainable_variables)
    assert trainable == convolutions + dense


def _spectrally_normalized(discriminator: keras.Model) -> list:
    return [layer for layer in discriminator.layers if isinstance(layer, SpectralNormalization)]


def test_discriminator_normalizes_every_weight_layer():
    discriminator = make_discriminator(DiscriminatorConfig(image_size=16, width=4))
    assert [layer.name for layer in _spectrally_normalized(discriminator)] == ["down_1_sn", "down_2_sn", "dense_sn"]
    assert not any(isinstance(layer, keras.layers.SpectralNormalization) for layer in discriminator.layers)


@pytest.mark.parametrize("training", [False, True])
def test_discriminator_output_ignores_the_scale_of_its_kernels(training):
    discriminator = make_discriminator(DiscriminatorConfig(image_size=16, width=4))
    scaled = _round_trip(discriminator)
    for layer in _spectrally_normalized(scaled):
        layer.layer.kernel.assign(10.0 * layer.layer.kernel)
    images = tf.random.uniform([2, 16, 16, 1], seed=4)
    for _ in range(2):  # also after the power iteration has advanced (training) or not (inference)
        np.testing.assert_allclose(
            scaled(images, training=training).numpy(),
            discriminator(images, training=training).numpy(),
            rtol=1e-4,
            atol=1e-6,
        )


def test_discriminator_inference_and_training_agree_once_the_power_iteration_converged():
    discriminator = make_discriminator(DiscriminatorConfig(image_size=16, width=4))
    images = tf.random.uniform([2, 16, 16, 1], seed=4)
    advance = tf.function(lambda: discriminator(images, training=True))
    for _ in range(60):
        advance()
    for layer in _spectrally_normalized(discriminator):
        assert float(layer.sigma()) == pytest.approx(
            np.linalg.svd(layer.layer.kernel.numpy().reshape(-1, layer.layer.kernel.shape[-1]), compute_uv=False)[0],
            rel=1e-3,
        ), layer.name
    np.testing.assert_allclose(
        discriminator(images, training=True).numpy(), discriminator(images, training=False).numpy(), rtol=1e-4
    )


def test_discriminator_config_round_trip_gives_the_same_outputs():
    discriminator = make_discriminator(DiscriminatorConfig(image_size=8, width=2))
    images = tf.random.uniform([2, 8, 8, 1], seed=5)
    np.testing.assert_array_equal(_round_trip(discriminator)(images), discriminator(images))


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"image_size": 4}, "DiscriminatorConfig.image_size"),
        ({"image_size": 48}, "DiscriminatorConfig.image_size"),
        ({"image_channels": 0}, "DiscriminatorConfig.image_channels"),
        ({"width": True}, "DiscriminatorConfig.width"),
    ],
)
def test_discriminator_config_rejects_bad_sizes(fields, message):
    with pytest.raises(ValueError, match=message):
        DiscriminatorConfig(**fields)


# Mixed precision


def test_networks_compute_in_bfloat16_but_answer_in_float32(mixed_bfloat16):
    generator = make_generator(GeneratorConfig(voxel_size=8, latent_dim=6, width=2))
    rendernet = make_rendernet(TINY_RENDERNET)
    discriminator = make_discriminator(DiscriminatorConfig(image_size=16, width=2))
    assert generator.get_layer("up_1").compute_dtype == "bfloat16"
    assert rendernet.get_layer("conv3d_1").compute_dtype == "bfloat16"
    assert rendernet.get_layer("view_transform").compute_dtype == "float32"
    voxels = generator(tf.random.normal([2, 6], seed=6))
    images = rendernet([voxels, tf.constant([0.0, 10.0]), tf.constant([20.0, 30.0])])
    logits = discriminator(images)
    assert (voxels.dtype, images.dtype, logits.dtype) == (tf.float32, tf.float32, tf.float32)
