"""Known-truth movement simulator (numpy walk) and its TFDS builder.

`simulate(SimulatorSpec(...))` is pure numpy; `load_simulated(config)` prepares the TFDS
dataset once and reads it back (TensorFlow Datasets is imported only then).
"""
from pipelines.movement.simulator.walk import (INTERACTION, INTERACTION_COEFFICIENT,
                                               TRUE_COEFFICIENTS, SimulatorSpec, simulate)


def load_simulated(config_name: str = "default", data_dir=None):
    """See `builder.load_simulated` (imported lazily: TFDS is slow to import)."""
    from pipelines.movement.simulator.builder import load_simulated as load

    return load(config_name, data_dir)


__all__ = ["INTERACTION", "INTERACTION_COEFFICIENT", "TRUE_COEFFICIENTS", "SimulatorSpec",
           "load_simulated", "simulate"]
