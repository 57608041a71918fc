"""What loss curves cannot show: is the high level still proposing anything?

"The critic's and actor's loss continue to decrease even though the behaviour is highly
inadequate" — losses measure how well a level fits its own replay, not whether its
subgoals depend on the state. Two numbers per subgoal level make that visible:

  * subgoal spread: mean pairwise distance between the greedy subgoals proposed for the
    level's most recent (state, goal) pairs, in units of the subgoal bounds (each axis
    divided by its range; 0 = the same point whatever the state: the level has collapsed);
  * clipped share: the share of proposed subgoals that left the bounds and were clipped.

`collapse_warning` returns a one-line warning when the spread is below the threshold
while both losses fell since the previous test block.
"""
from __future__ import annotations

import numpy as np


def subgoal_spread(subgoals: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    if len(subgoals) < 2:
        return float("nan")
    x = np.asarray(subgoals, np.float64) / (np.asarray(high) - np.asarray(low))
    diff = x[:, None, :] - x[None, :, :]
    dist = np.sqrt(np.sum(diff ** 2, axis=-1))
    n = len(x)
    return float(dist.sum() / (n * (n - 1)))


def collapse_warning(level: int, spread: float, threshold: float, losses: dict,
                     previous: dict | None) -> str | None:
    if previous is None or not np.isfinite(spread) or spread >= threshold:
        return None
    fell = all(np.isfinite(losses[k]) and np.isfinite(previous.get(k, np.nan))
               and losses[k] < previous[k] for k in ("critic_loss", "actor_loss"))
    if not fell:
        return None
    return (f"warning: level {level} proposes nearly the same subgoal for every state "
            f"(subgoal spread {spread:.4f} < {threshold} of the bounds) while its critic "
            f"loss ({previous['critic_loss']:.4g} -> {losses['critic_loss']:.4g}) and actor "
            f"loss ({previous['actor_loss']:.4g} -> {losses['actor_loss']:.4g}) fall: the "
            f"losses do not show the collapse")
