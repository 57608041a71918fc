"""HAC on gymnasium-robotics' PointMaze U-maze: a ball pushed by a 2-D force must get around
the maze's wall to a random goal cell (sparse reward, success within 0.45, 300 steps).

    python -m tfmodels.rl hac_pointmaze                       # 2 levels, H = 18
    python -m tfmodels.rl hac_pointmaze --set levels=3        # H = 7 (7**3 >= 300)
    python -m tfmodels.rl hac_pointmaze --set levels=1        # flat DDPG + HER, H = 300
    python -m tfmodels.rl hac_pointmaze --set env_id=PointMaze_Medium-v3   # 600 steps

H is the smallest with H**levels >= the maze's episode limit, so every level count gets
the same number of primitive steps per episode. The fixed budget runs to the end (no
early stop): test success every `test_every` episodes is the learning curve. The env
steps in 0.1 ms, so the workers step in this process (`vector_env="sync"`); the agent's
own acting and updates are what costs (bench/RESULTS_hac.md, "PointMaze speed").
"""
from configs.families.hac import HACConfig


def get_config() -> HACConfig:
    return HACConfig(
        name="hac_pointmaze",
        env_id="PointMaze_UMaze-v3",
        levels=2,
        n_envs=4,
        vector_env="sync",
        episodes=400,
        test_every=20,
        test_episodes=20,
        stop_when_solved=False,
        xla_updates=True,
    )
