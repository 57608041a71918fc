"""tflab: the shared base every layer may import (errors, atomic io, process options).

Importing it first sets two process-wide TensorFlow options, which only
take effect before TensorFlow runs its first op:

- `TF_CPP_MIN_LOG_LEVEL=2`: TensorFlow's C++ start-up chatter stays off the console (only
  warnings and errors that matter reach a researcher's terminal).
- `TF_CPU_ALLOCATOR_USE_BFC=true`: TensorFlow's pooling allocator on the CPU, as on a GPU,
  so large freed tensors are reused instead of page-faulted in again every step
  (bench/RESULTS_mimic.md, "allocator").

It also drops gymnasium-robotics 1.2.4's import-time notice (two lines on stderr about
the Adroit envs' rewards, none of tflab's tasks): gymnasium 0.29 imports every installed
env package from its plugin hook, so every `import gymnasium` would print it and a CLI's
one-line `tflab: error:` would no longer be one line. The notice is an entry in
`farama_notifications.notifications`; removing that entry is the whole change.

The TensorFlow options are defaults: a value already in the environment wins. `pipelines`,
`tfmodels` and `tuning` import this package first for that reason.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")


def _drop_robotics_notice() -> None:
    try:
        from farama_notifications import notifications
    except ImportError:  # gymnasium (which brings it) is not installed
        return
    notifications.pop("gymnasium_robotics", None)


_drop_robotics_notice()
