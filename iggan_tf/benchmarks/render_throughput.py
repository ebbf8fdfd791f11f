"""The `render` section of tools/benchmark.py: renders per second of the worker pool with each renderer of
the registry (those that draw shadows also without them), and of the naive reference, in the same run.

The pool is timed on whole batches after a warm-up batch (worker start-up and shader compilation are not
counted); the naive reference runs in its own process (it imports pyrender) on a few images only. A
renderer whose environment is missing is reported as skipped, with the reason.
"""

import dataclasses
import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np

import iggan_tf
from iggan_tf.benchmarks.benchmark_shapes import benchmark_voxels
from iggan_tf.geometry.meshing import mesh_from_voxels
from iggan_tf.render import OpenGLRenderer, backends


@dataclasses.dataclass(frozen=True)
class RenderBenchmark:
    voxel_size: int = 64
    image_size: int = 128
    batch_size: int = 64
    batches: int = 5
    workers: int | None = None
    naive_images: int = 4
    shapes: str = "blobs"
    seed: int = 0
    renderers: tuple = backends.RENDERER_NAMES


def _views(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 360.0, count), rng.uniform(-30.0, 60.0, count)


def _cpu_seconds(pids) -> float | None:
    """User + system CPU time of processes from /proc (Linux), or None elsewhere."""
    try:
        fields = [pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split() for pid in pids]
    except OSError:
        return None
    return sum(int(values[11]) + int(values[12]) for values in fields) / os.sysconf("SC_CLK_TCK")


def pool_renders_per_second(settings: RenderBenchmark, renderer_name: str, shadows: bool, voxels) -> dict:
    """Renders/s of the pool with one renderer; also its workers' CPU seconds per render, which other load on
    the machine inflates far less than wall time (cores / CPU per render bounds an idle machine's throughput)."""
    azimuth, elevation = _views(settings.batch_size, settings.seed)
    with OpenGLRenderer(
        settings.image_size, workers=settings.workers, renderer=renderer_name, shadows=shadows
    ) as renderer:
        renderer.render(voxels, azimuth, elevation)
        cpu_before = _cpu_seconds(renderer.worker_pids)
        start = time.perf_counter()
        for _ in range(settings.batches):
            renderer.render(voxels, azimuth, elevation)
        elapsed = time.perf_counter() - start
        cpu_after = _cpu_seconds(renderer.worker_pids)
        workers = len(renderer.worker_pids)
    renders = settings.batches * settings.batch_size
    cpu_per_render = None if None in (cpu_before, cpu_after) else (cpu_after - cpu_before) / renders
    return {
        "renders_per_second": renders / elapsed,
        "workers": workers,
        "worker_cpu_seconds_per_render": cpu_per_render,
    }


def renderers_per_second(settings: RenderBenchmark, voxels) -> dict:
    """{renderer: figures} for each selected renderer, and {renderer_no_shadows: ...} for those that draw
    shadows; {renderer: {"skipped": reason}} for one whose environment is missing."""
    results = {}
    for name in settings.renderers:
        backend = backends.backend(name)
        reason = backend.unavailable_reason()
        if reason:
            results[name] = {"skipped": reason}
            continue
        results[name] = pool_renders_per_second(settings, name, backend.draws_shadows, voxels)
        if backend.draws_shadows:
            results[f"{name}_no_shadows"] = pool_renders_per_second(settings, name, False, voxels)
    return results


def naive_renders_per_second(settings: RenderBenchmark) -> float:
    command = [
        sys.executable, "-m", "iggan_tf.benchmarks.naive_render", f"--source={settings.shapes}",
        f"--count={settings.naive_images}", f"--voxel_size={settings.voxel_size}",
        f"--image_size={settings.image_size}", f"--seed={settings.seed}",
    ]
    environment = dict(os.environ)
    environment.setdefault("PYOPENGL_PLATFORM", "egl")
    # Run from the directory that holds the package, so `-m` finds it whether installed or not.
    package_root = pathlib.Path(iggan_tf.__file__).resolve().parent.parent
    result = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=package_root, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"the naive render reference failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])["renders_per_second"]


def measure(settings: RenderBenchmark) -> dict:
    load_before = os.getloadavg()[0]  # other work on the machine slows every figure
    voxels = benchmark_voxels(settings.shapes, settings.batch_size, settings.voxel_size, settings.seed)
    return {
        **dataclasses.asdict(settings),
        "mean_triangles": float(np.mean([len(mesh_from_voxels(grid)[1]) for grid in voxels])),
        "renderers": renderers_per_second(settings, voxels),
        "naive_renders_per_second": naive_renders_per_second(settings) if settings.naive_images else None,
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
    }
