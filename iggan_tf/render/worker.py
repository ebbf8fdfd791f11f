"""One render worker process: meshes binary voxels by marching cubes and draws them with its renderer's
drawing class (iggan_tf.render.backends), which it imports by name and keeps for every job.

The pool starts it from a fresh interpreter, `INTERPRETER -m iggan_tf.render.worker REQUEST_FD REPLY_FD`, so it
never imports TensorFlow (pyrender and TensorFlow crash in one process). It runs with numpy 1.26 as well as 2
(the Blender environment has numpy < 2). It serves jobs until told to stop,
until its request pipe closes, or until its parent dies; Ctrl-C is left to the parent, which shuts it down.
"""

import importlib
import os
import select
import signal
import sys
import threading
import traceback
from multiprocessing.connection import Connection

import numpy as np
import trimesh

from iggan_tf.geometry.cameras import world_to_camera
from iggan_tf.geometry.meshing import mesh_from_voxels
from iggan_tf.render import backends, messages

# How often the watchdog checks that the parent is still there.
_WATCHDOG_SECONDS = 1.0


def _exit_when_parent_is_gone(request_fd: int) -> None:
    """Exits the process as soon as every writer of the request pipe is gone (the parent died or closed it)
    or the process is re-parented, even while a job is running."""
    parent = os.getppid()
    poller = select.poll()
    poller.register(request_fd, 0)  # An empty mask still reports POLLHUP: no writer is left.

    def watch():
        while not poller.poll(_WATCHDOG_SECONDS * 1000) and os.getppid() == parent:
            pass
        os._exit(0)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _meshes_from_voxels(size: int, packed: np.ndarray) -> list:
    return [mesh_from_voxels(grid) for grid in messages.unpack_voxels(packed, size)]


def _meshes_with_normals(meshes) -> list:
    """(vertices, faces, normals or None) -> (vertices, faces, unit normals); missing normals are
    area-weighted averages of the adjacent face normals."""
    complete = []
    for vertices, faces, normals in meshes:
        if normals is None:
            normals = trimesh.Trimesh(vertices=vertices, faces=faces, process=False).vertex_normals
        complete.append((vertices, faces, np.asarray(normals, dtype=np.float32)))
    return complete


def _render(renderer, kind: str, payload) -> np.ndarray:
    if kind == messages.RENDER_VOXELS:
        size, packed, azimuth, elevation = payload
        meshes = _meshes_from_voxels(size, packed)
    else:
        mesh_list, azimuth, elevation = payload
        meshes = _meshes_with_normals(mesh_list)
    rotations = world_to_camera(azimuth, elevation).astype(np.float32)
    return renderer.render(meshes, rotations, normal_maps=kind == messages.RENDER_NORMAL_MAPS)


def serve(requests: Connection, replies: Connection) -> None:
    """Sets up the renderer named in the first request, then answers render jobs until STOP or EOF."""
    try:
        _, name, image_size, lighting, shadows = requests.recv()
        # Imported here so that a missing library (GL, bpy) reaches the pool as FAILED with its traceback.
        backend = backends.backend(name)
        drawing_class = getattr(importlib.import_module(backend.drawing_module), backend.drawing_class)
        renderer = drawing_class(image_size, lighting, shadows)
    except Exception:
        replies.send((messages.FAILED, traceback.format_exc()))
        return
    replies.send((messages.READY, os.getpid()))
    try:
        while True:
            try:
                request = requests.recv()
            except EOFError:
                return
            if request[0] == messages.STOP:
                return
            kind, job, payload = request
            try:
                reply = (messages.IMAGES, job, _render(renderer, kind, payload))
            except Exception:
                reply = (messages.ERROR, job, traceback.format_exc())
            replies.send(reply)
    finally:
        renderer.close()


def main(argv) -> int:
    request_fd, reply_fd = int(argv[1]), int(argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_when_parent_is_gone(request_fd)
    try:
        serve(Connection(request_fd, writable=False), Connection(reply_fd, readable=False))
    except BrokenPipeError:
        pass  # The pool stopped reading: it is shutting down.
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
