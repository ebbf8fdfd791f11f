"""The `dataset` section of tools/benchmark.py: wall seconds to build one synthetic_shapes config from nothing
(procedural shapes, voxelization, renders, tfrecords) into a fresh data dir, as a first `tfds.load` does."""

import dataclasses
import os
import tempfile
import time


@dataclasses.dataclass(frozen=True)
class DatasetBuildBenchmark:
    dataset: str = "synthetic_shapes/tub_500_128"


def measure(settings: DatasetBuildBenchmark) -> dict:
    from iggan_tf.training import real_images

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="iggan-dataset-benchmark-") as data_dir:
        started = time.perf_counter()
        builder = real_images.load_builder(settings.dataset, data_dir)
        seconds = time.perf_counter() - started
        splits = {name: split.num_examples for name, split in builder.info.splits.items()}
    return {**dataclasses.asdict(settings), "seconds": seconds, "examples": splits,
            "load_average_before": load_before}
