"""How TensorFlow takes GPU memory: never all of it, because the EGL render workers draw on the same GPU.

By default TensorFlow reserves nearly the whole memory of every visible GPU when it first touches one, which
leaves the render workers' OpenGL contexts (separate processes, DESIGN section 4) nothing. Each binary calls
`share_gpus_with_render_workers` before its first TensorFlow operation. CPUs are unaffected.
"""

import tensorflow as tf

from absl import logging


def share_gpus_with_render_workers(memory_limit_mb: int = 0) -> list:
    """Lets TensorFlow grow its GPU memory as needed (`memory_limit_mb` 0) or caps it at `memory_limit_mb`
    per GPU; returns the GPUs configured (none on a CPU machine).

    Must run before TensorFlow initializes its GPUs (its first operation on one); later it raises RuntimeError.
    """
    if isinstance(memory_limit_mb, bool) or not isinstance(memory_limit_mb, int) or memory_limit_mb < 0:
        raise ValueError(f"gpu_memory_limit_mb must be an integer >= 0 (0: grow as needed), got {memory_limit_mb!r}")
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        if memory_limit_mb:
            tf.config.set_logical_device_configuration(
                gpu, [tf.config.LogicalDeviceConfiguration(memory_limit=memory_limit_mb)]
            )
        else:
            tf.config.experimental.set_memory_growth(gpu, True)
    if gpus:
        logging.info("TensorFlow GPU memory on %d GPU(s): %s", len(gpus),
                     f"at most {memory_limit_mb} MB each" if memory_limit_mb else "grows as needed")
    return gpus
