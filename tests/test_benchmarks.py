"""tools/benchmark.py's sections measure the configuration they name."""

import pathlib

import pytest

from iggan_tf.benchmarks import train_step
from iggan_tf.training.config import config_from_flagfile

FLAGS = pathlib.Path(__file__).resolve().parents[1] / "flags"


@pytest.mark.parametrize("flagfile, shadows", [("quickstart.flags", False), ("cpu_couch.flags", True)])
def test_train_section_renders_with_the_flagfiles_shadows(monkeypatch, flagfile, shadows):
    opened = []

    class RecordingRenderer:
        def __init__(self, image_size, **options):
            opened.append(options)

        def __enter__(self):
            return self

        def __exit__(self, *exception):
            return False

    monkeypatch.setattr(train_step, "OpenGLRenderer", RecordingRenderer)
    monkeypatch.setattr(train_step, "_seconds_per_step", lambda config, render, steps, seed: 1.0)
    config = config_from_flagfile(FLAGS / flagfile)
    settings = train_step.TrainStepBenchmark(flagfile=str(FLAGS / flagfile), renderers=("pyrender", "pyrender_unlit"))
    assert train_step._renderer_seconds_per_step(config, settings) == {"pyrender": 1.0, "pyrender_unlit": 1.0}
    assert [(options["renderer"], options["shadows"]) for options in opened] == [
        ("pyrender", shadows), ("pyrender_unlit", False)]
