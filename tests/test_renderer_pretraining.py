"""Tests for iggan_tf.gan.renderer_pretraining with a fake OpenGL renderer (view-transform silhouettes)."""

import json
from unittest import mock

import numpy as np
import pytest
import tensorflow as tf

from iggan_tf.gan import renderer_pretraining
from iggan_tf.geometry.cameras import ViewRange
from iggan_tf.geometry.view_grid import view_transform
from iggan_tf.nets import RenderNetConfig, make_rendernet

VOXEL_SIZE = 8
CONFIG = RenderNetConfig(voxel_size=VOXEL_SIZE, image_size=2 * VOXEL_SIZE, width=2, projection_channels=8)
VIEWS = ViewRange(azimuth=(0.0, 360.0), elevation=(-30.0, 60.0))


def silhouette_render(binary_voxels, azimuth, elevation):
    """Stands in for OpenGL: what the camera sees of the voxels, white on black, [B, 2N, 2N, 1]."""
    return tf.reduce_max(view_transform(binary_voxels, azimuth, elevation), axis=3)


@pytest.fixture(scope="module")
def examples():
    return renderer_pretraining.make_renderer_examples(
        "random_cubes", shape_count=3, views_per_shape=4, voxel_size=VOXEL_SIZE,
        opengl_render=silhouette_render, view_range=VIEWS, render_batch_size=5,
    )


def test_examples_hold_each_shape_once_and_one_render_per_view(examples):
    assert examples.binary_voxels.shape == (3, VOXEL_SIZE, VOXEL_SIZE, VOXEL_SIZE)
    assert examples.binary_voxels.dtype == bool and examples.binary_voxels.any(axis=(1, 2, 3)).all()
    np.testing.assert_array_equal(examples.shape_indices, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    assert examples.opengl_images.shape == (12, 16, 16, 1) and examples.opengl_images.dtype == np.uint8
    assert np.all((examples.azimuth >= 0.0) & (examples.azimuth <= 360.0))
    assert np.all((examples.elevation >= -30.0) & (examples.elevation <= 60.0))
    # Each image is the render of its own shape from its own view (batches of 5 do not mix them up).
    voxels = examples.binary_voxels[examples.shape_indices][..., None].astype(np.float32)
    expected = silhouette_render(voxels, examples.azimuth, examples.elevation).numpy()
    np.testing.assert_allclose(examples.opengl_images / 255.0, expected, atol=0.5 / 255.0 + 1e-6)


def test_examples_are_reproducible(examples):
    again = renderer_pretraining.make_renderer_examples(
        "random_cubes", 3, 4, VOXEL_SIZE, silhouette_render, VIEWS, render_batch_size=12
    )
    np.testing.assert_array_equal(again.azimuth, examples.azimuth)
    np.testing.assert_array_equal(again.opengl_images, examples.opengl_images)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"shape_count": 0}, "shape_count"),
        ({"views_per_shape": 1.5}, "views_per_shape"),
        ({"class_name": "teapot"}, "class_name"),
        ({"view_range": (0, 360)}, "view_range"),
    ],
)
def test_examples_reject_bad_arguments(arguments, message):
    kwargs = dict(class_name="table", shape_count=1, views_per_shape=1, voxel_size=VOXEL_SIZE,
                  opengl_render=silhouette_render)
    with pytest.raises(ValueError, match=message):
        renderer_pretraining.make_renderer_examples(**{**kwargs, **arguments})


def test_dataset_pairs_rendernet_inputs_with_their_opengl_render(examples):
    (voxels, azimuth, elevation), images = next(iter(renderer_pretraining.renderer_dataset(examples, 7, seed=1)))
    assert voxels.shape == (7, VOXEL_SIZE, VOXEL_SIZE, VOXEL_SIZE, 1) and voxels.dtype == tf.float32
    assert azimuth.shape == elevation.shape == (7,)
    assert images.shape == (7, 16, 16, 1) and images.dtype == tf.float32
    np.testing.assert_allclose(images, silhouette_render(voxels, azimuth, elevation), atol=0.5 / 255.0 + 1e-6)


def test_pretraining_lowers_l2_and_leaves_rendernet_uncompiled(examples):
    rendernet = make_rendernet(CONFIG)
    before = [variable.numpy().copy() for variable in rendernet.trainable_variables]
    history = renderer_pretraining.pretrain_renderer(
        rendernet, renderer_pretraining.renderer_dataset(examples, 6, seed=2), steps=80, learning_rate=1e-3,
        steps_per_epoch=20, verbose=0,
    )
    assert len(history["loss"]) == 4
    # Beyond the all-black image, the easy minimum of L2 on renders that are mostly background.
    all_black_l2 = 128 * 128 * np.mean(np.sum((examples.opengl_images / 255.0) ** 2, axis=3))
    assert history["loss"][-1] < 0.6 * all_black_l2
    assert all(not np.array_equal(a, b.numpy()) for a, b in zip(before, rendernet.trainable_variables))
    assert not rendernet.compiled


@pytest.mark.parametrize("steps_per_epoch", [7, 1])
def test_progress_log_reports_every_interval_and_the_last_step(examples, steps_per_epoch):
    with mock.patch.object(renderer_pretraining.logging, "info") as info:
        renderer_pretraining.pretrain_renderer(
            make_rendernet(CONFIG), renderer_pretraining.renderer_dataset(examples, 2), steps=7,
            steps_per_epoch=steps_per_epoch, callbacks=[renderer_pretraining.ProgressLog(every=3)], verbose=0,
        )
    reported = [(call.args[1], call.args[2]) for call in info.call_args_list]
    assert reported == [(3, 7), (6, 7), (7, 7)]
    assert all(np.isfinite(call.args[3]) and call.args[3] > 0 for call in info.call_args_list)


def test_pretraining_steps_must_fill_whole_epochs(examples):
    with pytest.raises(ValueError, match="steps_per_epoch"):
        renderer_pretraining.pretrain_renderer(
            make_rendernet(CONFIG), renderer_pretraining.renderer_dataset(examples, 2), steps=10, steps_per_epoch=3
        )


def test_saved_renderer_loads_with_its_config_and_record(tmp_path):
    rendernet = make_rendernet(CONFIG)
    record = {"class_name": "table", "steps": 5}
    renderer_pretraining.save_renderer(tmp_path / "renderer", rendernet, CONFIG, record)
    assert sorted(path.name for path in (tmp_path / "renderer").iterdir()) == ["rendernet.json", "rendernet.weights.h5"]
    assert json.loads((tmp_path / "renderer" / "rendernet.json").read_text())["config"]["voxel_size"] == VOXEL_SIZE

    saved = renderer_pretraining.load_renderer(tmp_path / "renderer")
    assert saved.config == CONFIG and saved.pretraining == record
    inputs = [tf.ones([1, VOXEL_SIZE, VOXEL_SIZE, VOXEL_SIZE, 1]), tf.constant([30.0]), tf.constant([10.0])]
    np.testing.assert_array_equal(saved.rendernet(inputs), rendernet(inputs))


def test_save_rejects_a_renderer_of_another_config(tmp_path):
    with pytest.raises(ValueError, match="not built from config"):
        other_config = RenderNetConfig(voxel_size=8, image_size=8)
        renderer_pretraining.save_renderer(tmp_path, make_rendernet(CONFIG), other_config, {})


def test_load_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="rendernet.json"):
        renderer_pretraining.load_renderer(tmp_path)


def test_a_pretrained_renderer_records_what_it_imitates_and_refuses_another_renderer(tmp_path):
    # Training itself is tested above; here only what the record says matters.
    with mock.patch.object(renderer_pretraining, "pretrain_renderer", return_value={"loss": [0.25]}):
        renderer_pretraining.pretrain_and_save(
            tmp_path / "renderer", CONFIG, "random_cubes", 2, 1, silhouette_render, views_per_shape=1, batch_size=2,
            renderer="blender", shadows=False,
        )
    saved = renderer_pretraining.load_renderer(tmp_path / "renderer")
    assert (saved.pretraining["renderer"], saved.pretraining["shadows"]) == ("blender", False)
    renderer_pretraining.check_imitates(saved, tmp_path / "renderer", "blender", False)
    with pytest.raises(ValueError, match="--renderer=pyrender --shadows but the pre-trained renderer .* imitates "
                                         "renders by blender without shadows"):
        renderer_pretraining.check_imitates(saved, tmp_path / "renderer", "pyrender", True)
    # A record from before renderers had names imitates the per-vertex Lambert path, now pyrender_unlit.
    unnamed = renderer_pretraining.SavedRenderer(saved.rendernet, CONFIG, {"class_name": "random_cubes"})
    renderer_pretraining.check_imitates(unnamed, tmp_path / "renderer", "pyrender_unlit", False)
    with pytest.raises(ValueError, match="imitates renders by pyrender_unlit without shadows"):
        renderer_pretraining.check_imitates(unnamed, tmp_path / "renderer", "pyrender", True)
