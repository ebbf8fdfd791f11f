"""The paper's dataset settings (iggan_tf.datasets.settings) and hash splits (iggan_tf.datasets.splits)."""

import pytest

from iggan_tf.datasets import settings, splits
from iggan_tf.geometry import cameras


def test_paper_settings_follow_section_4_2():
    assert settings.paper_setting("500", "couch").train_objects == 500
    assert settings.paper_setting("one_per_model", "tub").views_per_object == 4
    assert settings.paper_setting("one_per_model", "chair").views_per_object == 1
    assert settings.paper_setting("one_per_model", "chair").train_objects is None  # every object
    assert settings.paper_setting("unlimited", "chair").view_range == cameras.FULL_TURN_WIDE
    assert settings.paper_setting("unlimited", "tub").view_range == cameras.FULL_TURN_HIGH
    assert settings.paper_setting("lvp", "chair").view_range == cameras.LIMITED_VIEWPOINT
    assert settings.voxel_resolution(128) == 64 and settings.voxel_resolution(64) == 32
    assert settings.config_name("tub", "500", 128) == "tub_500_128"


def test_config_names_and_metadata_say_which_renderer_drew_the_images():
    assert settings.config_name("tub", "500", 64, "blender") == "tub_500_64_blender"
    assert settings.config_name("tub", "500", 64, "pyrender", shadows=False) == "tub_500_64_noshadows"
    metadata = settings.render_metadata(settings.paper_setting("500", "tub"), 64, "blender", False)
    assert metadata["renderer"] == "blender" and metadata["shadows"] is False
    assert "blender without shadows" in metadata["images"]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: settings.paper_setting("lvp", "tub"), "lvp setting"),
        (lambda: settings.paper_setting("1000", "tub"), "setting_name"),
        (lambda: settings.voxel_resolution(63), "image_size"),
        (lambda: settings.Setting("x", 0, 1, None, cameras.FULL_TURN_HIGH), "train_objects"),
        (lambda: settings.Setting("x", 5, 0, None, cameras.FULL_TURN_HIGH), "views_per_object"),
        (lambda: splits.split_of("a", 1.5), "held_out_fraction"),
        (lambda: settings.config_name("tub", "500", 64, "povray"), "renderer must be one of"),
        (lambda: settings.render_metadata(settings.paper_setting("500", "tub"), 64, "pyrender", "yes"), "shadows"),
    ],
)
def test_bad_settings_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_hash_split_holds_out_about_the_fraction_and_is_stable():
    names = [f"model_{index}" for index in range(4000)]
    held_out = [name for name in names if splits.split_of(name, 0.1) == splits.TEST]
    assert 300 < len(held_out) < 500
    assert held_out == [name for name in names if splits.split_of(name, 0.1) == splits.TEST]
    # A larger fraction only adds names: nothing moves from test back to train.
    assert set(held_out) <= {name for name in names if splits.split_of(name, 0.2) == splits.TEST}
