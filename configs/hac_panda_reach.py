"""2-level HAC on panda-gym's PandaReach-v3 (the arm reaches a 3-D target).

The low level moves the gripper to subgoals (gripper positions inside the workspace), the
top level proposes them; both succeed within 5 cm (panda-gym's own test). H is chosen
automatically so H**levels covers the 50-step episode (levels=2: H=8, levels=1: H=50).
`--set levels=1` is the flat baseline (DDPG + HER) in the same code.
"""
from configs.families.hac import HACConfig


def get_config() -> HACConfig:
    return HACConfig(
        name="hac_panda_reach",
        env_id="PandaReach-v3",
        levels=2,
        n_envs=4,
        episodes=1000,
        test_every=50,
        test_episodes=20,
    )
