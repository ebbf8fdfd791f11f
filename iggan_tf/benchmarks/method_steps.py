"""The `methods` section of tools/benchmark.py: seconds per train step of each baseline at its CPU flagfile
(flags/cpu_<class>_<method>.flags) on random images, and of IG-GAN at flags/cpu_<class>.flags with its renderer
(a pool of the flagfile's workers, an untrained RenderNet): what a run of `train_steps` costs, before evaluation.
"""

import dataclasses
import os

import keras

from iggan_tf.benchmarks import train_step
from iggan_tf.gan import UniformViewSampler
from iggan_tf.geometry.cameras import FULL_TURN_HIGH
from iggan_tf.methods import METHOD_NAMES, NEURAL_RENDERER_METHODS
from iggan_tf.methods.registry import training_method
from iggan_tf.render import OpenGLRenderer, opengl_render_function
from iggan_tf.reproduction.cells import Run


@dataclasses.dataclass(frozen=True)
class MethodStepBenchmark:
    class_name: str = "tub"
    methods: tuple = METHOD_NAMES
    steps: int = 10
    seed: int = 0


def measure(settings: MethodStepBenchmark) -> dict:
    seconds, hours = {}, {}
    for name in settings.methods:
        suffix = "" if name == "iggan" else f"_{name}"
        config = Run(f"cpu_{settings.class_name}{suffix}.flags").config("unused")
        if name in NEURAL_RENDERER_METHODS:
            with OpenGLRenderer(config.image_size, workers=config.render_workers, renderer=config.renderer,
                                shadows=config.shadows) as renderer:
                seconds[name] = train_step._seconds_per_step(config, opengl_render_function(renderer), settings.steps,
                                                             settings.seed)
        else:
            keras.utils.set_random_seed(settings.seed)
            model = training_method(name).build_model(config, None, None, UniformViewSampler(FULL_TURN_HIGH))
            seconds[name] = train_step.seconds_per_step(model, config, settings.steps, settings.seed)
        hours[name] = seconds[name] * config.train_steps / 3600
    return {"class_name": settings.class_name, "steps": settings.steps, "seconds_per_step": seconds,
            "hours_per_run_of_train_steps": hours, "load_average": os.getloadavg()[0]}
