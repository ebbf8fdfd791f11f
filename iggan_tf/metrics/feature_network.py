"""The feature network behind FID, KID and the in-class rate: a small CNN that classifies grey renders of
shapes, trained here on OpenGL renders of the procedural classes (tools/train_feature_net.py). The paper
retrains Inception on renders of 21 ShapeNet classes for the same purpose (Section 4.4); no ImageNet
weights can be downloaded here, and a network that has seen renders judges renders.

Features are the penultimate layer. The shipped weights (`weights/feature_network.weights.h5`) come with a
JSON record beside them (classes, architecture, held-out accuracy, training command, SHA-256 of the
weights); every score computed with them records that SHA-256. Imports TensorFlow (through Keras), unlike
the rest of iggan_tf.metrics.
"""

import dataclasses
import functools
import hashlib
import json
import pathlib

import keras
import numpy as np

from iggan_tf.render.backends import LEGACY_RENDERER

# The CPU-scale image side (64^2 renders of 32^3 voxels); larger renders are area-averaged down to it.
INPUT_SIZE = 64
WEIGHTS_DIR = pathlib.Path(__file__).resolve().parent / "weights"
DEFAULT_WEIGHTS_PATH = WEIGHTS_DIR / "feature_network.weights.h5"
RECORD_SUFFIX = ".json"
# ShapeNet categories the network was trained on are classes named like "shapenet/chair", beside the procedural
# class "chair".
SHAPENET_PREFIX = "shapenet/"
FEATURES_OUTPUT = "features"
LOGITS_OUTPUT = "logits"
# Images per forward pass: the network's activations for 256 images at 64^2 take about 100 MB.
_BATCH_SIZE = 256


@dataclasses.dataclass(frozen=True)
class FeatureNetworkConfig:
    """Architecture: four stages of 3x3 convolutions with batch norm, `width` channels doubling per stage,
    global average pooling, then `feature_dimension` ReLU features and one logit per class."""

    num_classes: int
    width: int = 32
    feature_dimension: int = 128
    dropout: float = 0.3

    def __post_init__(self):
        for name in ("num_classes", "width", "feature_dimension"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < (2 if name == "num_classes" else 1):
                raise ValueError(
                    f"FeatureNetworkConfig.{name} must be a positive integer (>= 2 classes), got {value!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"FeatureNetworkConfig.dropout must lie in [0, 1), got {self.dropout!r}")


def _convolution(tensor, channels: int, strides: int, name: str):
    tensor = keras.layers.Conv2D(
        channels, 3, strides=strides, padding="same", use_bias=False, name=f"{name}_conv")(tensor)
    tensor = keras.layers.BatchNormalization(momentum=0.9, name=f"{name}_norm")(tensor)
    return keras.layers.ReLU(name=f"{name}_relu")(tensor)


def make_feature_network(config: FeatureNetworkConfig) -> keras.Model:
    """images [B, 64, 64, 1] in [0, 1] -> {"features": [B, feature_dimension], "logits": [B, num_classes]}.

    The first convolution has stride 2: shapes fill about 60 % of a 64^2 render, and halving early keeps a
    forward pass near 40 M multiply-adds, so training on two cores takes minutes.
    """
    images = keras.Input((INPUT_SIZE, INPUT_SIZE, 1), name="images")
    tensor = _convolution(images, config.width, strides=2, name="stage1a")
    tensor = _convolution(tensor, config.width, strides=1, name="stage1b")
    for stage in range(2, 4):
        tensor = keras.layers.MaxPooling2D(name=f"stage{stage}_pool")(tensor)
        channels = config.width * 2 ** (stage - 1)
        tensor = _convolution(tensor, channels, strides=1, name=f"stage{stage}a")
        tensor = _convolution(tensor, channels, strides=1, name=f"stage{stage}b")
    tensor = keras.layers.MaxPooling2D(name="stage4_pool")(tensor)
    tensor = _convolution(tensor, config.width * 8, strides=1, name="stage4")
    tensor = keras.layers.GlobalAveragePooling2D(name="pool")(tensor)
    features = keras.layers.Dense(config.feature_dimension, activation="relu", name=FEATURES_OUTPUT)(tensor)
    logits = keras.layers.Dense(config.num_classes, name=LOGITS_OUTPUT)(keras.layers.Dropout(config.dropout)(features))
    return keras.Model(images, {FEATURES_OUTPUT: features, LOGITS_OUTPUT: logits}, name="feature_network")


def to_input_size(images) -> np.ndarray:
    """Grey images [B, S, S, 1] (float in [0, 1] or uint8) as float32 [B, 64, 64, 1], S a multiple of 64.

    Larger renders are reduced by averaging k x k blocks (k = S / 64): the area average of what the pixels
    saw, which is how a 64^2 render would have sampled the same surface, so one network serves the CPU scale
    (64^2) and the paper scale (128^2).
    """
    array = np.asarray(images)
    if array.ndim != 4 or array.shape[0] < 1 or array.shape[3] != 1 or array.shape[1] != array.shape[2]:
        raise ValueError(f"images must be grey squares of shape [B, S, S, 1] with B >= 1, got shape {array.shape}")
    size = array.shape[1]
    if size < INPUT_SIZE or size % INPUT_SIZE:
        raise ValueError(f"images must have a side S that is a multiple of {INPUT_SIZE}, got S = {size}")
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    elif np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float32)
        if not np.all(np.isfinite(array)) or array.min() < 0.0 or array.max() > 1.0:
            raise ValueError("images must be finite values in [0, 1] (or uint8)")
    else:
        raise ValueError(f"images must be float in [0, 1] or uint8, got dtype {array.dtype}")
    factor = size // INPUT_SIZE
    if factor == 1:
        return array
    blocks = array.reshape(len(array), INPUT_SIZE, factor, INPUT_SIZE, factor, 1)
    return blocks.mean(axis=(2, 4))


def file_sha256(path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def record_path_for(weights_path) -> pathlib.Path:
    """The JSON record beside a weights file: `x.weights.h5` -> `x.json`."""
    weights_path = pathlib.Path(weights_path)
    return weights_path.with_name(weights_path.name.removesuffix(".weights.h5") + RECORD_SUFFIX)


class FeatureNetwork:
    """Trained weights plus their record: features and class logits of renders, and the SHA-256 that every
    score computed from them carries.

    Raises ValueError when the weights or the record are missing, or when the weights' SHA-256 differs from
    the one recorded at training time (weights and record from different runs).
    """

    def __init__(self, weights_path=DEFAULT_WEIGHTS_PATH):
        self.weights_path = pathlib.Path(weights_path)
        record_path = record_path_for(self.weights_path)
        for path, what in ((self.weights_path, "weights"), (record_path, "record")):
            if not path.is_file():
                raise ValueError(
                    f"feature network {what} {str(path)!r} not found; train them with tools/train_feature_net.py"
                )
        self.record = json.loads(record_path.read_text())
        self.sha256 = file_sha256(self.weights_path)
        if self.sha256 != self.record.get("sha256"):
            raise ValueError(
                f"feature network weights {str(self.weights_path)!r} have SHA-256 {self.sha256}, but "
                f"{record_path.name} records {self.record.get('sha256')}: weights and record do not belong together"
            )
        self.classes = tuple(self.record["classes"])
        self.config = FeatureNetworkConfig(**self.record["architecture"])
        self.model = make_feature_network(self.config)
        self.model.load_weights(self.weights_path)

    @property
    def feature_dimension(self) -> int:
        return self.config.feature_dimension

    def class_index(self, class_name: str) -> int:
        """Index of `class_name` among the network's classes; ValueError listing them if it has none such."""
        if class_name not in self.classes:
            raise ValueError(f"class_name {class_name!r} is not a class of the feature network: {self.classes}")
        return self.classes.index(class_name)

    def features_and_logits(self, images) -> tuple[np.ndarray, np.ndarray]:
        """(features float64 [B, F], logits float64 [B, C]) of grey renders [B, S, S, 1] (see to_input_size)."""
        inputs = to_input_size(images)
        features, logits = [], []
        for start in range(0, len(inputs), _BATCH_SIZE):
            outputs = self.model(inputs[start : start + _BATCH_SIZE], training=False)
            features.append(np.asarray(outputs[FEATURES_OUTPUT], np.float64))
            logits.append(np.asarray(outputs[LOGITS_OUTPUT], np.float64))
        return np.concatenate(features), np.concatenate(logits)

    def summary(self) -> dict:
        """What a score report says about the network: file, SHA-256, classes, held-out accuracy."""
        return {
            "weights": str(self.weights_path),
            "sha256": self.sha256,
            "classes": list(self.classes),
            "input_size": INPUT_SIZE,
            "feature_dimension": self.feature_dimension,
            "held_out_accuracy": self.record.get("held_out_accuracy"),
            "renderers": self.trained_on,
        }

    @property
    def trained_on(self) -> list:
        """[{"name", "shadows"}] of the renderer settings that drew the training images (records of one setting
        kept it under "renderer"; weights recorded before renderers had names were trained on the per-vertex
        Lambert path, now pyrender_unlit)."""
        if "renderers" in self.record:
            return list(self.record["renderers"])
        return [self.record.get("renderer", {"name": LEGACY_RENDERER, "shadows": False})]


def load_feature_network(weights_path=None) -> FeatureNetwork:
    """The feature network of `weights_path` (default: the shipped one), loaded once per process."""
    return _load_once(str(pathlib.Path(weights_path or DEFAULT_WEIGHTS_PATH).resolve()))


@functools.lru_cache(maxsize=4)
def _load_once(weights_path: str) -> FeatureNetwork:
    return FeatureNetwork(weights_path)
