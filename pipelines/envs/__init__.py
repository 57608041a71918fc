"""Environments for the RL family: construction, vectorisation, generalisation variants."""
from pipelines.envs.make import (check_env_id, check_variants, env_spaces, final_observations,
                                 is_image_env, make_env, make_vec_env)
from pipelines.envs.variants import IMAGE_VARIANTS, VECTOR_VARIANTS

__all__ = ["check_env_id", "check_variants", "env_spaces", "final_observations",
           "is_image_env", "make_env", "make_vec_env", "IMAGE_VARIANTS", "VECTOR_VARIANTS"]
