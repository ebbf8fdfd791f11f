"""The paper's dataset settings (Section 4.2): how many objects, how many views of each, from which cameras.

Shared by the `synthetic_shapes` and `shapenet_renders` builders and by the online unlimited-views pipeline,
so that a setting name means the same data everywhere; also which off-the-shelf renderer drew a dataset
(`iggan_tf.render.backends`). numpy only.
"""

import dataclasses

from iggan_tf.geometry import cameras
from iggan_tf.render import backends
from iggan_tf.render.backends import DEFAULT_RENDERER, RENDERER_NAMES

# CPU scale (32^3 voxels, 64^2 images) and paper scale (64^3 voxels, 128^2 images).
IMAGE_SIZES = (64, 128)
SETTING_NAMES = ("500", "one_per_model", "unlimited", "lvp")
# The paper defines the limited-viewpoint setting for chairs only.
LVP_CLASSES = ("chair",)

# Objects in the paper's ShapeNet categories (its one-per-model dataset sizes): procedural classes are given
# collections of the same size, and other classes the paper's "about 3000".
PAPER_OBJECT_COUNTS = {"chair": 6777, "couch": 3173, "tub": 856}
DEFAULT_OBJECT_COUNT = 3000
# Tubs are few, so the paper renders each of them from four viewpoints in the one-per-model setting.
PAPER_VIEWS_PER_OBJECT = {"tub": 4}
# The stored stand-in for "a new view every epoch"; the online pipeline gives truly unlimited views.
STORED_UNLIMITED_VIEWS = 20
# Fraction of a collection's objects (or photos) held out for testing: a 90/10 split.
HELD_OUT_FRACTION = 0.1
# The 500 setting holds out this many objects for evaluation.
HELD_OUT_OBJECTS_OF_500 = 100

# Version of the rendered datasets (synthetic_shapes, shapenet_renders): a change of their images is a new version.
RENDERS_VERSION = "2.0.0"
RENDERS_RELEASE_NOTES = {
    "1.0.0": "Initial release.",
    "2.0.0": "Images are drawn by a named renderer (config fields `renderer` and `shadows`, recorded in the metadata; "
             "configs `<name>_<renderer>` and `<name>_noshadows`). The default, pyrender, now lights with its own "
             "directional lights, standard shader and shadows, so images differ from 1.0.0.",
}


def check_image_size(image_size) -> int:
    """Returns `image_size` as an int; ValueError unless it is an even integer >= 8."""
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 8 or image_size % 2:
        raise ValueError(f"image_size must be an even integer >= 8, got {image_size!r}")
    return image_size


def voxel_resolution(image_size: int) -> int:
    """Voxel grid side for dataset shapes rendered at `image_size`: half of it, as for generated shapes
    (the generator's N^3 grid is rendered to (2N)^2 images), so real and generated images match in detail."""
    return check_image_size(image_size) // 2


def view_range(class_name: str, setting_name: str) -> cameras.ViewRange:
    """The paper's camera distribution: LVP for the lvp setting, elevation -30..60 for chairs, 15..60 for the rest.

    The paper gives ranges for chairs, couches and tubs only; the other classes take the couches' range
    (views from below are unusual for furniture and objects standing on a floor).
    """
    if setting_name == "lvp":
        return cameras.LIMITED_VIEWPOINT
    return cameras.FULL_TURN_WIDE if class_name == "chair" else cameras.FULL_TURN_HIGH


@dataclasses.dataclass(frozen=True)
class Setting:
    """What one dataset config holds: `train_objects` objects seen from `views_per_object` views each, and
    `test_objects` held-out objects seen once each (None: every object of that part of the collection)."""

    name: str
    train_objects: int | None
    views_per_object: int
    test_objects: int | None
    view_range: cameras.ViewRange

    def __post_init__(self):
        for field in ("train_objects", "test_objects"):
            count = getattr(self, field)
            if count is not None and (not isinstance(count, int) or count < 1):
                raise ValueError(f"Setting.{field} must be None or a positive integer, got {count!r}")
        if not isinstance(self.views_per_object, int) or self.views_per_object < 1:
            raise ValueError(f"Setting.views_per_object must be a positive integer, got {self.views_per_object!r}")


def paper_setting(setting_name: str, class_name: str) -> Setting:
    """The paper's setting `setting_name` (one of SETTING_NAMES) for objects of `class_name`."""
    if setting_name not in SETTING_NAMES:
        raise ValueError(f"setting_name must be one of {SETTING_NAMES}, got {setting_name!r}")
    if setting_name == "lvp" and class_name not in LVP_CLASSES:
        raise ValueError(f"the lvp setting is defined for {LVP_CLASSES} only, got class_name {class_name!r}")
    views = {
        "500": 1,
        "one_per_model": PAPER_VIEWS_PER_OBJECT.get(class_name, 1),
        "unlimited": STORED_UNLIMITED_VIEWS,
        "lvp": STORED_UNLIMITED_VIEWS,
    }[setting_name]
    return Setting(
        name=setting_name,
        train_objects=500 if setting_name == "500" else None,
        views_per_object=views,
        test_objects=HELD_OUT_OBJECTS_OF_500 if setting_name == "500" else None,
        view_range=view_range(class_name, setting_name),
    )


def check_renderer(renderer, shadows) -> None:
    """ValueError unless `renderer` is a name of the renderer registry and `shadows` a bool it can honour."""
    backends.check_choice(renderer, shadows)


def rendering_words(renderer: str, shadows: bool) -> str:
    """`renderer` and `shadows` in words, e.g. "by pyrender with shadows", for descriptions."""
    return f"by {renderer} {backends.shadows_words(shadows)}"


def paper_configs(make_config, class_names) -> list:
    """One builder config per class, paper setting, image size, renderer and shadows choice (the lvp setting for
    LVP_CLASSES only), made by `make_config(class_name=..., setting=..., image_size=..., renderer=..., shadows=...)`."""
    return [
        make_config(class_name=class_name, setting=paper_setting(setting_name, class_name), image_size=image_size,
                    renderer=renderer, shadows=shadows)
        for class_name in class_names
        for setting_name in SETTING_NAMES
        if setting_name != "lvp" or class_name in LVP_CLASSES
        for image_size in IMAGE_SIZES
        for renderer in RENDERER_NAMES
        for shadows in (True, False)
        if backends.backend(renderer).draws_shadows or not shadows
    ]


def config_name(
    class_name: str, setting_name: str, image_size: int, renderer: str = DEFAULT_RENDERER, shadows: bool = True
) -> str:
    """Name of the builder config for one class, setting, image size and renderer, e.g. `tub_500_128` (the default
    renderer with shadows), `tub_500_64_blender`, `tub_500_64_noshadows`."""
    check_renderer(renderer, shadows)
    suffix = ("" if renderer == DEFAULT_RENDERER else f"_{renderer}") + ("" if shadows else "_noshadows")
    return f"{class_name}_{setting_name}_{image_size}{suffix}"


def render_metadata(setting: Setting, image_size: int, renderer: str, shadows: bool) -> dict:
    """What a rendered dataset records about how its images were made (tfds metadata, JSON-ready); `renderer` and
    `shadows` are what iggan_tf.datasets.dataset_renderer checks runs against."""
    check_renderer(renderer, shadows)
    return {
        "setting": setting.name,
        "image_size": image_size,
        "voxel_resolution": voxel_resolution(image_size),
        "views_per_train_object": setting.views_per_object,
        "views_per_test_object": 1,
        "azimuth_range": list(setting.view_range.azimuth),
        "elevation_range": list(setting.view_range.elevation),
        "renderer": renderer,
        "shadows": shadows,
        "images": f"binary voxels meshed by marching cubes, rendered {rendering_words(renderer, shadows)}, "
                  "paper lighting",
    }
