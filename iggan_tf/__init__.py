"""iggan_tf: Inverse Graphics GAN (Lunz et al. 2020) in TensorFlow/Keras.

Importing the package imports neither TensorFlow nor pyrender: render workers import parts of it
and must stay free of TensorFlow (the two crash together in one process).
"""

import os

# TensorFlow uses its oneDNN kernels by default only on CPUs with AVX-512 VNNI or newer; on AVX2-only CPUs its
# fallback 3D convolutions are far slower (RenderNet's first layer at batch 16: 0.46 s instead of 0.016 s, an
# IG-GAN step 4.6 s instead of 1.8 s). It reads this before its first import; a value the user set wins.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

__version__ = "0.1.0"
