"""Small sanity task: 2-level HAC swings gymnasium's Pendulum-v1 up (Levy et al.'s goal).

Goal = (angle, angular velocity); training goals near upright, test goal upright and
still, reached within 9.5° and 0.6 rad/s. 200-step episodes, H=15 (15² ≥ 200).
"""
from configs.families.hac import HACConfig


def get_config() -> HACConfig:
    return HACConfig(
        name="hac_pendulum",
        env_id="Pendulum-v1",
        levels=2,
        n_envs=4,
        episodes=200,
        test_every=20,
        test_episodes=20,
    )
