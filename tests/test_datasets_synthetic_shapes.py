"""synthetic_shapes end to end: the paper's configs, a small build with its features and splits, identical
examples from two builds, a correct rerun after an interrupted build, and ground-truth voxels that re-render
to the stored images."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow_datasets as tfds

from iggan_tf.datasets import settings, splits, synthetic_collection
from iggan_tf.datasets.synthetic_shapes import synthetic_shapes_dataset_builder as synthetic_shapes
from iggan_tf.geometry import cameras
from iggan_tf.render import OpenGLRenderer, backends
from iggan_tf.render.backends import RENDERER_NAMES
from iggan_tf.shapes import CLASS_NAMES

IMAGE_SIZE = 64


def _small_config(class_name="chair", train_objects=4, views_per_object=2, test_objects=2):
    setting = settings.Setting(
        name="small",
        train_objects=train_objects,
        views_per_object=views_per_object,
        test_objects=test_objects,
        view_range=settings.view_range(class_name, "500"),
    )
    return synthetic_shapes.SyntheticShapesConfig(class_name=class_name, setting=setting, image_size=IMAGE_SIZE)


def _build(data_dir, config):
    builder = synthetic_shapes.Builder(config=config, data_dir=str(data_dir))
    builder.download_and_prepare()
    return builder


def _examples(builder, split):
    examples = list(tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False)))
    return sorted(examples, key=lambda example: (example["shape_id"], float(example["azimuth"])))


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("synthetic"), _small_config())


def test_configs_cover_every_class_and_paper_setting():
    configs = {config.name: config for config in synthetic_shapes.Builder.BUILDER_CONFIGS}
    for class_name in CLASS_NAMES:
        for setting_name in ("500", "one_per_model", "unlimited"):
            for size in (64, 128):
                assert f"{class_name}_{setting_name}_{size}" in configs
    assert {name for name in configs if "_lvp_" in name and name.endswith(("_64", "_128"))} == {
        "chair_lvp_64", "chair_lvp_128"
    }
    tubs = configs["tub_one_per_model_128"]
    assert tubs.setting.views_per_object == 4 and tubs.voxel_resolution == 64
    assert configs["chair_500_64"].voxel_resolution == 32 and configs["chair_500_64"].setting.train_objects == 500
    assert configs["chair_500_64"].setting.view_range == cameras.FULL_TURN_WIDE
    assert configs["couch_unlimited_128"].setting.view_range == cameras.FULL_TURN_HIGH
    assert configs["couch_unlimited_128"].setting.views_per_object == settings.STORED_UNLIMITED_VIEWS
    assert configs["chair_lvp_128"].setting.view_range == cameras.LIMITED_VIEWPOINT
    metadata = synthetic_shapes.Builder(config="chair_one_per_model_128", data_dir="/nonexistent").info.metadata
    assert metadata["train_objects"] == 6777 and metadata["voxel_resolution"] == 64
    assert metadata["elevation_range"] == [-30.0, 60.0]
    # Held out: 10 % of the whole collection; the 500 setting asks for 100, tubs have only 95.
    assert metadata["test_objects"] == 753
    assert synthetic_shapes.Builder(config="chair_500_64", data_dir="/nonexistent").info.metadata["test_objects"] == 100
    assert metadata["renderer"] == "pyrender" and metadata["shadows"] is True


def test_every_renderer_has_its_configs_recorded_in_the_metadata():
    configs = {config.name: config for config in synthetic_shapes.Builder.BUILDER_CONFIGS}
    for renderer in RENDERER_NAMES:
        for shadows in (True, False) if backends.backend(renderer).draws_shadows else (False,):
            name = settings.config_name("tub", "500", 64, renderer, shadows)
            assert (configs[name].renderer, configs[name].shadows) == (renderer, shadows)
            metadata = synthetic_shapes.Builder(config=name, data_dir="/nonexistent").info.metadata
            assert (metadata["renderer"], metadata["shadows"]) == (renderer, shadows)
    # A renderer that draws no shadows has no config with shadows.
    assert "tub_500_64_pyrender_unlit" not in configs and "tub_500_64_pyrender_unlit_noshadows" in configs
    assert str(synthetic_shapes.Builder(config="tub_500_64", data_dir="/nonexistent").info.version) == "2.0.0"
    assert synthetic_shapes.Builder(config="tub_500_128", data_dir="/nonexistent").info.metadata["test_objects"] == 95


def test_small_build_has_the_documented_features_and_splits(small_build):
    train, test = _examples(small_build, splits.TRAIN), _examples(small_build, splits.TEST)
    assert len(train) == 8 and len(test) == 2
    assert small_build.info.metadata["voxel_resolution"] == IMAGE_SIZE // 2
    for example in train + test:
        assert example["image"].shape == (IMAGE_SIZE, IMAGE_SIZE, 1) and example["image"].dtype == np.uint8
        # A lit object on black: some background, some object, shading with more than one grey level.
        image = example["image"]
        assert 0.02 < (image > 0).mean() < 0.9 and len(np.unique(image[image > 0])) > 3
        assert -30.0 <= example["azimuth"] <= 360.0 and -30.0 <= example["elevation"] <= 60.0
        assert CLASS_NAMES[example["label"]] == "chair"
    train_seeds = {synthetic_collection.parse_shape_id(e["shape_id"].decode())[1] for e in train}
    test_seeds = {synthetic_collection.parse_shape_id(e["shape_id"].decode())[1] for e in test}
    assert train_seeds == {0, 1, 2, 3}
    assert test_seeds == {synthetic_collection.HELD_OUT_SEED_OFFSET, synthetic_collection.HELD_OUT_SEED_OFFSET + 1}
    # Two views of one object differ.
    assert not np.array_equal(train[0]["image"], train[1]["image"])


def test_two_builds_give_identical_examples(small_build, tmp_path):
    again = _build(tmp_path, _small_config())
    for split in (splits.TRAIN, splits.TEST):
        for first, second in zip(_examples(small_build, split), _examples(again, split), strict=True):
            assert first.keys() == second.keys()
            for key in first:
                np.testing.assert_array_equal(first[key], second[key])


def test_interrupted_build_reruns_to_the_same_examples(small_build, tmp_path, monkeypatch):
    real_make_shape = synthetic_collection.make_shape

    def failing_make_shape(class_name, seed):
        if seed == 2:
            raise RuntimeError("simulated crash in the middle of the train split")
        return real_make_shape(class_name, seed)

    monkeypatch.setattr(synthetic_collection, "make_shape", failing_make_shape)
    with pytest.raises(RuntimeError, match="simulated crash"):
        _build(tmp_path, _small_config())
    monkeypatch.setattr(synthetic_collection, "make_shape", real_make_shape)
    rerun = _build(tmp_path, _small_config())
    for split in (splits.TRAIN, splits.TEST):
        reference = _examples(small_build, split)
        rebuilt = _examples(rerun, split)
        assert len(rebuilt) == len(reference)
        for first, second in zip(reference, rebuilt):
            np.testing.assert_array_equal(first["image"], second["image"])
            assert first["shape_id"] == second["shape_id"]
    assert not list(tmp_path.rglob("incomplete*"))


def test_ground_truth_voxels_rerender_to_the_stored_test_images(small_build):
    test = _examples(small_build, splits.TEST)
    resolution = small_build.info.metadata["voxel_resolution"]
    voxels = synthetic_collection.ground_truth_voxels([e["shape_id"].decode() for e in test], resolution)
    assert voxels.shape == (2, resolution, resolution, resolution) and voxels.dtype == bool
    azimuth = np.array([e["azimuth"] for e in test], np.float32)
    elevation = np.array([e["elevation"] for e in test], np.float32)
    with OpenGLRenderer(IMAGE_SIZE, workers=1) as renderer:
        images = renderer.render(voxels, azimuth, elevation)
    rerendered = np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)
    for stored, again in zip(test, rerendered):
        assert np.abs(stored["image"].astype(int) - again.astype(int)).max() <= 1


def test_shape_ids_are_validated():
    with pytest.raises(ValueError, match="shape_id"):
        synthetic_collection.parse_shape_id("sofa/3")
    with pytest.raises(ValueError, match="count"):
        synthetic_collection.split_shape_ids("tub", splits.TEST, 10**6)
    with pytest.raises(ValueError, match="class_name"):
        synthetic_shapes.SyntheticShapesConfig(
            class_name="sofa", setting=settings.paper_setting("500", "couch"), image_size=64
        )
    with pytest.raises(ValueError, match="renderer must be one of"):
        synthetic_shapes.SyntheticShapesConfig(
            class_name="couch", setting=settings.paper_setting("500", "couch"), image_size=64, renderer="povray"
        )


_BUILD_SCRIPT = """
import sys
from iggan_tf.datasets import settings
from iggan_tf.datasets.synthetic_shapes import synthetic_shapes_dataset_builder as synthetic_shapes
setting = settings.Setting(name="small", train_objects=4, views_per_object=2, test_objects=30,
                           view_range=settings.view_range("chair", "500"))
config = synthetic_shapes.SyntheticShapesConfig(class_name="chair", setting=setting, image_size={image_size})
synthetic_shapes.Builder(config=config, data_dir=sys.argv[1]).download_and_prepare()
"""


@pytest.mark.slow
def test_build_killed_midway_then_rerun_gives_the_reference_examples(tmp_path):
    """SIGKILL (the whole process group, render workers included) once the train split is written and the
    test split (30 shapes, long enough to be caught) is being rendered."""
    reference = _build(tmp_path / "reference", _small_config(test_objects=30))
    script = _BUILD_SCRIPT.format(image_size=IMAGE_SIZE)
    data_dir = tmp_path / "interrupted"
    process = subprocess.Popen([sys.executable, "-c", script, str(data_dir)], start_new_session=True)
    deadline = time.monotonic() + 300
    written_train_split = []
    while not written_train_split and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
        written_train_split = list(data_dir.glob("synthetic_shapes/*/incomplete*/*-train.tfrecord*"))
    assert written_train_split and process.poll() is None, "the build was not caught between its splits"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not list(data_dir.rglob("dataset_info.json"))  # really interrupted
    rerun = _build(data_dir, _small_config(test_objects=30))
    for split in (splits.TRAIN, splits.TEST):
        for first, second in zip(_examples(reference, split), _examples(rerun, split), strict=True):
            np.testing.assert_array_equal(first["image"], second["image"])
            assert first["shape_id"] == second["shape_id"]
