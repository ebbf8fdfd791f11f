"""A tiny synthetic_shapes config for tests that need a real dataset built in seconds: 8 training and 8 held-out
tubs, one 64^2 view each. The config is added to the builder only while `tiny_tubs_built` is active."""

import contextlib

import pytest

from iggan_tf.datasets import settings
from iggan_tf.datasets.synthetic_shapes.synthetic_shapes_dataset_builder import Builder, SyntheticShapesConfig
from iggan_tf.evaluation.held_out_data import load_held_out_data
from iggan_tf.geometry.cameras import FULL_TURN_HIGH

TINY = SyntheticShapesConfig(
    class_name="tub", setting=settings.Setting("tiny", 8, 1, 8, FULL_TURN_HIGH), image_size=64)
DATASET = f"synthetic_shapes/{TINY.name}"


@contextlib.contextmanager
def tiny_tubs_built(directory):
    """Registers the tiny config, builds it into the tfds data dir `directory` and yields that dir as a str."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(Builder.builder_configs, TINY.name, TINY)
        load_held_out_data(DATASET, str(directory))
        yield str(directory)
