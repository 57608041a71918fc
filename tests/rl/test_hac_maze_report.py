"""The maze report compares agents at equal env steps: each seed's last test block at or
before a mark, runs that stopped short of a mark left out, sample sd over seeds."""
import pandas as pd

from bench.hac_maze_report import at_env_steps, hac_label, reached


def run(agent, seed, steps, success):
    tests = pd.DataFrame({"env_steps": steps, "test_success_rate": success})
    return {"agent": agent, "seed": seed, "tests": tests,
            "metrics": {"env_steps": steps[-1] + 100, "episodes_to_90": None}}


def test_success_at_equal_env_steps_takes_the_last_block_before_each_mark():
    runs = [run("A", 0, [0, 1000, 2000, 3000], [0.0, 0.5, 1.0, 0.9]),
            run("A", 1, [0, 1500, 3000], [0.0, 0.2, 0.4]),
            run("B", 0, [0, 500], [0.1, 0.3])]  # ended at 600 env steps
    table = at_env_steps(runs, [1200, 2500]).set_index("agent")
    assert table.loc["A", "1 200"] == "0.25 ± 0.35 (sd, n = 2)"  # 0.5 and 0.0
    assert table.loc["A", "2 500"] == "0.60 ± 0.57 (sd, n = 2)"  # 1.0 and 0.2
    assert table.loc["B", "1 200"] == "—"                        # ran out before the mark


def test_not_reached_reports_the_final_values_and_labels_name_the_subgoal_threshold():
    runs = [run("A", 0, [0, 10], [0.0, 0.3]), run("A", 1, [0, 10], [0.0, 0.6])]
    assert reached(runs, "episodes_to_90", [0.3, 0.6]) == \
        "not reached by any of 2 (final 0.30, 0.60)"
    assert hac_label({"levels": 1, "subgoal_thresholds": [0.15, 0.15]}) == "HAC 1 level"
    assert hac_label({"levels": 3, "subgoal_thresholds": [0.15, 0.15]}) == \
        "HAC 3 levels, subgoal 0.15"
    assert hac_label({"levels": 2, "subgoal_thresholds": []}) == "HAC 2 levels"
