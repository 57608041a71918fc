"""Actor-critic family (A2C) with representation losses and generalisation variants.

Entry points: `python -m tfmodels.rl CONFIG` (one run), `FAMILY` in `family.py` (the grid),
`A2CTrainer` in `a2c.py` (the loop), `build_agent` in `agent.py` (the network).
"""
