"""Every entry point says what it does, what it reads and writes, with an example; the
config-taking ones list every config with its one-line description."""
import math
import re

import pytest

from configs.base import known_config_names, unvalidated_config
from configs.catalog import description
from tests.cli import run_cli

ENTRY_POINTS = ["tfmodels.fit", "tuning.grid", "tfmodels.rl", "tfmodels.mimic.score",
                "pipelines.catan", "tfmodels.mimic.report", "tfmodels.mimic.simulate",
                "tfmodels.stereo.predict", "tfmodels.stereo.evaluate"]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_help_says_what_it_reads_and_writes_with_an_example(entry):
    result = run_cli(entry, "--help")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for word in ("reads:", "writes:", "prints:", "example"):
        assert word in text, f"{entry} --help lacks {word!r}"
    assert f"python -m {entry} " in text.split("example")[-1]


@pytest.mark.parametrize("entry, families", [("tfmodels.fit", None), ("tuning.grid", None),
                                             ("tfmodels.rl", ("a2c", "hac"))])
def test_list_prints_every_config_with_its_description(entry, families):
    """One line per config of the command's families: name, family, grid size (from the
    config's own grid), description (the config file's docstring)."""
    result = run_cli(entry, "--list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    expected = [n for n in known_config_names()
                if families is None or unvalidated_config(n).family in families]
    listed_families = {unvalidated_config(n).family for n in expected}
    assert listed_families >= set(families or ("mimic", "a2c", "hac", "catan", "stereo"))
    assert len(lines) == len(expected)
    for name, line in zip(expected, lines):
        config = unvalidated_config(name)
        shown = re.fullmatch(r"(\S+) +(\S+) +(\d+ trials|one fit) +(.+)", line)
        assert shown, line
        size = math.prod(len(v) for v in config.grid.values()) if config.grid else 0
        assert shown.groups() == (name, config.family,
                                  f"{size} trials" if size else "one fit", description(name))
        assert description(name) != "(no description)", name
    sizes = {line.split()[0]: line.split()[2] for line in lines}
    if families is None:
        assert sizes["mimic_v3"] == "60" and sizes["mimic_linear"] == "one"  # the main grid
    else:
        assert sizes["hac_levels"] == "6" and sizes["a2c_cartpole"] == "one"


def test_no_config_is_one_line_pointing_at_list():
    result = run_cli("tfmodels.fit")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "--list" in result.stderr
