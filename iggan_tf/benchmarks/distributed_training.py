"""The `distributed` section of tools/benchmark.py: steps/s and images/s of `iggan-train` at the quickstart config
with --distribution=none and with --distribution=multi_worker over 1 and 2 local worker processes (TF_CONFIG on
127.0.0.1), at the same global batch, each worker with its own render pool.

The rate is the chief's: timed steps over the wall time between the TensorBoard scalars of the last warm-up step
and of the last step (written when a step ends; log_every=1, nothing else is written in between). On a machine
whose cores the workers share (this project's has 2), the workers divide the same cores: the figures show what
the collectives and a second TensorFlow runtime cost, not what a second machine would bring.
"""

import dataclasses
import os
import pathlib
import subprocess
import sys
import tempfile

import tensorflow as tf

from iggan_tf.benchmarks.train_step import QUICKSTART_FLAGS
from iggan_tf.benchmarks.training_memory import REPOSITORY, prepare_dataset
from iggan_tf.training.config import config_from_flagfile
from iggan_tf.training.distribution.multi_worker import local_cluster
# The renderer's pre-training is not what is measured: one step of it.
_RUN_FLAGS = ("--pretrain_shapes=2", "--pretrain_steps=1", "--sample_every=0", "--eval_every=0", "--log_every=1",
              "--noexport")


@dataclasses.dataclass(frozen=True)
class DistributedBenchmark:
    flagfile: str = str(QUICKSTART_FLAGS)
    data_dir: str | None = None  # tfds data dir; None: tfds's default (the dataset is prepared there if missing)
    workers: tuple = (1, 2)  # local worker counts of --distribution=multi_worker
    steps: int = 10  # timed steps
    warmup_steps: int = 2  # steps before the timing (tracing)
    render_workers: int = 1  # per worker process


def _chief_step_times(workdir: pathlib.Path) -> dict:
    """{step: wall time of its first TensorBoard scalar} from the chief's event files."""
    times = {}
    for path in sorted((workdir / "tensorboard").glob("events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            if event.summary.value:
                times.setdefault(event.step, event.wall_time)
    return times


def _steps_per_second(settings: DistributedBenchmark, distribution: str, workers: int) -> float:
    total = settings.warmup_steps + settings.steps
    with tempfile.TemporaryDirectory(prefix="iggan-distributed-") as directory:
        workdir = pathlib.Path(directory) / "run"
        command = [
            sys.executable, "-m", "iggan_tf.train", f"--flagfile={settings.flagfile}", f"--workdir={workdir}",
            f"--distribution={distribution}", f"--train_steps={total}", f"--checkpoint_every={total}",
            f"--render_workers={settings.render_workers}", *_RUN_FLAGS,
            *([f"--data_dir={settings.data_dir}"] if settings.data_dir else []),
        ]
        tf_configs = local_cluster(workers) if distribution == "multi_worker" else [None]
        logs = [pathlib.Path(directory) / f"worker{index}.txt" for index in range(len(tf_configs))]
        processes = []
        for tf_config, log_path in zip(tf_configs, logs):
            environment = {**os.environ, **({"TF_CONFIG": tf_config} if tf_config else {})}
            with open(log_path, "w") as log:
                processes.append(subprocess.Popen(command, cwd=REPOSITORY, stdout=subprocess.DEVNULL, stderr=log,
                                                  env=environment))
        codes = [process.wait() for process in processes]
        if any(codes):
            failed = codes.index(next(code for code in codes if code))
            raise RuntimeError(f"{' '.join(command)} (worker {failed}) failed with code {codes[failed]}:\n"
                               f"{logs[failed].read_text()[-3000:]}")
        times = _chief_step_times(workdir)
    return settings.steps / (times[total] - times[settings.warmup_steps])


def measure(settings: DistributedBenchmark) -> dict:
    config = config_from_flagfile(settings.flagfile)
    prepare_seconds = prepare_dataset(config.dataset, settings.data_dir)
    runs = {"none": _steps_per_second(settings, "none", 1)}
    runs.update({f"multi_worker_{count}": _steps_per_second(settings, "multi_worker", count)
                 for count in settings.workers})
    return {
        "flagfile": pathlib.Path(settings.flagfile).name,
        "global_batch_size": config.batch_size,
        "voxel_size": config.voxel_size,
        "render_workers_per_process": settings.render_workers,
        "timed_steps": settings.steps,
        "steps_per_second": runs,
        "images_per_second": {name: rate * config.batch_size for name, rate in runs.items()},
        "dataset_prepare_seconds": prepare_seconds,
        "cpu_cores": len(os.sched_getaffinity(0)),
        "load_average": os.getloadavg()[0],
    }
