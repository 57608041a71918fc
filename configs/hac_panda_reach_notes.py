"""The last hand-tuned settings of the original HAC study on the 2-level Panda reach:
learning rate 8e-5 for both levels, every goal threshold 0.041 m (the top level's too, so
"success" here is stricter than panda-gym's 5 cm)."""
from configs.hac_panda_reach import get_config as panda_reach_config


def get_config():
    config = panda_reach_config()
    config.name = "hac_panda_reach_notes"
    config.learning_rate = 8e-5
    config.goal_thresholds = [0.041] * 3
    config.subgoal_thresholds = [0.041] * 3
    return config
