"""Trained generators that ship with the repository: `--model=pretrained:<class>` names the one in
iggan_tf/pretrained/<class>/ (its SavedModel in generator/, its scores in eval.json), so that a fresh clone samples
shapes without training. `ship` puts a finished run's export there. Resolving a name imports no TensorFlow, so
a binary refuses a missing one at once.
"""

import json
import pathlib
import shutil

import iggan_tf

PREFIX = "pretrained:"
PRETRAINED_DIR = pathlib.Path(iggan_tf.__file__).resolve().parent / "pretrained"
# A shipped generator stays small enough for the repository (the CPU-scale generator is about 9 MB).
MAX_BYTES = 10 * 2**20


def shipped_classes() -> list:
    """The classes whose generator ships in PRETRAINED_DIR."""
    return sorted(path.parent.parent.name for path in PRETRAINED_DIR.glob("*/generator/saved_model.pb"))


def resolve_model(model: str) -> str:
    """`model` itself, or for `pretrained:<class>` the shipped generator of that class; ValueError naming what is
    there when that class has none yet."""
    if not model.startswith(PREFIX):
        return model
    class_name = model[len(PREFIX):]
    directory = PRETRAINED_DIR / class_name / "generator"
    if not (directory / "saved_model.pb").is_file():
        shipped = ", ".join(f"{PREFIX}{name}" for name in shipped_classes()) or "none yet"
        raise ValueError(
            f"no trained {class_name or '<class>'} generator ships with this repository ({directory} holds no "
            f"SavedModel); shipped: {shipped}. Train one (iggan-train --flagfile=flags/cpu_{class_name}.flags "
            f"--workdir=runs/{class_name}), evaluate it (iggan-eval --workdir=runs/{class_name}) and ship it "
            f"(iggan-export --workdir=runs/{class_name} --ship_as={class_name}), or pass --model=<a SavedModel dir>")
    return str(directory)


def ship(workdir, class_name: str) -> pathlib.Path:
    """Copies the workdir's latest exported generator and its eval.json (iggan-eval's record of that export) to
    PRETRAINED_DIR/<class_name>/; returns that directory. ValueError when either is missing, the evaluation is of
    another export, or the SavedModel exceeds MAX_BYTES."""
    from iggan_tf.serving.generator_savedmodel import resolve_model_dir  # TensorFlow: only when shipping

    workdir = pathlib.Path(workdir)
    if not class_name or "/" in class_name or class_name.startswith("."):
        raise ValueError(f"--ship_as must be a class name like tub, got {class_name!r}")
    model_dir = resolve_model_dir(workdir / "export" / "generator")
    evaluation = workdir / "eval" / "eval.json"
    if not evaluation.is_file():
        raise ValueError(f"{evaluation} is missing: a shipped generator comes with its scores; run "
                         f"iggan-eval --workdir={workdir} first")
    evaluated = pathlib.Path(json.loads(evaluation.read_text())["model"])
    if evaluated.name != model_dir.name:
        raise ValueError(f"{evaluation} scores export version {evaluated.name}, not the latest, {model_dir}; evaluate "
                         "the latest one first")
    size = sum(path.stat().st_size for path in model_dir.rglob("*") if path.is_file())
    if size > MAX_BYTES:
        raise ValueError(f"{model_dir} takes {size / 2**20:.1f} MiB, more than the {MAX_BYTES / 2**20:.0f} MiB a "
                         "shipped generator may take")
    target = PRETRAINED_DIR / class_name
    staging = PRETRAINED_DIR / f".{class_name}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(model_dir, staging / "generator")
    for name in ("eval.json", "eval.md"):
        if (evaluation.parent / name).is_file():
            shutil.copyfile(evaluation.parent / name, staging / name)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target
