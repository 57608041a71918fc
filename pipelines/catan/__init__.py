"""Catan data from the real simulator (catanatron 3.2.1 + catanatron-gym 4.0.0).

    simulate.py   play one seeded game between 4 fixed bots, record every tick as codes
    encode.py     those codes at game speed (the same as catanatron-gym's, checked)
    channels.py   what each state/action channel is: type, classes, quantum; head split
    builder.py    TFDS builder (one example per game, split by game, versioned)
    windows.py    history/future windows as tf.data (streamed, or fixed for overfitting)
    layout.py     codes → channels-first tensors → per-head targets (and back)
    __main__.py   `python -m pipelines.catan --games N --out DIR` (both cores)
"""
