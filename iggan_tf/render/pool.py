"""The off-the-shelf renderer R_d: a pool of render worker processes behind one call (DESIGN section 4).

`OpenGLRenderer.render(binary_voxels, azimuth, elevation)` splits a batch into jobs of a few views each and
hands them to whichever worker is free, so all cores draw. The renderer is chosen by name from
iggan_tf.render.backends; its workers run in the interpreter the registry names for it. A worker that dies
or stops answering for `timeout` seconds is killed, replaced, and its jobs are redone; after `max_retries`
such failures within one call the call raises RuntimeError. Workers are separate interpreters (this module
imports neither TensorFlow, pyrender nor bpy) and end with the pool: on close, at interpreter exit, or when
this process dies.
"""

import collections
import itertools
import os
import pathlib
import queue
import subprocess
import threading
import time
import weakref
from multiprocessing.connection import Connection, wait

import numpy as np

import iggan_tf
from iggan_tf.geometry.cameras import VIEW_HALF_WIDTH, check_angles
from iggan_tf.geometry.meshing import check_binary_voxels
from iggan_tf.render import backends, messages
from iggan_tf.render.lighting import DEFAULT_AMBIENT, DEFAULT_LIGHT_INTENSITY, Lighting

# Jobs queued per worker: the next job is already in its pipe when it finishes one.
_JOBS_IN_FLIGHT = 2
# Views per job: few enough that a batch of 64 keeps every worker busy to its end, enough that pickling and
# pipe round trips stay a small share of a job.
_VIEWS_PER_JOB = 4
# A fresh worker imports its renderer (pyrender, bpy) and sets up its context before its first answer.
_STARTUP_SECONDS = 120.0
# Longest wait between checks for hung workers.
_POLL_SECONDS = 0.5
# Grace period for a worker to exit after STOP before it is killed.
_STOP_SECONDS = 5.0


def _worker_environment() -> dict:
    environment = dict(os.environ)
    # Headless Mesa through EGL unless the user chose otherwise: PYOPENGL_PLATFORM=osmesa selects OSMesa
    # (libosmesa6 and PyOpenGL >= 3.1.5; it has no multisampling, so edges come out aliased).
    environment.setdefault("PYOPENGL_PLATFORM", "egl")
    # Workers are one per core: llvmpipe's own rasterizer threads would only compete with the other workers.
    environment.setdefault("LP_NUM_THREADS", "0")
    package_root = str(pathlib.Path(iggan_tf.__file__).resolve().parent.parent)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, environment.get("PYTHONPATH")]))
    return environment


class _Worker:
    """One worker process, its two pipes, and a thread that writes requests so that a hung worker with a
    full pipe never blocks the caller."""

    def __init__(self, interpreter: str, configuration):
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        self.process = subprocess.Popen(
            [interpreter, "-m", "iggan_tf.render.worker", str(request_read), str(reply_write)],
            pass_fds=(request_read, reply_write),
            stdin=subprocess.DEVNULL,
            env=_worker_environment(),
        )
        os.close(request_read)
        os.close(reply_write)
        self.requests = Connection(request_write, readable=False)
        self.replies = Connection(reply_read, writable=False)
        self.ready = False
        self.in_flight = []  # job keys sent and not answered, oldest first
        self.last_progress = time.monotonic()
        self._outbox = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write_requests, name="render-worker-writer", daemon=True)
        self._writer.start()
        self._outbox.put((messages.CONFIGURE, *configuration))

    def _write_requests(self):
        while (request := self._outbox.get()) is not None:
            try:
                self.requests.send(request)
            except OSError:
                return  # The worker is gone; the pool notices through its reply pipe.

    def submit(self, job, kind, payload):
        if not self.in_flight:
            self.last_progress = time.monotonic()
        self.in_flight.append(job)
        self._outbox.put((kind, job, payload))

    def seconds_silent(self) -> float:
        return time.monotonic() - self.last_progress

    def stop(self, kill: bool) -> None:
        """Ends the process (politely unless `kill`) and releases its pipes and thread."""
        if not kill and self.process.poll() is None:
            self._outbox.put((messages.STOP,))
        self._outbox.put(None)
        # Unread answers must not keep the worker blocked on a full reply pipe.
        self.replies.close()
        if kill:
            self.process.kill()
        try:
            self.process.wait(_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._writer.join()
        self.requests.close()

    def exit_reason(self) -> str:
        try:
            return f"worker {self.process.pid} exited with code {self.process.wait(_STOP_SECONDS)}"
        except subprocess.TimeoutExpired:
            return f"worker {self.process.pid} closed its reply pipe"


def _stop_workers(workers: list) -> None:
    for worker in workers:
        worker.stop(kill=False)
    workers.clear()


class OpenGLRenderer:
    """Renders binary voxels (or meshes) to gray images float32 [B, S, S, 1] in [0, 1] with the off-the-shelf
    renderer named `renderer` (one of backends.RENDERER_NAMES; pyrender by default); also normal maps of meshes.

    Camera (DESIGN section 2): orthographic, looking at the origin from (azimuth, elevation) in degrees,
    covering [-r, r]^2 with r = VIEW_HALF_WIDTH; image columns run along the camera's right, rows from its
    up (top) to its down. Lighting (see Lighting): `lights`, directions [L, 3] in the camera frame (right,
    up, towards the camera), by default the paper's two lights 45 degrees below and to the left and right,
    each of `light_intensity`, plus `ambient`: visible surfaces are > 0, the background is exactly 0.
    With `shadows`, the lights cast shadows.

    `workers` processes (default: one per available core) each hold one renderer (an OpenGL context, or a
    Blender scene). A worker that dies, or that stays silent for `timeout` seconds while it has work, is
    replaced and its work redone; more
    than `max_retries` such failures in one call raise RuntimeError. `restarts` counts replacements.
    Use as a context manager, or call close(); workers also end at interpreter exit.
    """

    def __init__(
        self,
        image_size: int,
        workers: int | None = None,
        renderer: str = backends.DEFAULT_RENDERER,
        lights=None,
        light_intensity: float = DEFAULT_LIGHT_INTENSITY,
        ambient: float = DEFAULT_AMBIENT,
        shadows: bool = True,
        timeout: float = 60.0,
        max_retries: int = 3,
    ):
        _check_integer("image_size", image_size, minimum=1)
        if workers is not None:
            _check_integer("workers", workers, minimum=1)
        _check_integer("max_retries", max_retries, minimum=0)
        backend = backends.backend(renderer)
        if not isinstance(shadows, (bool, np.bool_)):
            raise ValueError(f"shadows must be True or False, got {shadows!r}")
        if shadows and not backend.draws_shadows:
            raise ValueError(f"shadows=True, but the renderer {backend.name} draws no shadows: pass shadows=False")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        if lights is None:
            lighting = Lighting(intensity=light_intensity, ambient=ambient)
        else:
            lighting = Lighting(directions=lights, intensity=light_intensity, ambient=ambient)
        self.image_size = int(image_size)
        self.renderer = backend.name
        self.shadows = bool(shadows)
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.restarts = 0
        self._interpreter = backend.interpreter()
        self._configuration = (self.renderer, self.image_size, lighting, self.shadows)
        self._lock = threading.RLock()  # close() may run inside a failing render()
        self._call_ids = itertools.count()
        self._workers = []
        # Runs at close(), garbage collection or interpreter exit, whichever comes first.
        self._finalizer = weakref.finalize(self, _stop_workers, self._workers)
        count = len(os.sched_getaffinity(0)) if workers is None else int(workers)
        self._workers.extend(_Worker(self._interpreter, self._configuration) for _ in range(count))
        self._wait_until_ready()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self) -> None:
        """Stops the workers; the renderer cannot render afterwards."""
        with self._lock:
            self._finalizer()

    @property
    def worker_pids(self) -> list:
        return [worker.process.pid for worker in self._workers]

    def render(self, binary_voxels, azimuth, elevation) -> np.ndarray:
        """Images float32 [B, S, S, 1] of binary voxels [B, N, N, N] or [B, N, N, N, 1] (bool or 0/1 numbers,
        grid v[x, y, z] over [-0.5, 0.5]^3) seen from azimuth [B] and elevation [B] in degrees.

        Each grid is meshed by marching cubes on the zero-padded grid; an empty grid renders black.
        """
        voxels = check_binary_voxels(binary_voxels, "binary_voxels")
        azimuth, elevation = check_angles(azimuth, elevation, batch_size=len(voxels))
        packed = messages.pack_voxels(voxels)
        size = voxels.shape[1]
        jobs = [
            (messages.RENDER_VOXELS, (size, packed[start:stop], azimuth[start:stop], elevation[start:stop]))
            for start, stop in self._job_ranges(len(voxels))
        ]
        return self._run(jobs, len(voxels))

    def render_meshes(self, meshes, azimuth, elevation) -> np.ndarray:
        """Images float32 [B, S, S, 1] of meshes with the camera and lights of `render`.

        A mesh is a trimesh.Trimesh (its vertex normals are used) or a tuple (vertices [V, 3], faces [F, 3])
        or (vertices, faces, vertex normals), in world coordinates within distance VIEW_HALF_WIDTH of the
        origin (so no view clips it; ShapeNet-normalized meshes qualify), faces counter-clockwise seen from
        outside.
        """
        return self._run(*self._mesh_jobs(messages.RENDER_MESHES, meshes, azimuth, elevation))

    def render_normal_maps(self, meshes, azimuth, elevation) -> np.ndarray:
        """Normal maps float32 [B, S, S, 3] of meshes (as in `render_meshes`) with the camera of `render`, as
        in the paper's Figure 3: a surface point with unit normal n in the camera frame (right, up, towards
        the camera) gets the colour (n + 1) / 2; the background is 0.
        """
        return self._run(*self._mesh_jobs(messages.RENDER_NORMAL_MAPS, meshes, azimuth, elevation), channels=3)

    def _mesh_jobs(self, kind: str, meshes, azimuth, elevation) -> tuple[list, int]:
        """(jobs, view count) that draw validated meshes; `kind` says how."""
        mesh_list = [_mesh_arrays(mesh, index) for index, mesh in enumerate(meshes)]
        azimuth, elevation = check_angles(azimuth, elevation, batch_size=len(mesh_list))
        jobs = [
            (kind, (mesh_list[start:stop], azimuth[start:stop], elevation[start:stop]))
            for start, stop in self._job_ranges(len(mesh_list))
        ]
        return jobs, len(mesh_list)

    @staticmethod
    def _job_ranges(count: int):
        return [(start, min(start + _VIEWS_PER_JOB, count)) for start in range(0, count, _VIEWS_PER_JOB)]

    def _wait_until_ready(self) -> None:
        pending = list(self._workers)
        deadline = time.monotonic() + _STARTUP_SECONDS
        while pending:
            ready = wait([worker.replies for worker in pending], timeout=max(0.0, deadline - time.monotonic()))
            if not ready:
                self.close()
                raise RuntimeError(f"{self.renderer} render workers did not start within {_STARTUP_SECONDS:.0f} s")
            for worker in [worker for worker in pending if worker.replies in ready]:
                try:
                    self._receive(worker, call_id=None, images=None)
                except (EOFError, OSError):
                    reason = worker.exit_reason()
                    self.close()
                    raise RuntimeError(f"a {self.renderer} render worker died while starting: {reason}") from None
                pending.remove(worker)

    def _run(self, jobs, count: int, channels: int = 1) -> np.ndarray:
        images = np.zeros((count, self.image_size, self.image_size, channels), np.uint8)
        with self._lock:
            if not self._finalizer.alive:
                raise RuntimeError("the OpenGLRenderer is closed")
            call_id = next(self._call_ids)
            pending = collections.deque(range(len(jobs)))
            unanswered = set(pending)
            failures = []
            while unanswered:
                for worker in self._workers:
                    while pending and len(worker.in_flight) < _JOBS_IN_FLIGHT:
                        index = pending.popleft()
                        worker.submit((call_id, index), *jobs[index])
                busy = [worker for worker in self._workers if worker.in_flight]
                ready = wait([worker.replies for worker in busy], timeout=_POLL_SECONDS)
                for worker in busy:
                    if worker.replies in ready:
                        try:
                            answered = self._receive(worker, call_id, images)
                        except (EOFError, OSError):
                            self._replace(worker, worker.exit_reason(), failures, pending, call_id)
                            continue
                        unanswered.difference_update(answered)
                    elif worker.seconds_silent() > (self.timeout if worker.ready else _STARTUP_SECONDS + self.timeout):
                        reason = f"worker {worker.process.pid} did not answer for {worker.seconds_silent():.1f} s"
                        self._replace(worker, reason, failures, pending, call_id)
        return images.astype(np.float32) / 255.0

    def _receive(self, worker: _Worker, call_id, images) -> list:
        """Handles one message from `worker`; returns the job indices of call `call_id` it answered."""
        message = worker.replies.recv()
        worker.last_progress = time.monotonic()
        kind = message[0]
        if kind == messages.READY:
            worker.ready = True
            return []
        if kind == messages.FAILED:
            self.close()
            raise RuntimeError(
                f"a {self.renderer} render worker could not start (headless OpenGL uses PYOPENGL_PLATFORM=egl; "
                f"set PYOPENGL_PLATFORM=osmesa for OSMesa):\n{message[1]}"
            )
        _, job, payload = message
        worker.in_flight.remove(job)
        job_call, index = job
        if job_call != call_id:
            return []  # An answer to an interrupted earlier call.
        if kind == messages.ERROR:
            raise RuntimeError(f"a {self.renderer} render worker failed on a job:\n{payload}")
        start = index * _VIEWS_PER_JOB
        views = images[start : start + len(payload)]
        views[...] = payload.reshape(views.shape)  # gray images come without their channel axis
        return [index]

    def _replace(self, worker: _Worker, reason: str, failures: list, pending, call_id) -> None:
        """Kills `worker`, starts a fresh one in its place and re-queues its jobs of this call."""
        failures.append(reason)
        worker.stop(kill=True)
        self._workers[self._workers.index(worker)] = _Worker(self._interpreter, self._configuration)
        self.restarts += 1
        pending.extendleft(index for job_call, index in reversed(worker.in_flight) if job_call == call_id)
        if len(failures) > self.max_retries:
            raise RuntimeError(
                f"{self.renderer} render workers failed {len(failures)} times in one call "
                f"(max_retries={self.max_retries}): " + "; ".join(failures)
            )


def _check_integer(name: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _mesh_arrays(mesh, index: int):
    """(vertices float32, faces int64, normals float32 or None) of one mesh argument, validated."""
    if hasattr(mesh, "vertices") and hasattr(mesh, "faces"):
        vertices, faces, normals = mesh.vertices, mesh.faces, getattr(mesh, "vertex_normals", None)
    elif isinstance(mesh, (tuple, list)) and len(mesh) in (2, 3):
        vertices, faces, normals = (*mesh, None)[:3]
    else:
        raise ValueError(
            f"meshes[{index}] must be a trimesh or a tuple (vertices, faces[, normals]), got {type(mesh).__name__}"
        )
    vertices = np.asarray(vertices, dtype=np.float32)
    faces = np.asarray(faces)
    if vertices.ndim != 2 or vertices.shape[1] != 3 or not np.all(np.isfinite(vertices)):
        raise ValueError(f"meshes[{index}] vertices must be finite with shape [V, 3], got shape {vertices.shape}")
    if faces.ndim != 2 or faces.shape[1] != 3 or not np.issubdtype(faces.dtype, np.integer):
        raise ValueError(f"meshes[{index}] faces must be integers with shape [F, 3], got {faces.dtype} {faces.shape}")
    if faces.size and (faces.min() < 0 or faces.max() >= len(vertices)):
        raise ValueError(f"meshes[{index}] faces index vertices outside 0..{len(vertices) - 1}")
    if len(vertices) and np.max(np.linalg.norm(vertices, axis=1)) > VIEW_HALF_WIDTH:
        raise ValueError(f"meshes[{index}] reaches beyond distance {VIEW_HALF_WIDTH:.4f} of the origin: out of view")
    if normals is not None:
        normals = np.asarray(normals, dtype=np.float32)
        if normals.shape != vertices.shape:
            raise ValueError(f"meshes[{index}] normals must have the shape {vertices.shape} of its vertices")
    return vertices, faces.astype(np.int64), normals
