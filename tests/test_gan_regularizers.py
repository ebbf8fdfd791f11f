"""Tests for the options against mode collapse and an over-fitting D (not in the paper): minibatch standard
deviation in D, differentiable augmentation of D's inputs, and the R1 penalty."""

import numpy as np
import pytest
import tensorflow as tf

from iggan_tf.gan import Hyperparameters, augmentation, losses
from iggan_tf.nets import DiscriminatorConfig, make_discriminator
from iggan_tf.nets.minibatch_stddev import MinibatchStandardDeviation
from iggan_tf.training.config import AUGMENT_TRANSFORMS, TrainingConfig
from tests.test_gan import BATCH_SIZE, changed, make_gan, real_images, step_inputs


# Minibatch standard deviation


def test_minibatch_stddev_is_zero_for_a_group_of_equal_images_and_positive_otherwise():
    rng = np.random.default_rng(0)
    same = np.repeat(rng.uniform(size=(1, 4, 4, 3)), 4, axis=0)
    varied = rng.uniform(size=(4, 4, 4, 3))
    features = MinibatchStandardDeviation(4)(tf.constant(np.concatenate([same, varied]), tf.float32)).numpy()
    assert features.shape == (8, 4, 4, 4)
    np.testing.assert_array_equal(features[..., :3], np.concatenate([same, varied]).astype(np.float32))
    # Consecutive groups: the equal images' group is not mixed with the varied one.
    np.testing.assert_allclose(features[:4, ..., 3], 1e-4, rtol=1e-3)  # sqrt of the 1e-8 floor
    expected = np.mean(np.sqrt(np.var(varied, axis=0) + 1e-8))
    np.testing.assert_allclose(features[4:, ..., 3], expected, rtol=1e-5)


def test_minibatch_stddev_refuses_a_batch_that_is_not_a_multiple_of_the_group():
    with pytest.raises(tf.errors.InvalidArgumentError, match="multiple of 4"):
        MinibatchStandardDeviation(4)(tf.zeros([6, 4, 4, 2]))
    assert MinibatchStandardDeviation(4)(tf.zeros([3, 4, 4, 2])).shape == (3, 4, 4, 3)  # one group


def test_discriminator_with_minibatch_stddev_sees_the_diversity_of_its_batch():
    plain = make_discriminator(DiscriminatorConfig(image_size=16, width=4))
    grouped = make_discriminator(DiscriminatorConfig(image_size=16, width=4, minibatch_stddev_group=2))
    images = tf.random.uniform([4, 16, 16, 1], seed=1)
    swapped = tf.gather(images, [0, 2, 1, 3])  # same images, other partners
    assert np.array_equal(plain(images).numpy()[[0, 2, 1, 3]], plain(swapped).numpy())
    assert not np.allclose(grouped(images).numpy()[[0, 2, 1, 3]], grouped(swapped).numpy())
    with pytest.raises(ValueError, match="minibatch_stddev_group"):
        DiscriminatorConfig(minibatch_stddev_group=1)


# Differentiable augmentation


def test_translation_moves_the_image_and_fills_with_background():
    images = np.zeros([1, 16, 16, 1], np.float32)
    images[0, 5, 7, 0] = 1.0
    moved = augmentation._translate(tf.constant(images), tf.constant([[2, -3]])).numpy()
    expected = np.zeros_like(images)
    expected[0, 7, 4, 0] = 1.0
    np.testing.assert_array_equal(moved, expected)
    edge = augmentation._translate(tf.ones([1, 16, 16, 1]), tf.constant([[0, 2]])).numpy()
    assert edge[0, :, :2].max() == 0.0 and edge[0, :, 2:].min() == 1.0


def test_cutout_clears_one_square_of_half_the_side():
    cut = augmentation._cut_out(tf.ones([1, 16, 16, 1]), tf.constant([[8, 8]])).numpy()[0, ..., 0]
    assert cut[4:12, 4:12].max() == 0.0
    assert (cut == 0).sum() == 8 * 8


def test_augmentation_is_differentiable_and_one_draw_applies_alike_to_two_batches():
    transforms = augmentation.DifferentiableAugmentation("translation,cutout,color")
    parameters = transforms.draw(3, 16, tf.random.Generator.from_seed(0))
    images = tf.random.uniform([3, 16, 16, 1], seed=2)
    with tf.GradientTape() as tape:
        tape.watch(images)
        once = transforms.apply(images, parameters)
        total = tf.reduce_sum(once)
    gradient = tape.gradient(total, images)
    assert float(tf.reduce_sum(tf.abs(gradient))) > 0.0
    np.testing.assert_array_equal(once.numpy(), transforms.apply(images, parameters).numpy())
    assert not np.allclose(once.numpy(), images.numpy())


def test_augment_names_agree_between_the_flag_check_and_the_transforms():
    assert AUGMENT_TRANSFORMS == augmentation.POLICIES
    with pytest.raises(ValueError, match="augment"):
        TrainingConfig(workdir="w", augment="translation,rotation")
    with pytest.raises(ValueError, match="augment"):
        Hyperparameters(augment="cutout,cutout")


def test_an_augmented_step_draws_transforms_from_the_checkpointed_random_stream():
    plain, augmented = make_gan(seed=3), make_gan(Hyperparameters(augment="translation,cutout"), seed=3)
    initial = plain.get_weights()
    augmented.set_weights(initial)
    batch = real_images()
    plain.train_step(batch)
    augmented.train_step(batch)
    # The same weights and seed: only the transforms can make D's update differ.
    assert any(changed([v.numpy() for v in plain.discriminator.variables], augmented.discriminator))
    again = make_gan(Hyperparameters(augment="translation,cutout"), seed=3)
    again.set_weights(initial)
    again.train_step(batch)
    assert not any(changed([v.numpy() for v in augmented.discriminator.variables], again.discriminator))


# R1


def test_r1_penalty_is_the_mean_squared_gradient_norm():
    gradients = tf.constant(np.arange(2 * 2 * 2 * 1, dtype=np.float32).reshape(2, 2, 2, 1))
    assert float(losses.r1_penalty(gradients)) == pytest.approx((0 + 1 + 4 + 9 + 16 + 25 + 36 + 49) / 2)


def test_r1_weight_adds_the_penalty_to_the_discriminator_update_only():
    _, _, _, _, opengl_images, _, _ = step_inputs(make_gan())
    plain, penalized, reference = make_gan(seed=4), make_gan(Hyperparameters(r1_weight=10.0), seed=4), make_gan(seed=4)
    penalized.set_weights(plain.get_weights())
    reference.set_weights(plain.get_weights())
    images = real_images()
    d_loss, d_r1, real_logits, _ = penalized.discriminator_step(images, opengl_images)
    plain_loss, plain_r1, _, _ = plain.discriminator_step(images, opengl_images)
    # The reported d_loss is eq. (2) alone, before either update: the same for both.
    assert float(d_loss) == pytest.approx(float(plain_loss))
    assert float(plain_r1) == 0.0 and float(d_r1) > 0.0
    # Its value: ||dD/dy||^2 on the real half, from D as it was before the update.
    with tf.GradientTape() as tape:
        tape.watch(images)
        logit_sum = tf.reduce_sum(reference.discriminator(tf.concat([images, opengl_images], 0), training=True)[:BATCH_SIZE])
    expected = float(losses.r1_penalty(tape.gradient(logit_sum, images)))
    assert float(d_r1) == pytest.approx(expected, rel=1e-4)
    assert any(changed([v.numpy() for v in plain.discriminator.variables], penalized.discriminator))
    assert real_logits.shape == (BATCH_SIZE, 1)
    assert "d_r1" in [metric.name for metric in penalized.metrics]
    assert "d_r1" not in [metric.name for metric in plain.metrics]


def test_training_config_checks_the_new_options_naming_the_flag():
    with pytest.raises(ValueError, match="r1_weight"):
        TrainingConfig(workdir="w", r1_weight=-1.0)
    with pytest.raises(ValueError, match="minibatch_stddev_group"):
        TrainingConfig(workdir="w", batch_size=8, minibatch_stddev_group=3)
    assert TrainingConfig(workdir="w", batch_size=8, minibatch_stddev_group=4).minibatch_stddev_group == 4
