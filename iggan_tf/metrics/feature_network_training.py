"""Training the feature network (iggan_tf.metrics.feature_network) on OpenGL renders: every procedural class
(and ShapeNet categories when a manual dir is given) over the full camera range, tested on held-out shapes.

Shapes are voxelized and rendered by the pipeline that makes the datasets and renders generated shapes
(iggan_tf.datasets.shape_renders), at the CPU scale: 32^3 voxels, 64^2 images, by the default renderer with and
without shadows (the same views twice), so that one network scores datasets of both kinds: a network that saw
only shadowed renders classified only 0.44 of unshadowed real tubs as tubs. Training shapes are the
first seeds of each class's training collection, held-out shapes the first of its test collection (seeds
from 1,000,000 on), so accuracy is measured on shapes the network never saw. A smaller held-out set is also
rendered at the paper scale (64^3 voxels, 128^2 images) and area-averaged to 64^2, to check that one
network serves both. Nothing is cached: images are rendered in memory on each run.
"""

import dataclasses
import json
import math
import pathlib
import platform
import time

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from iggan_tf.datasets import shape_renders, shapenet_files, splits, synthetic_collection
from iggan_tf.datasets.skipped_inputs import SkippedInputs
from iggan_tf.geometry.cameras import ViewRange
from iggan_tf.metrics import feature_network
from iggan_tf.render import OpenGLRenderer, backends
from iggan_tf.shapes import CLASS_NAMES

# The widest camera distribution of any dataset (the chairs'), so every dataset's views are covered.
FULL_VIEW_RANGE = ViewRange(azimuth=(0.0, 360.0), elevation=(-30.0, 60.0))
CPU_SCALE = (32, 64)  # (voxel resolution, image size)
PAPER_SCALE = (64, 128)


@dataclasses.dataclass(frozen=True)
class FeatureNetworkTraining:
    """What to render and how to train. Defaults train in about ten minutes on two cores."""

    train_shapes_per_class: int = 300
    views_per_train_shape: int = 3
    held_out_shapes_per_class: int = 50
    views_per_held_out_shape: int = 2
    paper_scale_shapes_per_class: int = 20
    epochs: int = 12
    batch_size: int = 64
    learning_rate: float = 2e-3
    width: int = 32
    feature_dimension: int = 128
    seed: int = 0
    render_workers: int | None = None
    # The default renderer's shadow settings the images are drawn with, each over the same shapes and views.
    shadow_settings: tuple = (True, False)
    # A ShapeNetCore manual dir adds the categories of shapenet_files.SYNSETS as classes "shapenet/<name>"
    # (feature_network.SHAPENET_PREFIX).
    shapenet_manual_dir: str | None = None

    def __post_init__(self):
        counts = ("train_shapes_per_class", "views_per_train_shape", "held_out_shapes_per_class",
                  "views_per_held_out_shape", "epochs", "batch_size", "width", "feature_dimension")
        for name in (*counts, "paper_scale_shapes_per_class", "seed"):
            value = getattr(self, name)
            minimum = 1 if name in counts else 0
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a finite number > 0, got {self.learning_rate!r}")
        if self.render_workers is not None and (not isinstance(self.render_workers, int) or self.render_workers < 1):
            raise ValueError(f"render_workers must be None or an integer >= 1, got {self.render_workers!r}")
        settings = self.shadow_settings
        if (not isinstance(settings, tuple) or not settings or len(set(settings)) != len(settings)
                or not all(isinstance(setting, bool) for setting in settings)):
            raise ValueError(f"shadow_settings must be a non-empty tuple of distinct booleans, got {settings!r}")


@dataclasses.dataclass
class LabelledImages:
    images: np.ndarray  # uint8 [M, S, S, 1]
    labels: np.ndarray  # int32 [M]
    shadows: np.ndarray  # bool [M]: drawn with shadows


def _concatenate(parts: list) -> LabelledImages:
    return LabelledImages(*(np.concatenate([getattr(part, field.name) for part in parts])
                            for field in dataclasses.fields(LabelledImages)))


def _procedural_sources(class_name: str, split: str, count: int) -> list:
    available = synthetic_collection.collection_size(class_name, split)
    ids = synthetic_collection.split_shape_ids(class_name, split, min(count, available))
    return [synthetic_collection.shape_source(shape_id) for shape_id in ids]


def _shapenet_sources(models: list, reader: shapenet_files.ModelReader, split: str, count: int) -> dict:
    """{"shapenet/<name>": sources} of `split` for the categories among `models` (shapenet_files.find_models)."""
    sources = {}
    for name, synset in shapenet_files.SYNSETS.items():
        chosen = shapenet_files.select_models([model for model in models if model.synset == synset], split, count)
        if chosen:
            sources[feature_network.SHAPENET_PREFIX + name] = [
                shape_renders.ShapeSource(model.shape_id, lambda model=model: shapenet_files.load_mesh(reader, model))
                for model in chosen
            ]
    return sources


def render_labelled(sources_by_class: dict, classes: tuple, views_per_shape: int, scale: tuple, renderer,
                    view_seed: int) -> LabelledImages:
    """Renders `views_per_shape` random views (FULL_VIEW_RANGE, seeded by shape id) of every source."""
    voxel_resolution, image_size = scale
    spec = shape_renders.RenderSpec(image_size, voxel_resolution, FULL_VIEW_RANGE, views_per_shape, view_seed)
    images, labels = [], []
    for class_name, sources in sources_by_class.items():
        skipped = SkippedInputs(f"{class_name} shape")
        for _, example in shape_renders.rendered_examples(sources, spec, skipped, renderer):
            images.append(example["image"])
            labels.append(classes.index(class_name))
    return LabelledImages(np.stack(images), np.array(labels, np.int32), np.full(len(labels), renderer.shadows))


def _augment(image, label):
    """Mirrors an image (a mirrored view is a view of the mirrored shape, lit the same by the symmetric lights)
    and shifts it by up to 3 pixels, since generated shapes are not centred as exactly as normalized meshes."""
    image = tf.image.random_flip_left_right(image)
    padded = tf.pad(image, [[3, 3], [3, 3], [0, 0]])
    return tf.image.random_crop(padded, tf.shape(image)), label


def _training_batches(data: LabelledImages, batch_size: int, seed: int) -> tf.data.Dataset:
    images = feature_network.to_input_size(data.images)
    return (
        tf.data.Dataset.from_tensor_slices((images, data.labels))
        .shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
        .map(_augment, num_parallel_calls=tf.data.AUTOTUNE)
        .batch(batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )


def accuracy(network: keras.Model, data: LabelledImages, classes: tuple) -> dict:
    """Overall and per-class top-1 accuracy of `network` on `data` (images at 64^2 or a multiple), and overall
    accuracy with and without shadows."""
    inputs = feature_network.to_input_size(data.images)
    logits = network.predict(inputs, batch_size=256, verbose=0)[feature_network.LOGITS_OUTPUT]
    correct = np.argmax(logits, axis=1) == data.labels
    per_class = {name: float(correct[data.labels == index].mean()) for index, name in enumerate(classes)
                 if np.any(data.labels == index)}
    by_shadows = {backends.shadows_words(setting): float(correct[data.shadows == setting].mean())
                  for setting in (True, False) if np.any(data.shadows == setting)}
    return {"accuracy": float(correct.mean()), "images": int(len(correct)), "per_class": per_class,
            "by_shadows": by_shadows}


def _classifier(network: keras.Model) -> keras.Model:
    """The network with only its logits as output, for fit()."""
    return keras.Model(network.input, network.output[feature_network.LOGITS_OUTPUT])


def render_data(training: FeatureNetworkTraining) -> tuple[tuple, dict]:
    """(class names, {"train", "held_out"[, "held_out_paper_scale"]: LabelledImages}) rendered for `training`."""
    splits_wanted = {
        "train": (splits.TRAIN, training.train_shapes_per_class),
        "held_out": (splits.TEST, training.held_out_shapes_per_class),
        "held_out_paper_scale": (splits.TEST, training.paper_scale_shapes_per_class),
    }
    shapenet_models = []
    if training.shapenet_manual_dir:
        shapenet_models = shapenet_files.find_models(
            training.shapenet_manual_dir, shapenet_files.SYNSETS.values(), SkippedInputs("ShapeNet file"))
    with shapenet_files.ModelReader() as reader:
        sources = {}
        for part, (split, count) in splits_wanted.items():
            sources[part] = {name: _procedural_sources(name, split, count) for name in CLASS_NAMES} if count else {}
            if count:
                sources[part].update(_shapenet_sources(shapenet_models, reader, split, count))
        classes = tuple(sources["train"])
        missing = sorted(set(sources["held_out"]) ^ set(classes))
        if missing:
            raise ValueError(f"classes {missing} have shapes in only one of the train and held-out splits")
        parts = {part: [] for part in sources if sources[part]}
        for shadows in training.shadow_settings:
            with OpenGLRenderer(CPU_SCALE[1], workers=training.render_workers, shadows=shadows) as renderer:
                parts["train"].append(render_labelled(sources["train"], classes, training.views_per_train_shape,
                                                      CPU_SCALE, renderer, view_seed=training.seed))
                parts["held_out"].append(render_labelled(sources["held_out"], classes,
                                                         training.views_per_held_out_shape, CPU_SCALE, renderer,
                                                         view_seed=training.seed + 1))
            if training.paper_scale_shapes_per_class:
                with OpenGLRenderer(PAPER_SCALE[1], workers=training.render_workers, shadows=shadows) as renderer:
                    parts["held_out_paper_scale"].append(render_labelled(
                        sources["held_out_paper_scale"], classes, 1, PAPER_SCALE, renderer,
                        view_seed=training.seed + 2))
    return classes, {part: _concatenate(rendered) for part, rendered in parts.items()}


def train_feature_network(training: FeatureNetworkTraining, weights_path, command: str = "") -> dict:
    """Renders the data, trains, measures held-out accuracy, and writes the weights and their JSON record
    (`<name>.weights.h5` and `<name>.json`). Returns the record."""
    weights_path = pathlib.Path(weights_path)
    if not weights_path.name.endswith(".weights.h5"):
        raise ValueError(f"weights_path must end in .weights.h5 (Keras weights files), got {str(weights_path)!r}")
    started = time.monotonic()
    keras.utils.set_random_seed(training.seed)
    classes, data = render_data(training)
    rendered = time.monotonic()
    logging.info("rendered %s images in %.0f s", {part: len(d.labels) for part, d in data.items()}, rendered - started)

    config = feature_network.FeatureNetworkConfig(len(classes), training.width, training.feature_dimension)
    network = feature_network.make_feature_network(config)
    classifier = _classifier(network)
    batches = _training_batches(data["train"], training.batch_size, training.seed)
    steps = training.epochs * math.ceil(len(data["train"].labels) / training.batch_size)
    classifier.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(training.learning_rate, steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    held_out_inputs = feature_network.to_input_size(data["held_out"].images)
    classifier.fit(batches, epochs=training.epochs, verbose=2,
                   validation_data=(held_out_inputs, data["held_out"].labels))
    trained = time.monotonic()

    weights_path.parent.mkdir(parents=True, exist_ok=True)
    network.save_weights(weights_path)
    held_out = accuracy(network, data["held_out"], classes)
    record = {
        "classes": list(classes),
        "input_size": feature_network.INPUT_SIZE,
        "image_channels": 1,
        "features": (f"output '{feature_network.FEATURES_OUTPUT}' (penultimate layer, ReLU), "
                     f"{config.feature_dimension}-D"),
        "architecture": dataclasses.asdict(config),
        "held_out_accuracy": held_out["accuracy"],
        "held_out": {
            **held_out,
            "shapes": "the first held-out seeds of each class (synthetic_collection test split), never trained on",
            "shapes_per_class": training.held_out_shapes_per_class,
            "views_per_shape": training.views_per_held_out_shape,
            "scale": {"voxels": CPU_SCALE[0], "image_size": CPU_SCALE[1]},
        },
        "training_data": {
            "images": int(len(data["train"].labels)),
            "shapes_per_class": training.train_shapes_per_class,
            "views_per_shape": training.views_per_train_shape,
            "scale": {"voxels": CPU_SCALE[0], "image_size": CPU_SCALE[1]},
            "view_range": {"azimuth": list(FULL_VIEW_RANGE.azimuth), "elevation": list(FULL_VIEW_RANGE.elevation)},
        },
        "training": {**dataclasses.asdict(training), "shadow_settings": list(training.shadow_settings)},
        "training_command": command,
        # The default renderer drew every training image in each of these settings: scores are meaningful on
        # renders of the same kinds.
        "renderers": [{"name": backends.DEFAULT_RENDERER, "shadows": shadows} for shadows in training.shadow_settings],
        "seconds": {"render": round(rendered - started, 1), "train": round(trained - rendered, 1)},
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "machine": platform.machine(),
        "sha256": feature_network.file_sha256(weights_path),
    }
    if "held_out_paper_scale" in data:
        record["held_out_paper_scale"] = {
            **accuracy(network, data["held_out_paper_scale"], classes),
            "scale": {"voxels": PAPER_SCALE[0], "image_size": PAPER_SCALE[1], "input": "area-averaged to 64^2"},
        }
    feature_network.record_path_for(weights_path).write_text(json.dumps(record, indent=2) + "\n")
    return record
