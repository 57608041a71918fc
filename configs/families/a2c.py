"""A2CConfig: every knob of the actor-critic family, documented where it is declared.

Defaults are Stable-Baselines3 A2C's (lr 7e-4, n_steps 5, gamma 0.99, vf_coef 0.5,
ent_coef 0, max_grad_norm 0.5, RMSprop alpha 0.99 eps 1e-5, orthogonal init) so a config
only lists what it changes. Representation-loss coefficients are the values tuned on
Breakout (repr_coef 0.05, contra_coef 0.01, decoder_coef 0.1) but are off
(repr_coef 0) unless a config turns them on.
"""
from __future__ import annotations

import dataclasses
from typing import Literal

from configs.base import BaseConfig
from configs.families.spec import FamilySpec
from tflab.errors import UserError

COEFFICIENTS = ("ent_coef", "vf_coef", "repr_coef", "contra_coef", "encoder_coef",
                "decoder_coef", "recon_coef", "sparsity_coef")


@dataclasses.dataclass
class A2CConfig(BaseConfig):
    family: str = "a2c"
    learning_rate: float = 7e-4
    # -- environment --------------------------------------------------------------------
    env_id: str = "CartPole-v1"          # gymnasium id; MinAtar ids are MinAtar/<Game>-v1
    n_envs: int = 8                       # environments stepped together (one batch)
    train_variants: list[str] = dataclasses.field(default_factory=lambda: ["none"])
    heldout_variants: list[str] = dataclasses.field(default_factory=list)  # eval only
    distractor_channel: int = -1          # MinAtar channel the distractors are painted in
    # -- budget and logging -------------------------------------------------------------
    total_steps: int = 200_000            # env steps summed over all envs
    log_every: int = 10_000               # env steps between history rows
    eval_every: int = 50_000              # env steps between evaluations (0 = only at end)
    eval_episodes: int = 10               # episodes per variant per evaluation
    eval_max_steps: int = 5_000           # cap on one evaluation episode's length
    eval_deterministic: bool = False      # greedy (argmax) instead of sampled actions
    solved_return: float = 0.0            # record the step the 100-episode mean first reaches it
    # -- A2C ----------------------------------------------------------------------------
    n_steps: int = 5                      # rollout length per env between updates
    gamma: float = 0.99
    gae_lambda: float = 1.0               # 1.0 = plain n-step returns (SB3 A2C default)
    ent_coef: float = 0.0
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5            # clip by global norm; 0 = no clipping
    normalize_advantage: bool = False
    optimizer: Literal["rmsprop", "adam"] = "rmsprop"
    rms_alpha: float = 0.99               # RMSprop rho (SB3: alpha)
    rms_eps: float = 1e-5
    jit_compile: bool = False             # XLA for the update step (measure before enabling)
    # -- network ------------------------------------------------------------------------
    init: Literal["orthogonal", "glorot"] = "orthogonal"
    hidden: list[int] = dataclasses.field(default_factory=lambda: [64, 64])  # MLP body
    shared_mlp: bool = False              # one MLP for actor and critic (SB3: separate)
    conv_filters: list[int] = dataclasses.field(default_factory=lambda: [16])  # 3×3, same
    dense_units: int = 128                # after the conv body
    normalize_obs: bool = False           # RunningNormalizer in front of the body
    # -- representation losses ----------------------------------------------------------
    attention: bool = False               # attention-mask module on the conv feature map
    repr_coef: float = 0.0                # scales the whole repr loss; 0 = off
    contra_coef: float = 0.01             # InfoNCE between two views
    contra_view: Literal["next", "shift"] = "next"  # consecutive frame or shifted frame
    contra_temperature: float = 0.1
    encoder_coef: float = 0.0             # attention sparsity (mean mask) weight
    sparsity_coef: float = 0.0            # L1 on the masked features
    decoder_coef: float = 0.1             # reconstruct the frame from masked features
    recon_coef: float = 0.0               # reconstruct the frame from the latent vector

    def validate(self) -> None:
        """The values alone; what they name (environment id, variants) is checked by the
        family when it loads its data (`tfmodels.rl.family.A2CFamily.check_config`)."""
        super().validate()
        if self.n_envs < 1:
            raise UserError(f"n_envs must be >= 1, got {self.n_envs}; e.g. --set n_envs=8")
        if self.n_steps < 1:
            raise UserError(f"n_steps must be >= 1, got {self.n_steps}")
        if self.total_steps < self.n_envs * self.n_steps:
            raise UserError(f"total_steps={self.total_steps} is less than one rollout "
                            f"(n_envs*n_steps={self.n_envs * self.n_steps})")
        for name in COEFFICIENTS + ("max_grad_norm",):
            if getattr(self, name) < 0:
                raise UserError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not 0 <= self.gamma <= 1 or not 0 <= self.gae_lambda <= 1:
            raise UserError(f"gamma and gae_lambda must lie in [0, 1], got "
                            f"{self.gamma}, {self.gae_lambda}")
        if self.log_every < 1 or self.eval_every < 0 or self.eval_episodes < 1:
            raise UserError("log_every and eval_episodes must be >= 1, eval_every >= 0")
        if not self.train_variants:
            raise UserError("train_variants is empty; use ['none'] for the plain game")
        if self.contra_temperature <= 0:
            raise UserError(f"contra_temperature must be > 0, got {self.contra_temperature}")


SPEC = FamilySpec(name="a2c", implementation="tfmodels.rl.family", extra="rl",
                  modules=("minatar", "gymnasium"),
                  question="do representation losses help A2C on held-out variants?",
                  cli="tfmodels.rl")
