"""A2C sanity check: CartPole-v1 (solved = 100-episode mean ≥ 475 within 200k steps).

SB3 A2C defaults (RMSprop, n_steps 5, orthogonal init, separate actor/critic MLPs) with
rl-zoo's CartPole choice of 8 envs and ent_coef 0, except the learning rate: 1e-3 solves
CartPole in fewer steps than SB3's 7e-4 (bench/RESULTS_rl.md). The held-out variant adds
observation noise (σ = 0.1).
"""
from configs.families.a2c import A2CConfig


def get_config() -> A2CConfig:
    return A2CConfig(
        name="a2c_cartpole",
        env_id="CartPole-v1",
        n_envs=8,
        learning_rate=1e-3,
        total_steps=200_000,
        log_every=10_000,
        eval_every=50_000,
        eval_episodes=10,
        solved_return=475.0,
        train_variants=["none"],
        heldout_variants=["noise"],
    )
