"""tfds's standard checks of the chanterelle builder on dummy_data (five palette PNGs with transparency)."""

import tensorflow_datasets as tfds

from iggan_tf.datasets.chanterelle import chanterelle_dataset_builder


class ChanterelleTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = chanterelle_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["64"]
    SPLITS = {"train": 4, "test": 1}


if __name__ == "__main__":
    tfds.testing.test_main()
