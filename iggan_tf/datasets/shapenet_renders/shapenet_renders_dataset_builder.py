"""shapenet_renders: OpenGL renders of voxelized ShapeNetCore models in the paper's dataset settings
(Section 4.2), from a manual download (v1 or v2, extracted or zipped; `iggan_tf.datasets.shapenet_files`)."""

import functools

import tensorflow_datasets as tfds

from iggan_tf.datasets import settings, shape_renders, shapenet_files, splits
from iggan_tf.datasets.renders_config import RendersConfig
from iggan_tf.datasets.skipped_inputs import SkippedInputs
from iggan_tf.render import OpenGLRenderer

# Views are a function of (this seed, shape id, view index); changing it changes the data, hence the version.
VIEW_SEED = 0
CLASS_NAMES = tuple(shapenet_files.SYNSETS)


class ShapeNetRendersConfig(RendersConfig):
    """One ShapeNet category in one paper setting at one image size, drawn by one renderer with or without shadows
    (see RendersConfig)."""

    def __init__(self, *, class_name: str, setting: settings.Setting, **kwargs):
        if class_name not in shapenet_files.SYNSETS:
            raise ValueError(f"class_name must be one of {CLASS_NAMES}, got {class_name!r}")
        super().__init__(
            class_name=class_name,
            setting=setting,
            label=f"{class_name} (synset {shapenet_files.SYNSETS[class_name]})",
            objects=f"{setting.train_objects or 'all training'} models",
            **kwargs,
        )
        self.synset = shapenet_files.SYNSETS[class_name]


class Builder(tfds.core.GeneratorBasedBuilder):
    """Renders of voxelized ShapeNetCore models: image, view, class label and shape id per example."""

    BUILDER_CONFIGS = settings.paper_configs(ShapeNetRendersConfig, CLASS_NAMES)
    DEFAULT_BUILDER_CONFIG_NAME = settings.config_name("tub", "500", 64)
    MANUAL_DOWNLOAD_INSTRUCTIONS = f"""\
    Register at https://shapenet.org and download ShapeNetCore v2 (ShapeNetCore.v2.zip) or v1
    (ShapeNetCore.v1.zip). Put into `manual_dir` (default `<data_dir>/downloads/manual/`) either
      * the zip as downloaded, not extracted: ShapeNetCore.v2.zip, ShapeNetCore.v1.zip (with its per-synset
        zips inside), or per-synset zips such as 03001627.zip; zips are read in place, never extracted; or
      * the extracted folders: `<synset>/<model id>/models/model_normalized.obj` (v2) or
        `<synset>/<model id>/model.obj` (v1), directly in `manual_dir` or under one or two folders
        (e.g. `manual_dir/ShapeNetCore.v2/03001627/...`).
    Synsets read: {", ".join(f"{name} {synset}" for name, synset in shapenet_files.SYNSETS.items())}; other
    files are ignored. Unusable models (empty, not a mesh, NaN vertices, more than
    {shapenet_files.MAX_FACES} faces, unsafe zip member names) are skipped, logged and counted.
    """

    def _info(self) -> tfds.core.DatasetInfo:
        config = self.builder_config
        return self.dataset_info_from_configs(
            features=shape_renders.example_features(config.image_size, CLASS_NAMES, "<synset>/<model id>: shapenet_files.ground_truth_voxels"),
            supervised_keys=("image", "label"),
            homepage="https://shapenet.org",
            metadata=tfds.core.MetadataDict(
                settings.render_metadata(config.setting, config.image_size, config.renderer, config.shadows),
                class_name=config.class_name,
                synset=config.synset,
                held_out_fraction=settings.HELD_OUT_FRACTION,
                view_seed=VIEW_SEED,
            ),
        )

    def _download_and_prepare(self, dl_manager, download_config=None):
        # One pool of render workers serves every split: starting and stopping one takes seconds.
        config = self.builder_config
        with OpenGLRenderer(config.image_size, renderer=config.renderer, shadows=config.shadows) as self._renderer:
            super()._download_and_prepare(dl_manager, download_config)

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        config = self.builder_config
        skipped = SkippedInputs("ShapeNet file")
        models = shapenet_files.find_models(dl_manager.manual_dir, [config.synset], skipped)
        skipped.log_summary(used=len(models))
        self.info.metadata["skipped_inputs"] = skipped.total
        if not models:
            raise AssertionError(
                f"No ShapeNetCore models of synset {config.synset} ({config.class_name}) found in the manual dir "
                f"{dl_manager.manual_dir}.\n{self.MANUAL_DOWNLOAD_INSTRUCTIONS}"
            )
        setting = config.setting
        generators = {}
        for split, count, views in (
            (splits.TRAIN, setting.train_objects, setting.views_per_object),
            (splits.TEST, setting.test_objects, 1),
        ):
            chosen = shapenet_files.select_models(models, split, count)
            if chosen:
                generators[split] = self._generate_examples(chosen, views)
        return generators

    def _generate_examples(self, models, views_per_object: int):
        config = self.builder_config
        spec = shape_renders.RenderSpec(
            image_size=config.image_size,
            voxel_resolution=config.voxel_resolution,
            view_range=config.setting.view_range,
            views_per_object=views_per_object,
            view_seed=VIEW_SEED,
        )
        skipped = SkippedInputs("ShapeNet model")
        with shapenet_files.ModelReader() as reader:
            shapes = (
                shape_renders.ShapeSource(model.shape_id, functools.partial(shapenet_files.load_mesh, reader, model))
                for model in models
            )
            for key, example in shape_renders.rendered_examples(shapes, spec, skipped, self._renderer):
                yield key, {**example, "label": config.class_name}
        self.info.metadata["skipped_inputs"] += skipped.total
