"""The builder config both rendered datasets (synthetic_shapes, shapenet_renders) share: one class in one paper
setting at one image size (voxels at half the image size), drawn by one renderer with or without shadows, so that a
config's name, description and version mean the same in either."""

import tensorflow_datasets as tfds

from iggan_tf.datasets import settings
from iggan_tf.render.backends import DEFAULT_RENDERER


class RendersConfig(tfds.core.BuilderConfig):
    """A rendered dataset's config. Subclasses check `class_name` first and say what is rendered: `label` (the
    class as the description names it) and `objects` (how many of what, e.g. "120 shapes")."""

    def __init__(
        self,
        *,
        class_name: str,
        setting: settings.Setting,
        image_size: int,
        label: str,
        objects: str,
        renderer: str = DEFAULT_RENDERER,
        shadows: bool = True,
        **kwargs,
    ):
        voxel_resolution = settings.voxel_resolution(image_size)
        settings.check_renderer(renderer, shadows)
        super().__init__(
            name=settings.config_name(class_name, setting.name, image_size, renderer, shadows),
            description=(
                f"{label}, setting {setting.name}: {objects} x {setting.views_per_object} views, {image_size}^2 "
                f"renders of {voxel_resolution}^3 voxels {settings.rendering_words(renderer, shadows)}."
            ),
            version=tfds.core.Version(settings.RENDERS_VERSION),
            release_notes=settings.RENDERS_RELEASE_NOTES,
            **kwargs,
        )
        self.class_name = class_name
        self.setting = setting
        self.image_size = image_size
        self.voxel_resolution = voxel_resolution
        self.renderer = renderer
        self.shadows = shadows
