"""choice-learn's ConditionalLogit (L-BFGS) on padded choice sets: the peer of bench/mimic_linear.

    /work/venv-choicelearn/bin/python bench/choicelearn_fit.py ARRAYS.npz

Runs in its own virtual environment (`python -m venv /work/venv-choicelearn &&
/work/venv-choicelearn/bin/pip install choice-learn`): choice-learn is a peer, not a tflab
dependency, and it brings its own TensorFlow. Reads `features [D, C, F]`, `mask [D, C]`,
`selected [D]` and prints one JSON line: coefficients, fit seconds (`model.fit` alone, its
default L-BFGS: tolerance 1e-8, at most 1000 iterations) and the seconds spent building its
ChoiceDataset.
"""
import json
import sys
import time

import numpy as np


def main(path: str) -> int:
    arrays = np.load(path)
    started = time.perf_counter()
    from choice_learn.data import ChoiceDataset
    from choice_learn.models import ConditionalLogit

    features = arrays["features"].astype(np.float32)
    num_features = features.shape[-1]
    names = [f"x{i}" for i in range(num_features)]
    dataset = ChoiceDataset(choices=arrays["selected"].astype(np.int64),
                            items_features_by_choice=features,
                            available_items_by_choice=arrays["mask"].astype(np.float32),
                            items_features_by_choice_names=names)
    model = ConditionalLogit()
    for name in names:
        model.add_shared_coefficient(feature_name=name, coefficient_name=f"beta_{name}",
                                     items_indexes=list(range(features.shape[1])))
    prepared = time.perf_counter()
    history = model.fit(dataset)
    fitted = time.perf_counter()
    beta = [float(model.coefficients.get(f"beta_{name}").numpy().ravel()[0])
            if hasattr(model.coefficients.get(f"beta_{name}"), "numpy") else None
            for name in names]
    if None in beta:
        beta = [float(w.numpy().ravel()[0]) for w in model.trainable_weights]
    print(json.dumps({"coefficients": beta, "fit_seconds": fitted - prepared,
                      "evaluations": len(history["train_loss"]),
                      "prepare_seconds": prepared - started}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
