"""tfds's standard checks of the shapenet_renders builder on dummy_data: five tub models in the v2 layout,
the v1 layout and a per-synset zip; four views per training model in the one-per-model setting."""

import tensorflow_datasets as tfds

from iggan_tf.datasets.shapenet_renders import shapenet_renders_dataset_builder


class ShapeNetRendersTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = shapenet_renders_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["tub_one_per_model_64"]
    SPLITS = {"train": 16, "test": 1}


if __name__ == "__main__":
    tfds.testing.test_main()
