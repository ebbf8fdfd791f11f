"""The refusal of a run whose renderer differs from its dataset's (iggan_tf.datasets.dataset_renderer), on builders
that are never prepared: their metadata comes from the config."""

import pytest

from iggan_tf.datasets import dataset_renderer
from iggan_tf.datasets.chanterelle import chanterelle_dataset_builder as chanterelle
from iggan_tf.datasets.synthetic_shapes import synthetic_shapes_dataset_builder as synthetic_shapes
from iggan_tf.training import real_images


def _synthetic(config_name):
    return synthetic_shapes.Builder(config=config_name, data_dir="/nonexistent")


def test_a_dataset_records_its_renderer_and_the_same_one_passes():
    assert dataset_renderer.recorded_rendering(_synthetic("tub_500_64_blender")) == ("blender", True)
    assert dataset_renderer.recorded_rendering(_synthetic("tub_500_64_noshadows")) == ("pyrender", False)
    dataset_renderer.check_rendered_by(_synthetic("tub_500_64"), "pyrender", True)
    dataset_renderer.check_rendered_by(_synthetic("tub_500_64_blender"), "blender", True)


@pytest.mark.parametrize(
    "config_name, renderer, shadows, message",
    [
        ("tub_500_64", "blender", True,
         "--renderer=blender --shadows but synthetic_shapes/tub_500_64 was rendered by pyrender with shadows; "
         "choose --renderer=pyrender --shadows, or the dataset synthetic_shapes/tub_500_64_blender"),
        ("tub_500_64_blender", "pyrender", True, "synthetic_shapes/tub_500_64_blender was rendered by blender"),
        ("tub_500_64", "pyrender", False, "choose --renderer=pyrender --shadows, or the dataset "
         "synthetic_shapes/tub_500_64_noshadows"),
    ],
)
def test_another_renderer_is_refused_naming_both(config_name, renderer, shadows, message):
    with pytest.raises(ValueError) as refusal:
        dataset_renderer.check_rendered_by(_synthetic(config_name), renderer, shadows)
    assert message in str(refusal.value)


def test_photos_have_no_renderer_and_are_never_refused():
    photos = chanterelle.Builder(config="64", data_dir="/nonexistent")
    assert dataset_renderer.recorded_rendering(photos) is None
    dataset_renderer.check_rendered_by(photos, "blender", False)


def test_load_builder_refuses_before_rendering_anything(tmp_path):
    with pytest.raises(ValueError, match="was rendered by pyrender"):
        real_images.load_builder("synthetic_shapes/tub_500_64", str(tmp_path), renderer="blender")
    assert not list(tmp_path.rglob("*.tfrecord*"))


@pytest.mark.parametrize("dataset, flags", [
    ("synthetic_shapes/tub_500_64_blender_noshadows", ["--renderer=blender", "--noshadows"]),
    ("chanterelle/64", []),
])
def test_the_memory_benchmark_runs_with_the_renderer_of_its_dataset(dataset, flags):
    from iggan_tf.benchmarks import training_memory

    assert training_memory.dataset_rendering_flags(dataset, "/nonexistent") == flags
