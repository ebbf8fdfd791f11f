"""Tests for iggan_tf.metrics.feature_network: the shipped weights and their record, input resizing, and that
scores built on its features behave as scores should on real renders (FID and KID grow as renders are
degraded; the in-class rate separates classes). Renders come from the OpenGL pool; this process imports
TensorFlow, which is allowed because pyrender runs only in the pool's workers."""

import json
import pathlib
import shutil

import numpy as np
import pytest
from scipy import ndimage

from iggan_tf.datasets.synthetic_collection import HELD_OUT_SEED_OFFSET
from iggan_tf.geometry.cameras import FULL_TURN_HIGH
from iggan_tf.geometry.voxelization import voxelize
from iggan_tf.metrics import frechet_distance, in_class_rate, kernel_distance
from iggan_tf.metrics import feature_network as feature_network_module
from iggan_tf.metrics.feature_network import (
    DEFAULT_WEIGHTS_PATH,
    SHAPENET_PREFIX,
    FeatureNetwork,
    FeatureNetworkConfig,
    load_feature_network,
    make_feature_network,
    record_path_for,
    to_input_size,
)
from iggan_tf.metrics.feature_network_training import FeatureNetworkTraining, train_feature_network
from iggan_tf.render import OpenGLRenderer
from iggan_tf.shapes import CLASS_NAMES, make_shape

# Held-out seeds past those the shipped network's accuracy was measured on (the first 50 of each class).
FRESH_SEED = HELD_OUT_SEED_OFFSET + 60
SHAPES_PER_SET = 36


def _renders(renderer, class_name: str, first_seed: int, count: int, view_seed: int) -> np.ndarray:
    voxels = np.stack([voxelize(make_shape(class_name, seed), 32) for seed in range(first_seed, first_seed + count)])
    azimuth, elevation = FULL_TURN_HIGH.sample(np.random.default_rng(view_seed), count)
    return renderer.render(voxels, azimuth, elevation)


@pytest.fixture(scope="module")
def network():
    return load_feature_network()


@pytest.fixture(scope="module")
def renders():
    """Renders of held-out tubs (two disjoint sets), chairs and mugs the network never saw, drawn by the
    default renderer with shadows, and tubs and chairs without shadows (the shipped weights learnt both)."""
    with OpenGLRenderer(64, workers=2) as renderer:
        renders = {
            "tub_reference": _renders(renderer, "tub", FRESH_SEED, SHAPES_PER_SET, view_seed=1),
            "tub": _renders(renderer, "tub", FRESH_SEED + SHAPES_PER_SET, SHAPES_PER_SET, view_seed=2),
            "chair": _renders(renderer, "chair", FRESH_SEED, SHAPES_PER_SET, view_seed=3),
            "mug": _renders(renderer, "mug", FRESH_SEED, 12, view_seed=4),
        }
    with OpenGLRenderer(64, workers=2, shadows=False) as renderer:
        renders["tub_without_shadows"] = _renders(renderer, "tub", FRESH_SEED + SHAPES_PER_SET, SHAPES_PER_SET, 2)
        renders["chair_without_shadows"] = _renders(renderer, "chair", FRESH_SEED, SHAPES_PER_SET, view_seed=3)
    return renders


def test_shipped_record_describes_the_shipped_weights(network):
    record = json.loads(record_path_for(DEFAULT_WEIGHTS_PATH).read_text())
    assert record["sha256"] == network.sha256 == feature_network_module.file_sha256(DEFAULT_WEIGHTS_PATH)
    assert tuple(record["classes"]) == CLASS_NAMES == network.classes
    assert record["held_out_accuracy"] >= 0.95
    assert record["held_out"]["images"] >= 10 * len(CLASS_NAMES)
    assert record["training_command"].startswith("python tools/train_feature_net.py")
    assert DEFAULT_WEIGHTS_PATH.stat().st_size < 3 * 2**20


def test_features_are_the_penultimate_layer(network, renders):
    features, logits = network.features_and_logits(renders["mug"])
    assert features.shape == (12, network.feature_dimension) and logits.shape == (12, len(CLASS_NAMES))
    assert np.all(features >= 0)  # ReLU
    dense = network.model.get_layer(feature_network_module.LOGITS_OUTPUT)
    kernel, bias = (np.asarray(weight) for weight in dense.weights)
    np.testing.assert_allclose(logits, features @ kernel + bias, rtol=1e-4, atol=1e-4)


def test_unseen_shapes_are_classified_and_in_class_rate_separates_classes(network, renders):
    tub = network.class_index("tub")
    _, tub_logits = network.features_and_logits(renders["tub"])
    _, chair_logits = network.features_and_logits(renders["chair"])
    _, mug_logits = network.features_and_logits(renders["mug"])
    assert in_class_rate(tub_logits, tub).value >= 0.9
    assert in_class_rate(chair_logits, network.class_index("chair")).value >= 0.9
    assert in_class_rate(mug_logits, network.class_index("mug")).value >= 0.9
    assert in_class_rate(chair_logits, tub).value <= 0.1


def test_renders_without_shadows_are_classified_too(network, renders):
    _, tub_logits = network.features_and_logits(renders["tub_without_shadows"])
    _, chair_logits = network.features_and_logits(renders["chair_without_shadows"])
    assert in_class_rate(tub_logits, network.class_index("tub")).value >= 0.9
    assert in_class_rate(chair_logits, network.class_index("chair")).value >= 0.9
    assert in_class_rate(chair_logits, network.class_index("tub")).value <= 0.1


def _blurred(renders, sigma):
    return np.clip(ndimage.gaussian_filter(renders["tub"], sigma=(0, sigma, sigma, 0)), 0.0, 1.0)


def _noised(renders, std):
    noise = np.random.default_rng(0).normal(0.0, std, renders["tub"].shape)
    return np.clip(renders["tub"] + noise, 0.0, 1.0).astype(np.float32)


def _mixed_with_chairs(renders, fraction):
    count = round(fraction * len(renders["tub"]))
    return np.concatenate([renders["chair"][:count], renders["tub"][count:]])


def _fid_and_kid(network, reference_images, images):
    reference_features, _ = network.features_and_logits(reference_images)
    features, _ = network.features_and_logits(images)
    fid = frechet_distance(reference_features, features).value
    kid = kernel_distance(reference_features, features, subset_size=len(images), num_subsets=20).value
    return fid, kid


# Noise up to 0.03: the network trained on shadowed pyrender renders is far more sensitive to pixel noise than the
# one trained on unlit renders was (FID 226 at std 0.01, 661 at 0.03) and saturates from 0.05 on (783, 770 at
# 0.1), so stronger noise says nothing about order.
@pytest.mark.parametrize("degrade, levels", [
    (_blurred, (0.0, 0.7, 1.5, 3.0)),
    (_noised, (0.0, 0.005, 0.01, 0.03)),
    (_mixed_with_chairs, (0.0, 0.34, 0.67, 1.0)),
])
def test_fid_and_kid_grow_as_renders_degrade(network, renders, degrade, levels):
    scores = np.array([_fid_and_kid(network, renders["tub_reference"], degrade(renders, level)) for level in levels])
    assert np.all(np.diff(scores[:, 0]) > 0), f"FID {scores[:, 0]}"
    assert np.all(np.diff(scores[:, 1]) > 0), f"KID {scores[:, 1]}"


def test_two_samples_of_one_class_are_close(network, renders):
    same_fid, same_kid = _fid_and_kid(network, renders["tub_reference"], renders["tub"])
    other_fid, other_kid = _fid_and_kid(network, renders["tub_reference"], renders["chair"])
    assert same_fid < 0.2 * other_fid
    assert abs(same_kid) < 0.05 * other_kid


def test_larger_renders_are_area_averaged_to_the_input_size():
    rng = np.random.default_rng(0)
    large = rng.uniform(size=(3, 128, 128, 1)).astype(np.float32)
    small = to_input_size(large)
    assert small.shape == (3, 64, 64, 1)
    np.testing.assert_allclose(small[1, 10, 20, 0], large[1, 20:22, 40:42, 0].mean(), rtol=1e-6)
    np.testing.assert_array_equal(to_input_size(large[:, :64, :64]), large[:, :64, :64])
    np.testing.assert_allclose(to_input_size(np.full((1, 64, 64, 1), 255, np.uint8)), 1.0)


@pytest.mark.parametrize("images, message", [
    (np.zeros((2, 64, 64)), "shape"),
    (np.zeros((2, 64, 64, 3)), "grey"),
    (np.zeros((2, 96, 96, 1)), "multiple of 64"),
    (np.zeros((2, 32, 32, 1)), "multiple of 64"),
    (np.full((2, 64, 64, 1), 2.0), r"\[0, 1\]"),
    (np.zeros((2, 64, 64, 1), np.int32), "dtype"),
])
def test_bad_images_are_rejected(images, message):
    with pytest.raises(ValueError, match=f"images.*{message}|{message}"):
        to_input_size(images)


def test_architecture_is_small_and_configurable():
    network = make_feature_network(FeatureNetworkConfig(num_classes=5, width=8, feature_dimension=16))
    outputs = network(np.zeros((2, 64, 64, 1), np.float32), training=False)
    assert outputs["features"].shape == (2, 16) and outputs["logits"].shape == (2, 5)
    shipped = make_feature_network(FeatureNetworkConfig(num_classes=len(CLASS_NAMES)))
    assert shipped.count_params() * 4 < 3 * 2**20  # float32 weights under 3 MB
    with pytest.raises(ValueError, match="num_classes"):
        FeatureNetworkConfig(num_classes=1)
    with pytest.raises(ValueError, match="dropout"):
        FeatureNetworkConfig(num_classes=3, dropout=1.0)


def test_weights_that_do_not_match_their_record_are_refused(tmp_path, network):
    weights = tmp_path / "copy.weights.h5"
    shutil.copy(DEFAULT_WEIGHTS_PATH, weights)
    record = json.loads(record_path_for(DEFAULT_WEIGHTS_PATH).read_text())
    record_path_for(weights).write_text(json.dumps({**record, "sha256": "0" * 64}))
    with pytest.raises(ValueError, match="SHA-256"):
        FeatureNetwork(weights)
    record_path_for(weights).unlink()
    with pytest.raises(ValueError, match="record .* not found"):
        FeatureNetwork(weights)
    with pytest.raises(ValueError, match="class_name 'teapot'"):
        network.class_index("teapot")


SHAPENET_DUMMY_DIR = pathlib.Path(__file__).resolve().parent.parent / "iggan_tf/datasets/shapenet_renders/dummy_data"


def test_training_writes_weights_and_a_record_that_load(tmp_path):
    """A tiny run with the procedural classes plus the ShapeNet tubs of the builder's dummy data."""
    training = FeatureNetworkTraining(
        train_shapes_per_class=2, views_per_train_shape=1, held_out_shapes_per_class=1, views_per_held_out_shape=1,
        paper_scale_shapes_per_class=0, epochs=1, batch_size=14, width=4, feature_dimension=8, render_workers=1,
        shapenet_manual_dir=str(SHAPENET_DUMMY_DIR))
    weights = tmp_path / "tiny.weights.h5"
    record = train_feature_network(training, weights, command="python tools/train_feature_net.py --epochs=1")
    loaded = FeatureNetwork(weights)
    assert loaded.sha256 == record["sha256"]
    assert loaded.classes == (*CLASS_NAMES, SHAPENET_PREFIX + "tub")
    # Each shape is drawn with and without shadows, from the same views.
    assert record["training_data"]["images"] == 2 * 2 * len(loaded.classes)
    assert record["held_out"]["images"] == 2 * len(loaded.classes)
    assert set(record["held_out"]["by_shadows"]) == {"with shadows", "without shadows"}
    assert record["renderers"] == loaded.trained_on == [{"name": "pyrender", "shadows": True},
                                                        {"name": "pyrender", "shadows": False}]
    assert 0.0 <= record["held_out_accuracy"] <= 1.0 and "held_out_paper_scale" not in record
    assert json.loads(record_path_for(weights).read_text()) == record
    with pytest.raises(ValueError, match="weights_path must end in .weights.h5"):
        train_feature_network(training, tmp_path / "tiny.h5")
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        FeatureNetworkTraining(epochs=0)
    with pytest.raises(ValueError, match="shadow_settings must be a non-empty tuple of distinct booleans"):
        FeatureNetworkTraining(shadow_settings=(True, True))
