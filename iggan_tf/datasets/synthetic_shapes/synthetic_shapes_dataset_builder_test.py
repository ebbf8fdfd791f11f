"""tfds's standard checks of the synthetic_shapes builder on a tiny config (3 tubs x 2 views, 2 held out)."""

import tensorflow_datasets as tfds

from iggan_tf.datasets.settings import Setting, view_range
from iggan_tf.datasets.synthetic_shapes import synthetic_shapes_dataset_builder

TINY = synthetic_shapes_dataset_builder.SyntheticShapesConfig(
    class_name="tub",
    setting=Setting(
        name="tiny", train_objects=3, views_per_object=2, test_objects=2, view_range=view_range("tub", "500")
    ),
    image_size=32,
)


class SyntheticShapesTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = synthetic_shapes_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = [TINY]
    SPLITS = {"train": 6, "test": 2}


if __name__ == "__main__":
    tfds.testing.test_main()
