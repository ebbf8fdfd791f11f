"""How one training run spreads over devices and machines (--distribution): one module per mode behind the small
interface of `interface.Distribution`, which the training loop calls and the train step never sees.

    none          single_device.py  one device, the step exactly as without distribution
    mirrored      mirrored.py       tf.distribute.MirroredStrategy over the GPUs (else the logical CPUs) of one machine
    multi_worker  multi_worker.py   tf.distribute.MultiWorkerMirroredStrategy over the machines TF_CONFIG lists

This module imports no TensorFlow (the flags are checked before TensorFlow loads); `make_distribution` imports
the mode's module.
"""

import importlib

MODES = {"none": "single_device", "mirrored": "mirrored", "multi_worker": "multi_worker"}

# Modes asked for and refused, with the reason.
REFUSED = {
    "parameter_server": (
        "ParameterServerStrategy runs the training step as functions shipped to remote workers, and the step's "
        "OpenGL renderer is a tf.py_function, which runs only in the Python process that traced it: it cannot run "
        "on a remote worker. Use --distribution=multi_worker, where every worker runs its own step and render pool"
    ),
}


def check_mode(name: str) -> None:
    """ValueError naming --distribution when `name` is no mode (with the reason when it is a refused one)."""
    if name in REFUSED:
        raise ValueError(f"--distribution={name} is not supported: {REFUSED[name]}")
    if name not in MODES:
        raise ValueError(f"--distribution must be one of {', '.join(MODES)}, got {name!r}")


def make_distribution(name: str):
    """The `interface.Distribution` of mode `name`. Call it before any other TensorFlow operation: a multi-worker
    run joins its cluster here, and TensorFlow's devices must not be initialized before."""
    check_mode(name)
    return importlib.import_module(f"{__name__}.{MODES[name]}").make()
