"""The generator's SavedModel, the product that TF Serving loads: written by `export_generator` (training calls
it at its end, `iggan-export` from a workdir) and read back by `load_generator` (DESIGN section 6).

Layout: `<base_dir>/<version>/`, TF Serving's base path and integer versions. Four signatures, each returning
`voxels` float32 [B, N, N, N]:

    serving_default   z float32 [B, Z]                                          -> occupancy in [0, 1]
    binarized         z float32 [B, Z], threshold float32 []                    -> 1[occupancy > threshold]
    sample            seed int64 [], num_samples int32 []                       -> occupancy in [0, 1]
    sample_binarized  seed int64 [], num_samples int32 [], threshold float32 [] -> 1[occupancy > threshold]

TF Serving signatures have no optional inputs, so thresholding is a signature of its own rather than an input
with a default. Sample i of seed s decodes z = stateless_normal([Z], seed=[s, i], alg=philox): the same codes on
any machine, and sample i does not depend on num_samples (its occupancy only up to float rounding).
`assets/iggan_generator.json` records the resolution, the latent size and what the caller knows about training
(dataset, flags). Rendering is not in the SavedModel.

The 2D baseline's image generator (z -> images [B, S, S, C]) exports the same way with output `images` and the
signatures serving_default and sample only (thresholding an image means nothing); its record says
"output_kind": "images" and gives image_size and image_channels instead of the resolution.
"""

import datetime
import json
import math
import os
import pathlib
import shutil
import tempfile

import numpy as np
import tensorflow as tf

import iggan_tf

METADATA_FILENAME = "iggan_generator.json"
FORMAT_NAME = "iggan_tf.generator"
FORMAT_VERSION = 1
OUTPUT_NAME = "voxels"
IMAGES_OUTPUT_NAME = "images"
# What a generator makes: shapes (every 3D method) or images (the 2D baseline).
VOXELS, IMAGES = "voxels", "images"
DEFAULT_SIGNATURE = "serving_default"
BINARIZED_SIGNATURE = "binarized"
SAMPLE_SIGNATURE = "sample"
SAMPLE_BINARIZED_SIGNATURE = "sample_binarized"
SIGNATURE_INPUTS = {
    DEFAULT_SIGNATURE: ("z",),
    BINARIZED_SIGNATURE: ("z", "threshold"),
    SAMPLE_SIGNATURE: ("seed", "num_samples"),
    SAMPLE_BINARIZED_SIGNATURE: ("seed", "num_samples", "threshold"),
}
IMAGE_SIGNATURE_INPUTS = {name: SIGNATURE_INPUTS[name] for name in (DEFAULT_SIGNATURE, SAMPLE_SIGNATURE)}
# One `sample` request may not claim unbounded server memory (a 64^3 float32 grid is 1 MiB).
DEFAULT_MAX_SAMPLES_PER_REQUEST = 256
_INT64_RANGE = (-(2**63), 2**63 - 1)


def latent_codes(seed, num_samples, latent_size: int) -> tf.Tensor:
    """The latent codes z [num_samples, latent_size] that `sample(seed, num_samples)` decodes."""
    indices = tf.range(tf.cast(num_samples, tf.int64), dtype=tf.int64)
    per_sample_seeds = tf.stack([tf.fill(tf.shape(indices), tf.cast(seed, tf.int64)), indices], axis=1)
    return tf.map_fn(
        lambda sample_seed: tf.random.stateless_normal([latent_size], seed=sample_seed, alg="philox"),
        per_sample_seeds,
        fn_output_signature=tf.float32,
    )


def generator_sizes(generator) -> tuple[int, str, tuple]:
    """Returns (latent size Z, kind, output shape without the batch) of a Keras generator mapping [B, Z] to
    voxels [B, N, N, N, 1] (kind VOXELS) or images [B, S, S, C] (kind IMAGES)."""
    try:
        input_shape, output_shape = tuple(generator.input_shape), tuple(generator.output_shape)
    except (AttributeError, ValueError) as error:
        raise ValueError(f"generator must be a built Keras model with one input and one output: {error}") from None
    cubic = len(output_shape) == 5 and output_shape[1] == output_shape[2] == output_shape[3] and output_shape[4] == 1
    square = len(output_shape) == 4 and output_shape[1] == output_shape[2] and bool(output_shape[3])
    if len(input_shape) != 2 or not input_shape[1] or not (cubic or square) or not output_shape[1]:
        raise ValueError(f"generator must map z [B, Z] to occupancy [B, N, N, N, 1] or images [B, S, S, C], got "
                         f"{input_shape} -> {output_shape}")
    return int(input_shape[1]), VOXELS if cubic else IMAGES, tuple(int(size) for size in output_shape[1:])


def _check_threshold_in_graph(threshold):
    valid = tf.logical_and(threshold >= 0.0, threshold <= 1.0)
    return tf.debugging.Assert(valid, ["threshold must lie in [0, 1], got", threshold])


class _GeneratorModule(tf.Module):
    """What gets saved: the generator's variables, the metadata asset and the four signature functions."""

    def __init__(self, generator, latent_size: int, kind: str, max_samples_per_request: int, metadata_path: str):
        super().__init__(name="iggan_generator")
        self.generator = generator
        self.metadata_file = tf.saved_model.Asset(metadata_path)
        self._latent_size = latent_size
        self._kind = kind
        self._output_name = OUTPUT_NAME if kind == VOXELS else IMAGES_OUTPUT_NAME
        self._max_samples_per_request = max_samples_per_request

    def signature_functions(self) -> dict:
        z = tf.TensorSpec([None, self._latent_size], tf.float32, name="z")
        threshold = tf.TensorSpec([], tf.float32, name="threshold")
        seed = tf.TensorSpec([], tf.int64, name="seed")
        num_samples = tf.TensorSpec([], tf.int32, name="num_samples")
        if self._kind == IMAGES:
            return {
                DEFAULT_SIGNATURE: tf.function(self._occupancy, input_signature=[z]),
                SAMPLE_SIGNATURE: tf.function(self._sample_occupancy, input_signature=[seed, num_samples]),
            }
        return {
            DEFAULT_SIGNATURE: tf.function(self._occupancy, input_signature=[z]),
            BINARIZED_SIGNATURE: tf.function(self._binary, input_signature=[z, threshold]),
            SAMPLE_SIGNATURE: tf.function(self._sample_occupancy, input_signature=[seed, num_samples]),
            SAMPLE_BINARIZED_SIGNATURE: tf.function(
                self._sample_binary, input_signature=[seed, num_samples, threshold]
            ),
        }

    def _decode(self, z):
        outputs = self.generator(z, training=False)
        return tf.squeeze(outputs, axis=-1) if self._kind == VOXELS else outputs

    def _latent_codes(self, seed, num_samples):
        # Checked before any work: an absurd num_samples must fail, not allocate.
        valid = tf.logical_and(num_samples >= 1, num_samples <= self._max_samples_per_request)
        message = f"num_samples must lie in [1, {self._max_samples_per_request}], got"
        with tf.control_dependencies([tf.debugging.Assert(valid, [message, num_samples])]):
            return latent_codes(seed, num_samples, self._latent_size)

    def _checked_z(self, z):
        # Serving clients see this message instead of a matrix-size error from deep inside the generator.
        return tf.ensure_shape(z, [None, self._latent_size], name="z_shape_check")

    def _occupancy(self, z):
        return {self._output_name: self._decode(self._checked_z(z))}

    def _binary(self, z, threshold):
        with tf.control_dependencies([_check_threshold_in_graph(threshold)]):
            return {OUTPUT_NAME: tf.cast(self._decode(self._checked_z(z)) > threshold, tf.float32)}

    def _sample_occupancy(self, seed, num_samples):
        return {self._output_name: self._decode(self._latent_codes(seed, num_samples))}

    def _sample_binary(self, seed, num_samples, threshold):
        with tf.control_dependencies([_check_threshold_in_graph(threshold)]):
            return {OUTPUT_NAME: tf.cast(self._decode(self._latent_codes(seed, num_samples)) > threshold, tf.float32)}


def _version_numbers(base_dir: pathlib.Path) -> list[int]:
    if not base_dir.is_dir():
        return []
    return sorted(int(entry.name) for entry in base_dir.iterdir() if entry.is_dir() and entry.name.isdigit())


def next_version(base_dir) -> int:
    """One more than the highest integer version under `base_dir`; 1 for a new model."""
    versions = _version_numbers(pathlib.Path(base_dir))
    return versions[-1] + 1 if versions else 1


def export_generator(
    generator,
    base_dir,
    *,
    version: int | None = None,
    metadata: dict | None = None,
    max_samples_per_request: int = DEFAULT_MAX_SAMPLES_PER_REQUEST,
) -> pathlib.Path:
    """Writes `generator` as SavedModel `<base_dir>/<version>/` and returns that directory.

    `version` defaults to the next free integer. `metadata` (JSON-serializable, e.g. dataset and flags) is
    recorded under "training" in the assets file. The SavedModel is written to a hidden staging directory
    beside the versions and renamed into place, so TF Serving, which polls `base_dir`, never sees half a model.
    """
    latent_size, kind, output_shape = generator_sizes(generator)
    if isinstance(max_samples_per_request, bool) or not isinstance(max_samples_per_request, int) or (
        max_samples_per_request < 1
    ):
        raise ValueError(f"max_samples_per_request must be an integer >= 1, got {max_samples_per_request!r}")
    base_dir = pathlib.Path(base_dir)
    try:
        base_dir.mkdir(parents=True, exist_ok=True)
        staging = pathlib.Path(tempfile.mkdtemp(prefix=".staging-", dir=base_dir))
    except OSError as error:
        raise ValueError(f"base_dir {str(base_dir)!r} cannot be written: {error}") from None
    try:
        if version is None:
            version = next_version(base_dir)
        elif isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ValueError(f"version must be an integer >= 1, got {version!r}")
        final_dir = base_dir / str(version)
        if final_dir.exists():
            raise ValueError(f"version {version} already exists at {final_dir}; choose another version")
        record = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "version": version,
            **({"resolution": output_shape[0]} if kind == VOXELS
               else {"image_size": output_shape[0], "image_channels": output_shape[2]}),
            "latent_size": latent_size,
            "latent_distribution": "standard normal; sample i of seed s: stateless_normal([Z], [s, i], philox)",
            "max_samples_per_request": max_samples_per_request,
            "signatures": {name: list(inputs) for name, inputs in _signature_inputs(kind).items()},
            "output": OUTPUT_NAME if kind == VOXELS else IMAGES_OUTPUT_NAME,
            "output_kind": kind,
            "exported_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "iggan_tf_version": iggan_tf.__version__,
            "tensorflow_version": tf.__version__,
            "training": dict(metadata or {}),
        }
        try:
            text = json.dumps(record, indent=2, sort_keys=True)
        except (TypeError, ValueError) as error:
            raise ValueError(f"metadata must be JSON-serializable: {error}") from None
        metadata_path = staging / METADATA_FILENAME
        metadata_path.write_text(text + "\n")
        module = _GeneratorModule(generator, latent_size, kind, max_samples_per_request, str(metadata_path))
        saved_model_dir = staging / "saved_model"
        tf.saved_model.save(module, str(saved_model_dir), signatures=module.signature_functions())
        os.rename(saved_model_dir, final_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final_dir


def _signature_inputs(kind: str) -> dict:
    return SIGNATURE_INPUTS if kind == VOXELS else IMAGE_SIGNATURE_INPUTS


def resolve_model_dir(path) -> pathlib.Path:
    """A SavedModel directory itself, or the highest version under a TF Serving base directory."""
    path = pathlib.Path(path)
    if (path / "saved_model.pb").is_file():
        return path
    for version in reversed(_version_numbers(path)):
        if (path / str(version) / "saved_model.pb").is_file():
            return path / str(version)
    raise ValueError(
        f"model {str(path)!r} is neither a SavedModel directory (no saved_model.pb) "
        "nor a base directory holding integer versions of one"
    )


def read_metadata(path) -> dict:
    """The assets record of a generator SavedModel; ValueError if `path` holds none or a newer format."""
    model_dir = resolve_model_dir(path)
    metadata_path = model_dir / "assets" / METADATA_FILENAME
    try:
        record = json.loads(metadata_path.read_text())
    except FileNotFoundError:
        raise ValueError(
            f"model {str(model_dir)!r} is a SavedModel but not an iggan_tf generator: no assets/{METADATA_FILENAME}"
        ) from None
    except json.JSONDecodeError as error:
        raise ValueError(f"model {str(model_dir)!r} has an unreadable assets/{METADATA_FILENAME}: {error}") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT_NAME:
        raise ValueError(f"model {str(model_dir)!r}: assets/{METADATA_FILENAME} does not describe {FORMAT_NAME}")
    if record.get("format_version", math.inf) > FORMAT_VERSION:
        raise ValueError(
            f"model {str(model_dir)!r} has format version {record.get('format_version')}; "
            f"this iggan_tf reads up to {FORMAT_VERSION}"
        )
    return record


class GeneratorSavedModel:
    """A loaded generator SavedModel with checked inputs and numpy outputs (the Python-side client)."""

    def __init__(self, path):
        self.path = resolve_model_dir(path)
        self.metadata = read_metadata(self.path)
        # Records written before image generators existed are all voxel generators.
        self.kind = self.metadata.get("output_kind", VOXELS)
        # N of the voxels; None for an image generator, whose image_size is S instead.
        self.resolution = int(self.metadata["resolution"]) if self.kind == VOXELS else None
        self.image_size = int(self.metadata["image_size"]) if self.kind == IMAGES else None
        self.latent_size = int(self.metadata["latent_size"])
        self.max_samples_per_request = int(self.metadata["max_samples_per_request"])
        self._loaded = tf.saved_model.load(str(self.path))
        missing = sorted(set(_signature_inputs(self.kind)) - set(self._loaded.signatures.keys()))
        if missing:
            raise ValueError(f"model {str(self.path)!r} lacks the signatures {missing}")

    @property
    def makes_shapes(self) -> bool:
        return self.kind == VOXELS

    def _run(self, signature: str, **inputs) -> np.ndarray:
        return self._loaded.signatures[signature](**inputs)[self.metadata.get("output", OUTPUT_NAME)].numpy()

    def _check_threshold_wanted(self, threshold) -> None:
        if threshold is not None and not self.makes_shapes:
            raise ValueError(f"model {str(self.path)!r} is an image generator (the 2D baseline): it has no "
                             "occupancy to threshold")

    def generate(self, z, threshold: float | None = None) -> np.ndarray:
        """Decodes z [B, Z] to occupancy [B, N, N, N] in [0, 1], or to binary voxels given a threshold (an image
        generator: to images [B, S, S, C], no threshold)."""
        self._check_threshold_wanted(threshold)
        z = np.asarray(z)
        if not np.issubdtype(z.dtype, np.floating):
            raise ValueError(f"z must be floating point, got dtype {z.dtype}")
        if z.ndim != 2 or z.shape[0] < 1 or z.shape[1] != self.latent_size:
            raise ValueError(f"z must have shape [B, {self.latent_size}] with B >= 1, got {z.shape}")
        if not np.all(np.isfinite(z)):
            raise ValueError("z contains NaN or infinite values")
        z = tf.constant(z, tf.float32)
        if threshold is None:
            return self._run(DEFAULT_SIGNATURE, z=z)
        return self._run(BINARIZED_SIGNATURE, z=z, threshold=_checked_threshold(threshold))

    def sample(self, seed: int, num_samples: int, threshold: float | None = None) -> np.ndarray:
        """Samples `num_samples` shapes (images) from `seed` (see the module docstring); binary given a threshold."""
        self._check_threshold_wanted(threshold)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not (
            _INT64_RANGE[0] <= seed <= _INT64_RANGE[1]
        ):
            raise ValueError(f"seed must be a 64-bit integer, got {seed!r}")
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or not (
            1 <= num_samples <= self.max_samples_per_request
        ):
            raise ValueError(
                f"num_samples must be an integer in [1, {self.max_samples_per_request}], got {num_samples!r}"
            )
        inputs = {"seed": tf.constant(seed, tf.int64), "num_samples": tf.constant(num_samples, tf.int32)}
        if threshold is None:
            return self._run(SAMPLE_SIGNATURE, **inputs)
        return self._run(SAMPLE_BINARIZED_SIGNATURE, threshold=_checked_threshold(threshold), **inputs)


def _checked_threshold(threshold) -> tf.Tensor:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)) or not (
        0.0 <= threshold <= 1.0
    ):
        raise ValueError(f"threshold must be a number in [0, 1], got {threshold!r}")
    return tf.constant(threshold, tf.float32)


def load_generator(path) -> GeneratorSavedModel:
    """Loads a generator SavedModel from its version directory or its base directory (highest version)."""
    return GeneratorSavedModel(path)
