"""tflab package. Importing it first keeps TensorFlow's C++ start-up chatter off the console
(only warnings and errors that matter reach a researcher's terminal)."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
