"""Installs iggan_tf. TensorFlow comes through the `cpu` or `gpu` extra so one install line fits each machine."""

import pathlib
import re

import setuptools

_ROOT = pathlib.Path(__file__).parent
_VERSION = re.search(r'__version__ = "([^"]+)"', (_ROOT / "iggan_tf" / "__init__.py").read_text()).group(1)

setuptools.setup(
    name="iggan_tf",
    version=_VERSION,
    description="Inverse Graphics GAN: 3D voxel generators learned from 2D images through an off-the-shelf OpenGL renderer",
    long_description=(_ROOT / "README.md").read_text(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=setuptools.find_packages(include=["iggan_tf", "iggan_tf.*"]),
    # pretrained/**: the trained generators that ship (SavedModel files: saved_model.pb, variables/*).
    # *.js, *.css, LICENSE*: the report's page assets and the vendored <model-viewer> with its licences.
    package_data={"iggan_tf": ["**/*.json", "**/*.bib", "**/*.md", "**/*.txt", "**/*.weights.h5", "**/dummy_data/**",
                               "pretrained/**", "**/*.js", "**/*.css", "**/LICENSE*"]},
    install_requires=[
        "keras==3.15.*",
        # pyrender 0.1.45 pins PyOpenGL 3.1.0, which works with EGL (the default headless backend).
        "pyrender==0.1.45",
        "trimesh>=4.0",
        "scikit-image>=0.22",
        "scipy>=1.11",
        "numpy>=2.0",  # np.bitwise_count (metrics)
        "absl-py>=2.0",
        "tensorflow-datasets==4.9.*",
        "importlib_resources",  # tfds 4.9 imports it but does not declare it
        "pillow>=10",
        "imageio>=2.31",
        "tqdm>=4.66",
        "tensorboard>=2.21",  # tf.summary.image; tensorflow-cpu 2.21 does not pull it in
    ],
    extras_require={
        "cpu": ["tensorflow-cpu==2.21.*"],
        "gpu": ["tensorflow[and-cuda]==2.21.*"],
        # tfds.testing needs dill; playwright drives the system's Chromium in tests/test_report.py.
        "dev": ["pytest>=8", "pytest-timeout>=2.2", "dill", "playwright==1.65.*"],
    },
    entry_points={
        "console_scripts": [
            "iggan-train=iggan_tf.train:run",
            "iggan-export=iggan_tf.serving.export_main:run",
            "iggan-sample=iggan_tf.serving.sample_main:run",
            "iggan-eval=iggan_tf.evaluation.main:run",
            "iggan-reproduce=iggan_tf.reproduction.main:run",
            "iggan-report=iggan_tf.report.main:run",
        ]
    },
)
