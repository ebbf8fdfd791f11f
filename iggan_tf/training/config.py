"""The resolved configuration of one training run: what the absl flags say, checked, and stored in the workdir.

A workdir's `config.json` is this dataclass; rerunning on the same workdir resumes only if the fields that shape
the networks and the data are unchanged.
"""

import dataclasses
import json
import math
import pathlib

from iggan_tf.methods import DEFAULT_METHOD, METHOD_NAMES, NEURAL_RENDERER_METHODS
from iggan_tf.render.backends import DEFAULT_RENDERER, LEGACY_RENDERER, check_choice
from iggan_tf.training.distribution import check_mode

# The transforms --augment may name: iggan_tf.gan.augmentation.POLICIES (which imports TensorFlow, and flags
# are checked before TensorFlow loads; a test keeps the two equal).
AUGMENT_TRANSFORMS = ("translation", "cutout", "color")

# Fields a resumed run may change: how long and how often, not what is trained or on what.
RESUMABLE_CHANGES = frozenset(
    {
        "train_steps",
        "checkpoint_every",
        "keep_checkpoints",
        "log_every",
        "sample_every",
        "eval_every",
        "eval_samples",
        "render_workers",
        "gpu_memory_limit_mb",
        "online_render_workers",
        "export",
        "report",
        "data_dir",
        "manual_dir",
        # The same global batch trains the same way in every mode (iggan_tf.training.distribution.replicated).
        "distribution",
    }
)

# Fields of the neural renderer (its size, training and pre-training): only methods that train one may set them.
RENDERER_NETWORK_FIELDS = (
    "renderer_width", "renderer_projection_channels", "renderer_learning_rate", "dom_weight", "train_renderer",
    "discriminator_input", "pretrained_renderer", "pretrain_class", "pretrain_shapes", "pretrain_steps",
    "pretrain_batch_size",
)


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """One training run of IG-GAN or a baseline. Defaults are the CPU scale (32^3 voxels, 64^2 images); flagfiles
    set the rest."""

    workdir: str
    # What is trained (iggan_tf.methods): IG-GAN or one of the paper's baselines.
    method: str = DEFAULT_METHOD
    dataset: str = "synthetic_shapes/tub_500_64"
    data_dir: str | None = None
    # Where datasets with manual downloads (shapenet_renders, chanterelle) find their files.
    manual_dir: str | None = None
    # Render a new random view of every training object each epoch (paper's Unlimited) instead of stored views.
    online_views: bool = False
    online_objects: int | None = None
    voxel_size: int = 32
    latent_dim: int = 200
    generator_width: int = 32
    renderer_width: int = 8
    renderer_projection_channels: int = 128
    discriminator_width: int = 32
    # The global batch: under --distribution it is split evenly over all replicas of all workers.
    batch_size: int = 16
    train_steps: int = 2000
    generator_learning_rate: float = 2e-4
    discriminator_learning_rate: float = 2e-4
    renderer_learning_rate: float = 2e-5
    dom_weight: float = 100.0
    train_renderer: bool = True
    discriminator_input: str = "opengl"
    # Decay of the moving average of G's weights that samples, evaluation and the export use (0: none).
    generator_ema_decay: float = 0.0
    # Not in the paper, each against mode collapse or an over-fitting D (iggan_tf.gan.hyperparameters): R1's
    # gamma, D's input transforms, and the group size of D's minibatch standard deviation feature (0: none).
    r1_weight: float = 0.0
    augment: str = ""
    minibatch_stddev_group: int = 0
    # A directory written by tools/pretrain_renderer.py, or "" to pre-train on `pretrain_class` inside the run.
    pretrained_renderer: str = ""
    pretrain_class: str = "random_cubes"
    pretrain_shapes: int = 200
    pretrain_steps: int = 300
    # None: the GAN's batch_size.
    pretrain_batch_size: int | None = None
    # The off-the-shelf renderer (iggan_tf.render.backends) and its shadows; the dataset must have been drawn by them.
    renderer: str = DEFAULT_RENDERER
    shadows: bool = True
    render_workers: int = 2
    # TensorFlow's memory per GPU in MB; 0: it grows as needed, leaving the rest to the EGL render workers.
    gpu_memory_limit_mb: int = 0
    # Workers of the online-views renderer, a pool of its own beside the training step's (None: render_workers).
    online_render_workers: int | None = None
    mixed_precision: bool = False
    # none, mirrored (the devices of one machine) or multi_worker (the machines TF_CONFIG lists).
    distribution: str = "none"
    seed: int = 0
    checkpoint_every: int = 100
    keep_checkpoints: int = 3
    log_every: int = 10
    sample_every: int = 250
    eval_every: int = 0
    eval_samples: int = 64
    export: bool = True
    # Write <workdir>/report/index.html (iggan_tf.report) at the end of the run.
    report: bool = True

    def __post_init__(self):
        if not self.workdir:
            raise ValueError("workdir must be a directory path, got an empty string")
        if "/" not in self.dataset:
            raise ValueError(f"dataset must be a tfds name with its config, like synthetic_shapes/tub_500_64, got {self.dataset!r}")
        at_least_one = (
            "voxel_size", "latent_dim", "generator_width", "renderer_width", "renderer_projection_channels",
            "discriminator_width", "batch_size", "train_steps", "render_workers", "checkpoint_every",
            "keep_checkpoints", "log_every", "pretrain_shapes", "pretrain_steps", "eval_samples",
            "online_objects", "pretrain_batch_size", "online_render_workers",
        )
        optional = ("online_objects", "pretrain_batch_size", "online_render_workers")  # None: not given
        minimums = {**dict.fromkeys(at_least_one, 1), "sample_every": 0, "eval_every": 0, "seed": 0,
                    "gpu_memory_limit_mb": 0}
        for name, minimum in minimums.items():
            value = getattr(self, name)
            if value is None and name in optional:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                when = " when given" if name in optional else ""
                raise ValueError(f"{name} must be an integer >= {minimum}{when}, got {value!r}")
        for name in ("generator_learning_rate", "discriminator_learning_rate", "renderer_learning_rate"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
        group = self.minibatch_stddev_group
        if group and (isinstance(group, bool) or group < 2 or self.batch_size % group):
            raise ValueError(
                f"minibatch_stddev_group must be 0 or an integer >= 2 dividing --batch_size={self.batch_size}, "
                f"got {group!r}"
            )
        if not (0.0 <= self.generator_ema_decay < 1.0):
            raise ValueError(f"generator_ema_decay must lie in [0, 1), got {self.generator_ema_decay!r}")
        check_choice(self.renderer, self.shadows)
        if self.method not in METHOD_NAMES:
            raise ValueError(f"method must be one of {', '.join(METHOD_NAMES)}, got {self.method!r}")
        if self.method not in NEURAL_RENDERER_METHODS:
            defaults = {field.name: field.default for field in dataclasses.fields(self)}
            for name in RENDERER_NETWORK_FIELDS:
                if getattr(self, name) != defaults[name]:
                    raise ValueError(
                        f"--{name}={getattr(self, name)} has no effect with --method={self.method}, which trains no "
                        f"neural renderer; leave it at its default ({defaults[name]})")
        check_mode(self.distribution)
        if self.discriminator_input not in ("opengl", "rendernet"):
            raise ValueError(f"discriminator_input must be opengl or rendernet, got {self.discriminator_input!r}")
        if not (math.isfinite(self.dom_weight) and self.dom_weight >= 0):
            raise ValueError(f"dom_weight must be a finite number >= 0, got {self.dom_weight!r}")
        if not (math.isfinite(self.r1_weight) and self.r1_weight >= 0):
            raise ValueError(f"r1_weight must be a finite number >= 0, got {self.r1_weight!r}")
        transforms = [name.strip() for name in self.augment.split(",") if name.strip()]
        if any(name not in AUGMENT_TRANSFORMS for name in transforms) or len(set(transforms)) != len(transforms):
            raise ValueError(f"augment must be a comma-separated subset of {','.join(AUGMENT_TRANSFORMS)} "
                             f"without repeats, got {self.augment!r}")

    @property
    def image_size(self) -> int:
        """Images are rendered at twice the voxel resolution (the view grid is 2N, paper 4.1)."""
        return 2 * self.voxel_size

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "TrainingConfig":
        """A stored config; one written before renderers had names was drawn by the per-vertex Lambert path, now
        `pyrender_unlit` without shadows, so resuming it with the new default renderer is refused."""
        return cls(**{"renderer": LEGACY_RENDERER, "shadows": False, **json.loads(text)})

    def changes_from(self, other: "TrainingConfig") -> dict:
        """{field: this config's value} of every field whose value differs from `other`'s, in field order."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)
                if getattr(self, field.name) != getattr(other, field.name)}

    def check_resumable_from(self, previous: "TrainingConfig") -> None:
        """ValueError naming the first flag that differs from the run stored in the same workdir."""
        for name, new in self.changes_from(previous).items():
            if name not in RESUMABLE_CHANGES and name != "workdir":
                raise ValueError(
                    f"--{name}={new} differs from --{name}={getattr(previous, name)} of the run in {self.workdir}; "
                    "rerun with the same flags to resume, or choose a new --workdir"
                )


# The command line that started the run, in the workdir: evaluations copy it into eval.json.
TRAINING_COMMAND_FILE = "command.txt"


def workdir_config_path(workdir) -> pathlib.Path:
    return pathlib.Path(workdir) / "config.json"


def check_workdir(config: TrainingConfig) -> None:
    """ValueError naming the flag when `config.workdir` holds a different run (see check_resumable_from)."""
    path = workdir_config_path(config.workdir)
    if path.exists():
        config.check_resumable_from(TrainingConfig.from_json(path.read_text()))


def config_from_flagfile(path, extra_flags=(), **overrides) -> TrainingConfig:
    """The TrainingConfig of an iggan-train flagfile (lines `--name=value`, `--name`, `--noname`), then the flags
    `extra_flags` after it (as on a command line after --flagfile), with `overrides` (field values) on top.
    ValueError naming the file for flags that are no TrainingConfig field."""
    types = {field.name: field.type for field in dataclasses.fields(TrainingConfig)}
    values = {}
    for line in [*pathlib.Path(path).read_text().splitlines(), *extra_flags]:
        if not line.startswith("--"):
            continue
        name, has_value, value = line[2:].partition("=")
        if not has_value:
            name, value = (name[2:], "false") if name.startswith("no") and name[2:] in types else (name, "true")
        if name not in types:
            raise ValueError(f"{path}: --{name} is not an iggan-train flag")
        kind = types[name]
        values[name] = (value.lower() == "true" if kind is bool else int(value) if kind in (int, int | None)
                        else float(value) if kind is float else value)
    return TrainingConfig(**{"workdir": "unused", **values, **overrides})
