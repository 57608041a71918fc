"""Names a grid's seeds travel under, shared by every layer that reads a grid.

A grid repeats a configuration over `random_seed` (a config field, so the axis is named
here, in the layer that owns configs) and reports the spread over those seeds rather than
averaging it away. When a trial trains all of a configuration's seeds together, KerasTuner
records them as one fixed hyperparameter, `random_seeds` ("0,1,2"). The grid that writes
results.csv and the reports that read it back must agree on both names, so they live in
this leaf module and nowhere else.
"""

SEED_AXIS = "random_seed"    # the config field a grid repeats a configuration over
SEEDS_HP = "random_seeds"    # a seed-population trial's member seeds, "0,1,2"
