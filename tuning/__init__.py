"""tflab package. Imports `tflab` first: it sets TensorFlow's process-wide options (quiet
C++ start-up, the BFC CPU allocator), which only take effect before TensorFlow's first op."""
import tflab  # noqa: F401  (TF process options before TensorFlow loads)
