"""Evaluates an exported generator against its dataset's held-out data and writes `eval.json` and `eval.md`:
the library behind `iggan-eval`.

Rows: `generated` (samples of the SavedModel), and on request `real` (the dataset's training shapes in place
of generated ones: what a perfect generator scores against the same held-out set at the same N, the floor)
and `untrained` (a freshly initialized generator of the same architecture: the ceiling). Every row's shapes
are rendered once each from the same seeded draw of the dataset's camera distribution through the OpenGL
pool (the run's renderer, which must be the dataset's), and scored by iggan_tf.evaluation.scores. Scoring is
the same for every 3D method (IG-GAN and the 3D baselines). An image generator (the 2D DCGAN baseline) makes
no shapes: its own images are scored on the image scores, and the shape scores are left out, saying so.
"""

import dataclasses
import json
import os
import pathlib
import time

import keras
import numpy as np

from iggan_tf.evaluation import candidates, report, scores
from iggan_tf.evaluation.held_out_data import HeldOutData, load_held_out_data
from iggan_tf.methods import DEFAULT_METHOD
from iggan_tf.methods.registry import training_method
from iggan_tf.metrics.feature_network import SHAPENET_PREFIX, load_feature_network
from iggan_tf.render import OpenGLRenderer
from iggan_tf.render.backends import DEFAULT_RENDERER, RENDERER_NAMES
from iggan_tf.serving.generator_savedmodel import GeneratorSavedModel, load_generator, resolve_model_dir
from iggan_tf.serving.pretrained import resolve_model
from iggan_tf.training.config import TRAINING_COMMAND_FILE, TrainingConfig, workdir_config_path

GENERATED = "generated"
JSON_NAME = "eval.json"
MARKDOWN_NAME = "eval.md"


@dataclasses.dataclass(frozen=True)
class EvaluationConfig:
    """What to evaluate, against what, on how many samples. Exactly one of `workdir` and `model`."""

    workdir: str | None = None
    model: str | None = None  # a generator SavedModel: a version dir or its base dir (latest version), or pretrained:<class>
    output_dir: str | None = None  # default: <workdir>/eval; required with `model`
    dataset: str | None = None  # default: the run's (config.json or the SavedModel's metadata)
    data_dir: str | None = None
    manual_dir: str | None = None
    num_samples: int = 1000
    max_held_out: int | None = None  # held-out renders compared with (None: the whole test split)
    shape_samples: int | None = None  # shapes per set for voxel-IoU COV/MMD/1-NNA (None: all held-out shapes)
    chamfer_samples: int = 100
    chamfer_points: int = 1024
    kid_subset_size: int = 1000
    kid_subsets: int = 100
    reference: tuple = ()  # rows besides "generated": any of candidates.REFERENCE_ROWS
    seed: int = 0
    render_workers: int | None = None
    feature_network: str | None = None  # weights file; None: the shipped network
    renderer: str | None = None  # None: the run's --renderer (or the default renderer when the run is unknown)
    shadows: bool | None = None  # None: the run's --shadows (or True)

    def __post_init__(self):
        if (self.workdir is None) == (self.model is None):
            raise ValueError("give exactly one of workdir (a training workdir) and model (a generator SavedModel)")
        if self.model is not None and self.output_dir is None:
            raise ValueError("output_dir is required with model (with workdir it defaults to <workdir>/eval)")
        candidates.check_count("num_samples", self.num_samples, minimum=2)
        candidates.check_count("chamfer_samples", self.chamfer_samples, minimum=2)
        candidates.check_count("chamfer_points", self.chamfer_points)
        candidates.check_count("kid_subset_size", self.kid_subset_size, minimum=2)
        candidates.check_count("kid_subsets", self.kid_subsets, minimum=2)
        candidates.check_count("seed", self.seed, minimum=0)
        for name in ("max_held_out", "shape_samples", "render_workers"):
            if getattr(self, name) is not None:
                candidates.check_count(name, getattr(self, name), minimum=2 if name != "render_workers" else 1)
        if self.renderer is not None and self.renderer not in RENDERER_NAMES:
            raise ValueError(f"renderer must be one of {RENDERER_NAMES}, got {self.renderer!r}")
        unknown = [row for row in self.reference if row not in candidates.REFERENCE_ROWS]
        if unknown or len(set(self.reference)) != len(self.reference):
            raise ValueError(
                f"reference must list distinct rows of {candidates.REFERENCE_ROWS}, got {list(self.reference)}")


@dataclasses.dataclass(frozen=True)
class _Source:
    generator: GeneratorSavedModel
    dataset: str
    training: dict  # the run's TrainingConfig fields, or {} when unknown
    step: int | None


def _load_source(config: EvaluationConfig) -> _Source:
    """The generator SavedModel and what is known about its training run."""
    if config.workdir is not None:
        workdir = pathlib.Path(config.workdir)
        config_path = workdir_config_path(workdir)
        if not config_path.is_file():
            raise ValueError(f"workdir {str(workdir)!r} has no {config_path.name}: not a training workdir")
        training = dataclasses.asdict(TrainingConfig.from_json(config_path.read_text()))
        try:
            model_dir = resolve_model_dir(workdir / "export" / "generator")
        except ValueError:
            raise ValueError(f"workdir {str(workdir)!r} has no exported generator in export/generator/<version>/; "
                             f"export one with iggan-export --workdir={workdir}") from None
    else:
        model_dir = resolve_model_dir(resolve_model(config.model))
        training = {}
    generator = load_generator(model_dir)
    recorded = generator.metadata.get("training", {})
    training = training or dict(recorded.get("config", {}))
    dataset = config.dataset or recorded.get("dataset") or training.get("dataset")
    if not dataset:
        raise ValueError(f"the model {str(model_dir)!r} records no dataset; name one with dataset "
                         "(--dataset=synthetic_shapes/tub_500_64)")
    return _Source(generator, dataset, training, recorded.get("step"))


def _untrained_decoder(source: _Source, seed: int):
    needed = ("voxel_size", "latent_dim", "generator_width")
    if not all(name in source.training for name in needed):
        raise ValueError(f"reference 'untrained' needs the run's {needed}; the model {str(source.generator.path)!r} "
                         "records no training config (evaluate its workdir instead)")
    method = source.training.get("method", DEFAULT_METHOD)
    keras.utils.set_random_seed(seed)
    generator = training_method(method).build_generator(
        TrainingConfig(workdir="unused", method=method, **{name: source.training[name] for name in needed}))
    return candidates.keras_decoder(generator), source.training["latent_dim"]


def _real_voxels(data: HeldOutData, count: int) -> np.ndarray:
    if not data.training_shape_ids:
        raise ValueError(f"reference 'real' needs training shapes, but {data.dataset} has an empty train split")
    distinct = data.ground_truth_voxels(data.training_shape_ids[: min(count, len(data.training_shape_ids))])
    return distinct[np.arange(count) % len(distinct)]


def _target_class(feature_network, data: HeldOutData) -> int | None:
    """The network's class for the dataset's: its ShapeNet class when it was trained on one, else the procedural
    class of the same name; None when it knows neither."""
    for name in (SHAPENET_PREFIX + data.class_name if data.dataset.startswith("shapenet_renders/") else None,
                 data.class_name):
        if name in feature_network.classes:
            return feature_network.class_index(name)
    return None


def evaluate(config: EvaluationConfig, command: str | None = None) -> dict:
    """Scores the rows, writes `eval.json` and `eval.md` into the output dir, and returns the JSON record.

    The record carries what reproduces it: `command` (this evaluation's command line, when given), the training
    run's configuration and, for a workdir, the command that trained it.
    """
    started = time.monotonic()
    source = _load_source(config)
    generator = source.generator
    output_dir = pathlib.Path(config.output_dir or pathlib.Path(config.workdir) / "eval")
    feature_network = load_feature_network(config.feature_network)
    renderer_name = config.renderer or source.training.get("renderer", DEFAULT_RENDERER)
    shadows = source.training.get("shadows", True) if config.shadows is None else config.shadows
    data = load_held_out_data(source.dataset, config.data_dir or source.training.get("data_dir"),
                              config.manual_dir or source.training.get("manual_dir"), config.max_held_out,
                              renderer=renderer_name, shadows=shadows)
    if generator.makes_shapes and generator.resolution != data.voxel_resolution:
        raise ValueError(f"the model generates {generator.resolution}^3 voxels but {data.dataset} has "
                         f"{data.voxel_resolution}^3 shapes; evaluate it on the dataset of its own scale (dataset)")
    if not generator.makes_shapes and generator.image_size != data.image_size:
        raise ValueError(f"the model generates {generator.image_size}^2 images but {data.dataset} has "
                         f"{data.image_size}^2 images; evaluate it on the dataset of its own scale (dataset)")
    held_out_features, _ = feature_network.features_and_logits(data.held_out_images)
    target = _target_class(feature_network, data)
    # Each row's candidates: binary voxels (rendered below), or an image generator's images.
    sample = candidates.sample_binary_voxels if generator.makes_shapes else candidates.sample_images
    rows_candidates = {GENERATED: lambda: sample(generator.generate, generator.latent_size, config.num_samples,
                                                 config.seed)}
    if "real" in config.reference:
        rows_candidates["real"] = lambda: _real_voxels(data, config.num_samples)
    if "untrained" in config.reference:
        rows_candidates["untrained"] = lambda: sample(*_untrained_decoder(source, config.seed), config.num_samples,
                                                      config.seed)

    rows = {}
    with OpenGLRenderer(data.image_size, workers=config.render_workers, renderer=renderer_name,
                        shadows=shadows) as renderer:
        for row, make_candidates in rows_candidates.items():
            seconds = _Stopwatch()
            made = seconds.time("shapes", make_candidates)
            voxels = made if made.dtype == bool else None
            images = made if voxels is None else seconds.time(
                "render", candidates.render_random_views, renderer, voxels, data.view_range, config.seed)
            row_scores = seconds.time("image_scores", scores.image_scores, feature_network, images,
                                      held_out_features, target, config.kid_subset_size, config.kid_subsets,
                                      config.seed)
            if data.has_ground_truth and voxels is not None:
                row_scores.update(seconds.time(
                    "shape_scores", scores.shape_scores, voxels, data.held_out_voxels, data.class_name,
                    config.shape_samples, config.chamfer_samples, config.chamfer_points, config.seed,
                    workers=len(os.sched_getaffinity(0))))
            rows[row] = {"num_shapes" if voxels is not None else "num_images": int(len(made)), "scores": row_scores,
                         "seconds": seconds.laps}

    record = {
        "dataset": data.dataset,
        "class_name": data.class_name,
        "model": str(generator.path),
        "output_dir": str(output_dir),
        "workdir": config.workdir,
        "command": command,
        "training_command": _training_command(config.workdir),
        "training_config": source.training,
        "step": source.step,
        "method": source.training.get("method", DEFAULT_METHOD),
        "output_kind": generator.kind,
        "feature_network": feature_network.summary(),
        "feature_network_sha256": feature_network.sha256,
        "binarization_threshold": candidates.BINARIZATION_THRESHOLD,
        "image_size": data.image_size,
        "voxel_resolution": data.voxel_resolution,
        "renderer": {"name": renderer_name, "shadows": shadows},
        "view_range": {"azimuth": list(data.view_range.azimuth), "elevation": list(data.view_range.elevation)},
        "held_out": {"split": "test", "images": int(len(data.held_out_images)),
                     "shapes": len(data.held_out_shape_ids), "ground_truth": data.has_ground_truth},
        "settings": {name: getattr(config, name) for name in (
            "num_samples", "max_held_out", "shape_samples", "chamfer_samples", "chamfer_points", "kid_subset_size",
            "kid_subsets", "seed")} | {"reference": list(config.reference)},
        "notes": _notes(config, data, rows, {"name": renderer_name, "shadows": shadows},
                        feature_network.trained_on, generator.makes_shapes),
        "rows": rows,
        "seconds": round(time.monotonic() - started, 1),
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    _write_atomically(output_dir / JSON_NAME, json.dumps(record, indent=2) + "\n")
    _write_atomically(output_dir / MARKDOWN_NAME, report.markdown_report(record))
    return record


class _Stopwatch:
    """Wall seconds per named stage of one row, and their total."""

    def __init__(self):
        self.laps = {"total": 0.0}

    def time(self, stage: str, function, *args, **kwargs):
        started = time.monotonic()
        result = function(*args, **kwargs)
        self.laps[stage] = round(time.monotonic() - started, 2)
        self.laps["total"] = round(self.laps["total"] + self.laps[stage], 2)
        return result


def _notes(config: EvaluationConfig, data: HeldOutData, rows: dict, rendering: dict, trained_on: list,
           makes_shapes: bool) -> list:
    notes = [f"rows: {', '.join(rows)}; each shape is rendered once, from the same seeded views in every row"]
    if not makes_shapes:
        notes.append("generated: an image generator (the 2D DCGAN baseline) makes images, not shapes: its own images "
                     "are scored on the image scores (FID, KID, in-class rate); the shape scores (COV/MMD/1-NNA, "
                     "hollow rate) are skipped for it")
    if rendering not in trained_on:
        notes.append(f"renderer: {rendering}, as the dataset; the feature network's classes were learnt from "
                     f"renders by {' and '.join(map(str, trained_on))} only")
    if "real" in rows:
        notes.append("real: the dataset's training shapes (cycled when fewer than num_samples) in place of generated "
                     "ones, scored against the same held-out set: the floor a perfect generator reaches")
    shape_rows = [row for row in rows.values() if "chamfer" in row["scores"]]
    if shape_rows:
        chamfer = shape_rows[0]["scores"]["chamfer"]
        notes.append(f"chamfer: COV/MMD/1-NNA on the first {chamfer['n_generated']} candidates and first "
                     f"{chamfer['n_real']} held-out shapes of each row (its cost grows with the square of N)")
    elif not data.has_ground_truth:
        notes.append(f"{data.dataset}: no ground-truth voxels (ShapeNet needs manual_dir), so image scores only")
    if data.class_name not in scores.CONCAVE_CLASSES:
        notes.append(f"hollow rate: not computed, {data.class_name} is not one of {scores.CONCAVE_CLASSES}")
    return notes


def _training_command(workdir: str | None) -> str | None:
    """The command line iggan-train recorded in the workdir (None for a SavedModel or an older workdir)."""
    path = pathlib.Path(workdir) / TRAINING_COMMAND_FILE if workdir else None
    return path.read_text().strip() if path is not None and path.is_file() else None


def _write_atomically(path: pathlib.Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
