"""The `savedmodel` section of tools/benchmark.py: samples/s of the exported generator SavedModel at given batch
sizes on a fixed number of cores, and the wall time of `iggan-sample` for 16 shapes with all its pictures.

Both run in child processes pinned to the same cores: TensorFlow sizes its thread pools once per process,
and the sampling time is end to end (interpreter start, TensorFlow import, model load, OpenGL workers,
meshes, renders, GIFs). Without a model, a paper-size generator with benchmark weights is exported first
(see _lumpy_generator): throughput does not depend on the weights. The child also reports its CPU seconds
per sample, which other load on the machine inflates far less than wall time (cores / CPU per sample bounds
an idle machine).
"""

import argparse
import dataclasses
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import iggan_tf

_WARM_UP_CALLS = 2
_MIN_TIMED_CALLS = 3


@dataclasses.dataclass(frozen=True)
class SavedModelBenchmark:
    model: str | None = None  # a generator SavedModel; None: export benchmark weights at the sizes below
    voxel_size: int = 64
    latent_dim: int = 200
    cores: int = 2
    batch_sizes: tuple = (1, 16)
    seconds: float = 10.0  # timed per batch size, after warm-up calls
    gallery_samples: int = 16
    seed: int = 0


def _pinned_cores(cores: int) -> list:
    """The first `cores` CPUs this process may use (fewer if fewer are available)."""
    return sorted(os.sched_getaffinity(0))[:cores]


def _child_environment() -> dict:
    environment = dict(os.environ)
    package_root = str(pathlib.Path(iggan_tf.__file__).resolve().parent.parent)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, environment.get("PYTHONPATH")]))
    environment.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return environment


def _run_child(command: list, cores: list) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, capture_output=True, text=True, env=_child_environment(), check=False,
        preexec_fn=lambda: os.sched_setaffinity(0, cores),
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed:\n{result.stderr[-3000:]}")
    return result


def generator_throughput(model: str, batch_sizes, seconds: float, seed: int) -> dict:
    """In this process: samples/s and CPU seconds per sample of the SavedModel for each batch size."""
    import numpy as np

    from iggan_tf.serving.generator_savedmodel import load_generator

    generator = load_generator(model)
    rng = np.random.default_rng(seed)
    results = {}
    for batch_size in batch_sizes:
        z = rng.standard_normal((batch_size, generator.latent_size)).astype(np.float32)
        for _ in range(_WARM_UP_CALLS):
            generator.generate(z)
        calls = 0
        cpu_start, start = time.process_time(), time.perf_counter()
        while calls < _MIN_TIMED_CALLS or time.perf_counter() - start < seconds:
            generator.generate(z)
            calls += 1
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        results[f"batch_{batch_size}"] = {
            "samples_per_second": calls * batch_size / elapsed,
            "cpu_seconds_per_sample": cpu / (calls * batch_size),
            "calls": calls,
        }
    return {"resolution": generator.resolution, "latent_size": generator.latent_size, **results}


def _lumpy_generator(voxel_size: int, latent_dim: int, seed: int):
    """The paper's generator architecture with weights that make lumpy shapes, not noise.

    Random initial weights give salt-and-pepper grids of about a million triangles each, nothing like trained
    samples, and they would time the meshing and drawing of noise. Transposed-convolution kernels that
    up-sample linearly, times random channel mixing, give smooth random fields instead: shapes of tens of
    thousands of triangles, at the same architecture and therefore the same generator throughput.
    """
    import keras
    import numpy as np

    from iggan_tf.nets import GeneratorConfig, make_generator

    keras.utils.set_random_seed(seed)
    generator = make_generator(GeneratorConfig(voxel_size=voxel_size, latent_dim=latent_dim))
    rng = np.random.default_rng(seed)
    taps = np.array([1.0, 3.0, 3.0, 1.0]) / 4.0  # stride-2 transposed convolution form of linear up-sampling
    up_sampling = taps[:, None, None] * taps[None, :, None] * taps[None, None, :]
    transposed = [layer for layer in generator.layers if isinstance(layer, keras.layers.Conv3DTranspose)]
    for layer in transposed:
        _, _, _, out_channels, in_channels = layer.kernel.shape
        mixing = rng.standard_normal((out_channels, in_channels)) / np.sqrt(in_channels)
        # Zero-sum rows cancel the common positive offset of ReLU features, which would otherwise make the
        # grid's border, where transposed convolutions sum fewer taps, differ from its inside.
        mixing -= mixing.mean(axis=1, keepdims=True)
        layer.kernel.assign((up_sampling[..., None, None] * mixing).astype(np.float32))
    # Shift the output so that about a fifth of the voxels are solid at threshold 0.5, as in furniture.
    logits = keras.Model(generator.input, transposed[-1].output)
    sample_logits = logits(rng.standard_normal((8, latent_dim)).astype(np.float32)).numpy()
    transposed[-1].bias.assign(transposed[-1].bias.numpy() - np.quantile(sample_logits, 0.8))
    return generator


def _export_lumpy_generator(export_dir: str, voxel_size: int, latent_dim: int, seed: int) -> str:
    """In this process: exports _lumpy_generator's weights as a generator SavedModel; returns its directory."""
    from iggan_tf.serving.generator_savedmodel import export_generator

    generator = _lumpy_generator(voxel_size, latent_dim, seed)
    metadata = {"dataset": "none: benchmark weights (linear up-sampling, random channel mixing)"}
    return str(export_generator(generator, export_dir, metadata=metadata))


def measure(settings: SavedModelBenchmark) -> dict:
    load_before = os.getloadavg()[0]
    cores = _pinned_cores(settings.cores)
    with tempfile.TemporaryDirectory(prefix="iggan-savedmodel-benchmark-") as scratch:
        command = [
            sys.executable, "-m", "iggan_tf.benchmarks.savedmodel_throughput", f"--cores={len(cores)}",
            f"--batch_sizes={','.join(map(str, settings.batch_sizes))}", f"--seconds={settings.seconds}",
            f"--seed={settings.seed}",
        ]
        if settings.model:
            command.append(f"--model={settings.model}")
        else:
            command += [f"--export_dir={scratch}/generator", f"--voxel_size={settings.voxel_size}",
                        f"--latent_dim={settings.latent_dim}"]
        throughput = json.loads(_run_child(command, cores).stdout.strip().splitlines()[-1])
        model_dir = throughput.pop("model")

        gallery_command = [
            sys.executable, "-m", "iggan_tf.serving.sample_main", f"--model={model_dir}",
            f"--num={settings.gallery_samples}", f"--out={scratch}/gallery", f"--seed={settings.seed}",
            f"--render_workers={len(cores)}",
        ]
        start = time.perf_counter()
        _run_child(gallery_command, cores)
        gallery_seconds = time.perf_counter() - start
        manifest = json.loads((pathlib.Path(scratch) / "gallery" / "samples.json").read_text())
    return {
        **dataclasses.asdict(settings),
        "cores_used": len(cores),
        **throughput,
        "gallery_seconds": gallery_seconds,
        "gallery_empty_shapes": sum(not sample["meshes"] for sample in manifest["samples"]),
        "load_average_before": load_before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model")
    parser.add_argument("--export_dir")
    parser.add_argument("--voxel_size", type=int, default=64)
    parser.add_argument("--latent_dim", type=int, default=200)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--batch_sizes", default="1,16")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    import tensorflow as tf

    # Thread pools are fixed when TensorFlow first runs an op: set them before the export below.
    tf.config.threading.set_intra_op_parallelism_threads(arguments.cores)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    model = arguments.model or _export_lumpy_generator(
        arguments.export_dir, arguments.voxel_size, arguments.latent_dim, arguments.seed
    )
    batch_sizes = [int(size) for size in arguments.batch_sizes.split(",")]
    result = generator_throughput(model, batch_sizes, arguments.seconds, arguments.seed)
    print(json.dumps({"model": model, **result}))


if __name__ == "__main__":
    main()
