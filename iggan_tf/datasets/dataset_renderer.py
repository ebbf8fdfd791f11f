"""Which renderer drew a dataset, and the refusal of a run whose renderer differs: real images and images of
generated shapes must come from the same renderer, or D learns to tell the renderers apart instead of the shapes.

Rendered datasets (synthetic_shapes, shapenet_renders) record `renderer` and `shadows` in their metadata
(iggan_tf.datasets.settings.render_metadata); photo datasets (chanterelle) record none and are never refused.
"""

from iggan_tf.datasets import settings


def recorded_rendering(builder) -> tuple[str, bool] | None:
    """(renderer, shadows) recorded in the metadata of the tfds `builder`, or None for a dataset not rendered here."""
    metadata = builder.info.metadata or {}
    if "renderer" not in metadata:
        return None
    return metadata["renderer"], bool(metadata["shadows"])


def rendering_flags(renderer: str, shadows: bool) -> list:
    """The iggan-train flags that choose `renderer` with or without `shadows`."""
    return [f"--renderer={renderer}", f"--{'' if shadows else 'no'}shadows"]


def check_rendered_by(builder, renderer: str, shadows: bool) -> None:
    """ValueError naming the run's flags and the dataset's renderer when `builder`'s images were drawn by another
    renderer (or with another shadows setting) than `renderer` with `shadows`; suggests the matching choices."""
    settings.check_renderer(renderer, shadows)
    recorded = recorded_rendering(builder)
    if recorded is None or recorded == (renderer, shadows):
        return
    dataset_renderer, dataset_shadows = recorded
    dataset = builder.info.full_name.rsplit("/", 1)[0]  # name/config, without the version
    flags = " ".join(rendering_flags(dataset_renderer, dataset_shadows))
    config = builder.builder_config
    matching = settings.config_name(config.class_name, config.setting.name, config.image_size, renderer, shadows)
    raise ValueError(
        f"{' '.join(rendering_flags(renderer, shadows))} but {dataset} was rendered "
        f"{settings.rendering_words(dataset_renderer, dataset_shadows)}; choose {flags}, or the dataset "
        f"{builder.name}/{matching}"
    )
