"""The `eval` section of tools/benchmark.py: wall time of `evaluate` (the library behind iggan-eval) on N
generated shapes at the CPU scale, with the seconds of each stage (sampling, rendering, image scores, shape
scores).

The generator is a 32^3 generator of the paper's widths (wider than the CPU-scale runs', so no faster) with the
savedmodel section's benchmark weights
(smooth lumpy fields rather than the salt-and-pepper noise of random weights; the scores are meaningless, the
work is that of trained samples). The dataset is prepared before the clock starts: building it is a one-off.
"""

import dataclasses
import os
import tempfile
import time

from iggan_tf.benchmarks.savedmodel_throughput import _export_lumpy_generator


@dataclasses.dataclass(frozen=True)
class EvaluationBenchmark:
    num_samples: int = 1000
    dataset: str = "synthetic_shapes/tub_500_64"
    data_dir: str | None = None
    voxel_size: int = 32
    latent_dim: int = 200
    chamfer_samples: int = 100
    chamfer_points: int = 1024
    workers: int | None = None
    seed: int = 0


def measure(settings: EvaluationBenchmark) -> dict:
    from iggan_tf.evaluation.evaluate import EvaluationConfig, evaluate
    from iggan_tf.training import real_images

    load_before = os.getloadavg()[0]
    real_images.load_builder(settings.dataset, settings.data_dir)
    with tempfile.TemporaryDirectory(prefix="iggan-eval-benchmark-") as scratch:
        model = _export_lumpy_generator(f"{scratch}/generator", settings.voxel_size, settings.latent_dim, settings.seed)
        started = time.perf_counter()
        record = evaluate(EvaluationConfig(
            model=model, output_dir=f"{scratch}/eval", dataset=settings.dataset, data_dir=settings.data_dir,
            num_samples=settings.num_samples, chamfer_samples=settings.chamfer_samples,
            chamfer_points=settings.chamfer_points, render_workers=settings.workers, seed=settings.seed,
        ))
        seconds = time.perf_counter() - started
    generated = record["rows"]["generated"]
    return {
        **dataclasses.asdict(settings),
        "cores_available": len(os.sched_getaffinity(0)),
        "seconds": seconds,
        "stage_seconds": generated["seconds"],
        "held_out": record["held_out"],
        "chamfer_subset": {"candidates": generated["scores"]["chamfer"]["n_generated"],
                           "held_out": generated["scores"]["chamfer"]["n_real"]},
        "load_average_before": load_before,
    }
