"""PointMaze (gymnasium-robotics) as a HAC goal task: the goal is the ball's position, the
success test is the package's own, the subgoal bounds hold every start and goal, and a
tiny 3-level run goes through the whole trainer with every level's diagnostics."""
import numpy as np
import pytest

pytest.importorskip("gymnasium_robotics")

from configs.base import load_config  # noqa: E402
from pipelines.envs.goals import GoalTaskEnv, goal_reached, goal_task  # noqa: E402
from tfmodels.rl.hac.train import HACTrainer  # noqa: E402

MAZES = ("PointMaze_UMaze-v3", "PointMaze_Medium-v3", "PointMaze_Large-v3")


def test_achieved_goal_is_the_ball_position_and_success_is_the_packages():
    env = GoalTaskEnv("PointMaze_UMaze-v3", seed=0)
    obs, _ = env.reset()
    rng = np.random.default_rng(0)
    for _ in range(20):
        obs, *_ = env.step(rng.uniform(-1, 1, 2))
        np.testing.assert_array_equal(obs["achieved_goal"], obs["observation"][:2])
    assert np.abs(obs["observation"][2:]).max() > 0  # it moved: velocities are not zero
    task = goal_task("PointMaze_UMaze-v3")
    achieved = rng.uniform(-1.5, 1.5, (2000, 2))
    desired = achieved + rng.normal(0, 0.35, (2000, 2))  # many pairs on both sides of 0.45
    ours = goal_reached(achieved, desired, task.goal_thresholds, task.metric)
    theirs = env.base.compute_reward(achieved, desired, {}) == 1.0
    assert 0.2 < ours.mean() < 0.8
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("env_id", MAZES)
def test_every_start_and_goal_lies_inside_the_subgoal_bounds(env_id):
    task = goal_task(env_id)
    env = GoalTaskEnv(env_id, seed=1)
    points = []
    for _ in range(30):
        obs, _ = env.reset()
        points += [obs["achieved_goal"], obs["desired_goal"]]
    points = np.array(points)
    assert (points >= np.array(task.subgoal_low)).all()
    assert (points <= np.array(task.subgoal_high)).all()
    # the bounds are the maze, not a loose box: points reach into the outer cells
    span = (points.max(0) - points.min(0)) / (np.array(task.subgoal_high)
                                             - np.array(task.subgoal_low))
    assert (span > 0.5).all(), span


def test_three_level_pointmaze_smoke_has_every_levels_diagnostics():
    config = load_config("hac_pointmaze", [
        "levels=3", "episodes=2", "n_envs=2", "test_every=2", "test_episodes=2",
        "max_episode_steps=27", "updates_per_episode=2", "batch_size=32", "hidden=16",
        "xla_updates=false"])
    trainer = HACTrainer(config, None, verbose=0)
    metrics = trainer.learn()
    assert trainer.H == 3  # 3**3 = 27 covers the episode limit
    assert metrics["normalizer_count"] == metrics["env_steps"] == 2 * 27
    assert metrics["update_steps"] == 3 * 2 * 2  # 3 levels × 2 steps × 2 episodes
    assert metrics["update_seconds"] + metrics["explore_seconds"] <= metrics["seconds"]
    last = trainer.log.tests[-1]
    for level in (1, 2):
        assert np.isfinite(last[f"l{level}/subgoal_spread"])
        assert 0.0 <= last[f"l{level}/clipped_share"] <= 1.0
    for key in ("episodes_to_50", "env_steps_to_50", "episodes_to_90"):
        assert key in metrics
