"""The paper-scale networks at their real sizes, as the training run builds them from every flags/paper_*.flags
(IG-GAN's three, the baselines' generator and discriminator): parameter counts against the architecture's layer
widths, and the memory of one forward pass at batch 1.

No training and no dataset. Identical configurations are built once. The memory is measured in a fresh
subprocess per network (`python -m tests.test_paper_scale_networks FLAGFILE NETWORK`), so that memory freed by
other tests and kept by the allocator cannot hide it.
"""

import json
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from iggan_tf.methods import IMAGE_METHODS, NEURAL_RENDERER_METHODS
from iggan_tf.methods.iggan import renderer_config
from iggan_tf.nets import make_rendernet
from iggan_tf.training import loop
from iggan_tf.training.config import TrainingConfig, config_from_flagfile

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
PAPER_FLAGFILES = sorted((REPOSITORY / "flags").glob("paper_*.flags"))
NETWORKS = ("generator", "rendernet", "discriminator")
# Upper bounds on the resident memory one forward pass at batch 1 adds (MB). Measured on a 2-core CPU with
# TensorFlow 2.21 and oneDNN: generator 40-96, rendernet 180-206, discriminator 42-47 (first call, weights
# reordered for oneDNN included); the bounds leave room for other allocators and kernel libraries.
FORWARD_PASS_BOUNDS_MB = {"generator": 256, "rendernet": 512, "discriminator": 256}


def networks_of(config: TrainingConfig) -> tuple:
    """The networks the config's method trains: a baseline has no renderer."""
    return NETWORKS if config.method in NEURAL_RENDERER_METHODS else ("generator", "discriminator")


def build(config: TrainingConfig, network: str):
    """`network` exactly as the training loop builds it from `config`."""
    if network == "rendernet":
        return make_rendernet(renderer_config(config))
    generator, discriminator = loop.build_generator_and_discriminator(config)
    return generator if network == "generator" else discriminator


def size_key(config: TrainingConfig, network: str) -> tuple:
    """The config fields that set `network`'s size."""
    fields = {
        "generator": ("makes_images", "voxel_size", "latent_dim", "generator_width"),
        "rendernet": ("voxel_size", "renderer_width", "renderer_projection_channels"),
        "discriminator": ("voxel_size", "discriminator_width"),
    }[network]
    values = {"makes_images": config.method in IMAGE_METHODS}
    return tuple(values[field] if field in values else getattr(config, field) for field in fields)


def distinct_builds() -> list:
    """(network, flagfile that stands for its size, every flagfile of that size), one per distinct size."""
    builds = {}
    for path in PAPER_FLAGFILES:
        config = config_from_flagfile(path)
        for network in networks_of(config):
            builds.setdefault((network, size_key(config, network)), []).append(path.name)
    return [(network, names[0], names) for (network, _), names in builds.items()]


BUILDS = distinct_builds()


# The architectures' parameter counts, from their layer widths (not from Keras' own count). Convolutions have
# k^d * in * out weights and `out` biases; batch norm keeps 4 numbers per channel (2 trainable), PReLU one slope
# per channel.


def generator_parameters(config: TrainingConfig) -> tuple[int, int]:
    """(all, trainable) of the 3D-GAN generator: dense z -> 4^3 grid, stride-2 4^3 transposed convolutions; or of
    the 2D baseline's DCGAN generator: the same in two dimensions, up to the image size."""
    dimensions, resolution = (2, config.image_size) if config.method in IMAGE_METHODS else (3, config.voxel_size)
    up_samplings = int(math.log2(resolution // 4))
    widths = [config.generator_width * 2**level for level in reversed(range(up_samplings))]  # 512 ... 64
    weights = config.latent_dim * 4**dimensions * widths[0]  # the projection, no bias (batch norm follows)
    weights += sum(4**dimensions * wide * narrow for wide, narrow in zip(widths, widths[1:]))  # hidden, no biases
    weights += 4**dimensions * widths[-1] * 1 + 1  # the output layer, with its bias
    batch_norm = sum(widths)
    return weights + 4 * batch_norm, weights + 2 * batch_norm


def rendernet_parameters(config: TrainingConfig) -> tuple[int, int]:
    """(all, trainable) of RenderNet: 3D convolutions on the 2N^3 view grid, projection unit, 2D decoder."""
    w, p = config.renderer_width, config.renderer_projection_channels
    feature_size = 2 * config.voxel_size // 4

    def convolution(kernel, inputs, outputs):  # weights, bias and the PReLU slopes that follow
        return kernel * inputs * outputs + outputs + outputs

    count = convolution(5**3, 1, w) + convolution(3**3, w, 2 * w) + convolution(3**3, 2 * w, 4 * w)
    count += 2 * 2 * convolution(3**3, 4 * w, 4 * w)  # two 3D residual blocks of two convolutions
    count += convolution(1, feature_size * 4 * w, p)  # depth folded into channels, 1x1 convolution
    count += 4 * 2 * convolution(3**2, p, p)  # four 2D residual blocks
    up_samplings = int(math.log2(config.image_size // feature_size))
    widths = [p // 2**level for level in range(up_samplings + 1)]
    count += sum(convolution(4**2, wide, narrow) for wide, narrow in zip(widths, widths[1:]))
    count += 3**2 * widths[-1] * 1 + 1  # to the grey image, no PReLU
    return count, count


def discriminator_parameters(config: TrainingConfig) -> tuple[int, int]:
    """(all, trainable) of the DCGAN discriminator: stride-2 4^2 convolutions down to 4^2, one dense logit."""
    down_samplings = int(math.log2(config.image_size // 4))
    widths = [1] + [config.discriminator_width * 2**level for level in range(down_samplings)]  # 1, 64 ... 1024
    trainable = sum(4**2 * wide * narrow + narrow for wide, narrow in zip(widths, widths[1:]))
    trainable += 4**2 * widths[-1] * 1 + 1
    vectors_u = sum(widths[1:]) + 1  # spectral normalization's power-iteration vector per weight layer
    return trainable + vectors_u, trainable


EXPECTED_PARAMETERS = {
    "generator": generator_parameters,
    "rendernet": rendernet_parameters,
    "discriminator": discriminator_parameters,
}


def test_paper_flagfiles_are_at_the_papers_scale():
    assert len(PAPER_FLAGFILES) >= 19
    for path in PAPER_FLAGFILES:
        config = config_from_flagfile(path)
        assert (config.voxel_size, config.image_size) == (64, 128), path.name


@pytest.mark.parametrize("network, flagfile, flagfiles", BUILDS, ids=[f"{n}-{f}" for n, f, _ in BUILDS])
def test_paper_scale_parameter_count(network, flagfile, flagfiles):
    config = config_from_flagfile(REPOSITORY / "flags" / flagfile)
    model = build(config, network)
    trainable = sum(int(np.prod(variable.shape)) for variable in model.trainable_variables)
    assert (model.count_params(), trainable) == EXPECTED_PARAMETERS[network](config), flagfiles


@pytest.mark.slow
@pytest.mark.parametrize("network, flagfile, flagfiles", BUILDS, ids=[f"{n}-{f}" for n, f, _ in BUILDS])
def test_paper_scale_forward_pass_memory_at_batch_1(network, flagfile, flagfiles):
    result = subprocess.run(
        [sys.executable, "-m", "tests.test_paper_scale_networks", flagfile, network],
        capture_output=True, text=True, timeout=300, cwd=REPOSITORY,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    print(network, flagfile, measured)
    # At least the network's largest activation (float32): the measurement sees the pass.
    assert measured["peak_mb"] >= measured["largest_activation_mb"]
    assert measured["peak_mb"] <= FORWARD_PASS_BOUNDS_MB[network], flagfiles


def _resident_mb(key: str) -> float:
    """A line of /proc/self/status in MB: VmRSS (now) or VmHWM (the high-water mark since its last reset)."""
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"key {key!r} is not in /proc/self/status")


def measure_forward_pass(flagfile: str, network: str) -> dict:
    """Builds `network` of `flagfile` and measures the resident memory its first call at batch 1 adds (MB)."""
    import gc

    import tensorflow as tf

    config = config_from_flagfile(REPOSITORY / "flags" / flagfile)
    model = build(config, network)
    rng = tf.random.Generator.from_seed(0)
    if network == "generator":
        inputs = rng.normal([1, config.latent_dim])
    elif network == "rendernet":
        inputs = [rng.uniform([1] + [config.voxel_size] * 3 + [1]), tf.constant([30.0]), tf.constant([20.0])]
    else:
        inputs = rng.uniform([1, config.image_size, config.image_size, 1])
    gc.collect()
    pathlib.Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident size
    before = _resident_mb("VmRSS")
    model(inputs, training=False)
    largest = max(int(np.prod(layer.output.shape[1:])) for layer in model.layers)
    return {"peak_mb": _resident_mb("VmHWM") - before, "largest_activation_mb": 4 * largest / 2**20}


if __name__ == "__main__":
    print(json.dumps(measure_forward_pass(*sys.argv[1:])))
