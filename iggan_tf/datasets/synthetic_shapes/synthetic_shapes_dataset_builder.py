"""synthetic_shapes: OpenGL renders of the procedural shape classes in the paper's dataset settings (Section
4.2), the embedded default data. Nothing is downloaded: shapes come from `iggan_tf.shapes`, voxels from
`iggan_tf.geometry`, images from the OpenGL renderer (`iggan_tf.datasets.shape_renders`)."""

import tensorflow_datasets as tfds

from iggan_tf.datasets import settings, shape_renders, splits, synthetic_collection
from iggan_tf.datasets.renders_config import RendersConfig
from iggan_tf.datasets.skipped_inputs import SkippedInputs
from iggan_tf.render import OpenGLRenderer
from iggan_tf.shapes import CLASS_NAMES

# Views are a function of (this seed, shape id, view index); changing it changes the data, hence the version.
VIEW_SEED = 0


class SyntheticShapesConfig(RendersConfig):
    """One procedural class in one paper setting at one image size, drawn by one renderer with or without shadows
    (see RendersConfig)."""

    def __init__(self, *, class_name: str, setting: settings.Setting, **kwargs):
        if class_name not in CLASS_NAMES:
            raise ValueError(f"class_name must be one of {CLASS_NAMES}, got {class_name!r}")
        train = synthetic_collection.object_count(class_name, splits.TRAIN, setting.train_objects)
        super().__init__(class_name=class_name, setting=setting, label=class_name, objects=f"{train} shapes", **kwargs)


class Builder(tfds.core.GeneratorBasedBuilder):
    """Renders of voxelized procedural shapes: image, view, class label and shape id per example."""

    BUILDER_CONFIGS = settings.paper_configs(SyntheticShapesConfig, CLASS_NAMES)
    DEFAULT_BUILDER_CONFIG_NAME = settings.config_name("tub", "500", 64)

    def _info(self) -> tfds.core.DatasetInfo:
        config = self.builder_config
        return self.dataset_info_from_configs(
            features=shape_renders.example_features(config.image_size, CLASS_NAMES, "<class>/<seed>: synthetic_collection.ground_truth_voxels"),
            supervised_keys=("image", "label"),
            homepage="https://arxiv.org/abs/2002.12674",
            metadata=tfds.core.MetadataDict(
                settings.render_metadata(config.setting, config.image_size, config.renderer, config.shadows),
                class_name=config.class_name,
                train_objects=synthetic_collection.object_count(
                    config.class_name, splits.TRAIN, config.setting.train_objects
                ),
                test_objects=synthetic_collection.object_count(
                    config.class_name, splits.TEST, config.setting.test_objects
                ),
                held_out_seed_offset=synthetic_collection.HELD_OUT_SEED_OFFSET,
                view_seed=VIEW_SEED,
            ),
        )

    def _download_and_prepare(self, dl_manager, download_config=None):
        # One pool of render workers serves every split: starting and stopping one takes seconds.
        config = self.builder_config
        with OpenGLRenderer(config.image_size, renderer=config.renderer, shadows=config.shadows) as self._renderer:
            super()._download_and_prepare(dl_manager, download_config)

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # nothing to download
        setting = self.builder_config.setting
        return {
            splits.TRAIN: self._generate_examples(splits.TRAIN, setting.train_objects, setting.views_per_object),
            splits.TEST: self._generate_examples(splits.TEST, setting.test_objects, 1),
        }

    def _generate_examples(self, split: str, wanted_objects: int | None, views_per_object: int):
        config = self.builder_config
        spec = shape_renders.RenderSpec(
            image_size=config.image_size,
            voxel_resolution=config.voxel_resolution,
            view_range=config.setting.view_range,
            views_per_object=views_per_object,
            view_seed=VIEW_SEED,
        )
        count = synthetic_collection.object_count(config.class_name, split, wanted_objects)
        shape_ids = synthetic_collection.split_shape_ids(config.class_name, split, count)
        shapes = map(synthetic_collection.shape_source, shape_ids)
        skipped = SkippedInputs(f"{config.class_name} shape")
        for key, example in shape_renders.rendered_examples(shapes, spec, skipped, self._renderer):
            yield key, {**example, "label": config.class_name}
