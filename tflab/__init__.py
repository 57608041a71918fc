"""tflab: the shared base every layer may import (errors, atomic io, process options).

Importing it first sets two process-wide TensorFlow options, which only
take effect before TensorFlow runs its first op:

- `TF_CPP_MIN_LOG_LEVEL=2`: TensorFlow's C++ start-up chatter stays off the console (only
  warnings and errors that matter reach a researcher's terminal).
- `TF_CPU_ALLOCATOR_USE_BFC=true`: TensorFlow's pooling allocator on the CPU, as on a GPU,
  so large freed tensors are reused instead of page-faulted in again every step
  (bench/RESULTS_mimic.md, "allocator").

Both are defaults: a value already in the environment wins. `pipelines`, `tfmodels` and
`tuning` import this package first for that reason.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
