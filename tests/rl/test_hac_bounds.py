"""Q stays in [−H, 0] whatever the inputs and after updates on extreme targets; subgoals
outside the bounds are clipped and counted."""
import numpy as np

from tfmodels.rl.hac.hierarchy import HierarchyRunner
from tfmodels.rl.hac.networks import LevelSpec, build_networks
from tfmodels.rl.hac.update import LevelUpdater

H = 8


def _networks():
    specs = [LevelSpec(0, [-1.0] * 3, [1.0] * 3, H),
             LevelSpec(1, [-0.2, -0.2, 0.0], [0.2, 0.2, 0.35], H)]
    return specs, build_networks(6, 3, specs, [16, 16], normalize=True)


def test_q_is_bounded_by_minus_h_and_zero_even_after_extreme_updates():
    specs, (actors, critics, model, obs_norm, goal_norm) = _networks()
    rng = np.random.default_rng(0)
    obs_norm.update(rng.normal(size=(100, 6)))
    goal_norm.update(rng.normal(size=(100, 3)))
    probe = [rng.normal(scale=50, size=(512, 6)).astype(np.float32),
             rng.normal(scale=50, size=(512, 3)).astype(np.float32),
             rng.uniform(-1, 1, size=(512, 3)).astype(np.float32)]
    q = critics[0](probe).numpy()
    assert q.min() >= -H and q.max() <= 0
    updater = LevelUpdater(actors[0], critics[0], H, 1e-2, 1e-2)
    for reward in (-1000.0, +1000.0):   # targets far outside [−H, 0] are clipped into it
        batch = {"state": probe[0][None, :64], "goal": probe[1][None, :64],
                 "action": probe[2][None, :64], "next_state": probe[0][None, 64:128],
                 "reward": np.full((1, 64), reward, np.float32),
                 "discount": np.full((1, 64), 0.98, np.float32)}
        for _ in range(20):
            updater(batch)
        metrics = updater.read_metrics()
        assert -H <= metrics["target_mean"] <= 0
        q = critics[0](probe).numpy()
        assert q.min() >= -H and q.max() <= 0
    outputs = model({"state": probe[0], "goal": probe[1], "action_0": probe[2],
                     "action_1": actors[1]([probe[0], probe[1]]).numpy()})
    assert outputs["q_1"].numpy().min() >= -H and outputs["q_1"].numpy().max() <= 0
    sub = outputs["action_1"].numpy()   # the actor itself stays inside the subgoal bounds
    assert (sub >= specs[1].low - 1e-6).all() and (sub <= specs[1].high + 1e-6).all()


class _Config:
    random_action_share, action_noise, subgoal_noise = 0.0, 0.1, 0.1
    subgoal_test_rate, gamma, hindsight_goals, max_episode_steps = 0.3, 0.98, 3, 50


class _OneEnv:
    num_envs = 1


def test_a_subgoal_outside_the_bounds_is_clipped_and_counted():
    specs, _ = _networks()
    runner = HierarchyRunner(_OneEnv(), None, specs, [np.full(3, 0.05)] * 2, "ball",
                             _Config(), np.random.default_rng(0), buffers=None)
    inside = runner.clip_subgoal(1, np.array([0.1, -0.1, 0.2]))
    np.testing.assert_array_equal(inside, [0.1, -0.1, 0.2])
    assert (runner.proposed[1], runner.clipped[1]) == (1, 0)
    outside = runner.clip_subgoal(1, np.array([0.5, -0.1, -0.3]))
    np.testing.assert_allclose(outside, [0.2, -0.1, 0.0])
    assert (runner.proposed[1], runner.clipped[1]) == (2, 1)
