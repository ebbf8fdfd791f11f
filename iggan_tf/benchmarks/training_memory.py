"""The `memory` section of tools/benchmark.py: peak resident memory of a few steps of `iggan-train` on a paper
flagfile's dataset (default: chairs, limited viewpoints, 128^2 images, 20 stored views per object) with the
networks shrunk to CPU size, so that what is measured is the data path and the process layout, not a GPU's
activations.

The trainer runs in a subprocess; its peak and its render workers' peaks are read from /proc (VmHWM) while it
runs, and the trainer's from wait4's ru_maxrss when it ends. Preparing the dataset, when it is missing, runs
first in a process of its own and is timed apart.
"""

import dataclasses
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

from iggan_tf.training.config import config_from_flagfile

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
LVP_FLAGS = REPOSITORY / "flags" / "paper_chair_lvp.flags"
# Paper image and voxel sizes (the dataset fixes them), CPU-size networks and batch.
CPU_SIZE_FLAGS = (
    "--generator_width=8", "--discriminator_width=8", "--renderer_width=2", "--renderer_projection_channels=16",
    "--batch_size=4", "--pretrain_shapes=4", "--pretrain_steps=1", "--pretrain_batch_size=4", "--render_workers=2",
    "--sample_every=0", "--eval_every=0", "--log_every=1", "--noexport",
)
_POLL_SECONDS = 0.2


@dataclasses.dataclass(frozen=True)
class MemoryBenchmark:
    flagfile: str = str(LVP_FLAGS)
    data_dir: str | None = None  # tfds data dir; None: tfds's default
    dataset: str | None = None  # None: the flagfile's
    steps: int = 3


def prepare_dataset(dataset: str, data_dir: str | None) -> float:
    """Seconds to prepare `dataset` (about 0 when it is already there), in a process of its own."""
    script = ("import sys, iggan_tf.datasets, tensorflow_datasets as tfds; "
              "tfds.builder(sys.argv[1], data_dir=sys.argv[2] or None).download_and_prepare()")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", script, dataset, data_dir or ""], check=True, cwd=REPOSITORY)
    return time.perf_counter() - start


def dataset_rendering_flags(dataset: str, data_dir: str | None) -> list:
    """`--renderer=... --[no]shadows` of the renderer that drew the prepared `dataset` (none for a photo dataset),
    so that a run on a dataset other than its flagfile's is not refused for a differing renderer."""
    script = ("import json, sys, iggan_tf.datasets, tensorflow_datasets as tfds; "
              "from iggan_tf.datasets import dataset_renderer; "
              "builder = tfds.builder(sys.argv[1], data_dir=sys.argv[2] or None); "
              "rendering = dataset_renderer.recorded_rendering(builder); "
              "print(json.dumps(dataset_renderer.rendering_flags(*rendering) if rendering else []))")
    output = subprocess.run([sys.executable, "-c", script, dataset, data_dir or ""], check=True, cwd=REPOSITORY,
                            capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _process_tree(pid: int) -> list:
    """`pid` and its descendants (from /proc/<pid>/task/*/children)."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        for task in pathlib.Path(f"/proc/{current}/task").glob("*"):
            try:
                pending.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                pass
    return tree


def _memory_kib(pid: int) -> dict:
    """{"VmRSS", "VmHWM"} in KiB of a live process; {} once it is gone."""
    try:
        lines = pathlib.Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {key: int(value.split()[0]) for key, _, value in (line.partition(":") for line in lines)
            if key in ("VmRSS", "VmHWM")}


def measure(settings: MemoryBenchmark) -> dict:
    config = config_from_flagfile(settings.flagfile)
    dataset = settings.dataset or config.dataset
    prepare_seconds = prepare_dataset(dataset, settings.data_dir)
    with tempfile.TemporaryDirectory(prefix="iggan-memory-") as workdir:
        command = [
            sys.executable, "-m", "iggan_tf.train", f"--flagfile={settings.flagfile}", f"--workdir={workdir}/run",
            f"--dataset={dataset}", f"--train_steps={settings.steps}", *CPU_SIZE_FLAGS,
            *dataset_rendering_flags(dataset, settings.data_dir),
            *([f"--data_dir={settings.data_dir}"] if settings.data_dir else []),
        ]
        log_path = pathlib.Path(workdir) / "stderr.txt"
        start = time.perf_counter()
        with open(log_path, "w") as log:
            process = subprocess.Popen(command, cwd=REPOSITORY, stdout=subprocess.DEVNULL, stderr=log)
        peaks, total_rss = {}, 0  # KiB: each process's VmHWM as last seen; the largest simultaneous sum of VmRSS
        while True:
            sample = {pid: _memory_kib(pid) for pid in _process_tree(process.pid)}
            total_rss = max(total_rss, sum(memory.get("VmRSS", 0) for memory in sample.values()))
            for pid, memory in sample.items():
                if "VmHWM" in memory:
                    peaks[pid] = max(peaks.get(pid, 0), memory["VmHWM"])
            finished, status, usage = os.wait4(process.pid, os.WNOHANG)  # its rusage, which Popen.wait drops
            if finished:
                process.returncode = os.waitstatus_to_exitcode(status)
                break
            time.sleep(_POLL_SECONDS)
        seconds = time.perf_counter() - start
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed with code {process.returncode}:\n"
                               f"{log_path.read_text()[-3000:]}")
    trainer_kib = peaks.pop(process.pid, 0)
    worker_kib = sorted(peaks.values(), reverse=True)
    return {
        "command": " ".join(command),
        "dataset": dataset,
        "dataset_prepare_seconds": prepare_seconds,
        "run_seconds": seconds,
        "peak_rss_gib_trainer": trainer_kib / 2**20,
        "peak_rss_gib_workers": [kib / 2**20 for kib in worker_kib],
        # Every process at its own peak at once: an upper bound of what the run needs.
        "peak_rss_gib_sum_of_peaks": (trainer_kib + sum(worker_kib)) / 2**20,
        "peak_rss_gib_sampled_total": total_rss / 2**20,
        "wait4_ru_maxrss_gib": usage.ru_maxrss / 2**20,
        "load_average": os.getloadavg()[0],
    }
