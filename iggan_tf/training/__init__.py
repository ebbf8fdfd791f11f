"""One IG-GAN training run: its configuration, its data, the step loop and what it writes (iggan_tf/train.py is the binary)."""
