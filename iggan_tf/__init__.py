"""iggan_tf: Inverse Graphics GAN (Lunz et al. 2020) in TensorFlow/Keras.

Importing the package imports neither TensorFlow nor pyrender: render workers import parts of it
and must stay free of TensorFlow (the two crash together in one process).
"""

__version__ = "0.1.0"
