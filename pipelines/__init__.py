"""tflab package. Imports `tfmodels` first: it sets TensorFlow's process-wide options (quiet
C++ start-up, the BFC CPU allocator), which only take effect before TensorFlow's first op."""
import tfmodels  # noqa: F401
