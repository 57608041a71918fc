"""Every measured figure in README.md and docs/*.md appears in a measurement record
(bench/RESULTS_*.md).

Which README numbers count as figures (the rule this check enforces):
- only lines that are rows of a markdown table (start with "|") or that contain "±" or "×"
  outside backticks;
- on those lines, every number written with a decimal point (0.189, 7.1, 2.3e-4, 94.66);
  integers are left out: they are counts, sizes, dates and config values (60 runs, 3×64,
  seed 4), not measurements;
- text inside backticks is left out (commands, config values such as `lr 2e-3`), as are
  version numbers (any x.y.z, and a number right after a package name: Keras 3.15).
A figure is found when some number in its page's records rounds to it at the figure's own
precision (decimal places for 0.0536, significant digits for 2.3e-4): a page
may round a record's 2.28e-04 to 2.3e-4 but may not print a number no record holds.
Which records a figure is looked up in: in README.md, its "## " section's (`SECTION_RECORDS`:
the catan section's figures must be in RESULTS_catan.md, ...; the family table and any
section without its own record are checked against all of them); in docs/NAME.md, the
records of that page's name (`DOC_RECORDS`: docs/mimic.md -> RESULTS_mimic*.md, ...; a page
without its own record against all of them).
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"(?<![\w.])[-−+]?(?:\d{1,3}(?: \d{3})+|\d+)\.\d+(?:e[-−+]?\d+)?(?![\w.])|"
                    r"(?<![\w.])[-−+]?\d+(?:\.\d+)?e[-−+]?\d+(?![\w.])")
ANY_NUMBER = re.compile(r"[-−+]?\d+(?:[ ,]\d{3})*(?:\.\d+)?(?:e[-−+]?\d+)?")
VERSION = re.compile(r"\d+\.\d+\.\d+|(?:TensorFlow|Keras|KerasTuner|scikit-image|Python|"
                     r"gymnasium|MinAtar|catanatron(?:-gym)?|opencv|panda-gym|PyBullet|pybullet"
                     r"|TFDS|tensorflow-datasets) \d+(?:\.\d+)*")


# a README "## " heading's first word -> the records its figures must come from
SECTION_RECORDS = {"mimic": "RESULTS_mimic*.md", "catan": "RESULTS_catan.md",
                   "stereo": "RESULTS_stereo.md", "a2c": "RESULTS_rl.md",
                   "hac": "RESULTS_hac.md", "Grids": "RESULTS_grid_distributed.md"}
# a docs/NAME.md page's NAME -> the records its figures must come from
DOC_RECORDS = {"mimic": "RESULTS_mimic*.md", "catan": "RESULTS_catan.md",
               "stereo": "RESULTS_stereo.md", "a2c": "RESULTS_rl.md", "hac": "RESULTS_hac.md",
               "grids": "RESULTS_grid_distributed.md"}
ALL_RECORDS = "RESULTS_*.md"
PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))


def _value(text: str) -> float:
    return float(text.replace("−", "-").replace(" ", "").replace(",", ""))


def _matches(figure: str, candidates: list[float]) -> bool:
    value = _value(figure)
    mantissa = figure.replace("−", "-").replace(" ", "").lstrip("+-").split("e")[0]
    if "e" in figure:  # significant digits
        digits = len(mantissa.replace(".", "").lstrip("0"))

        def rounded(x):
            if x == 0:
                return 0.0
            return round(x, digits - 1 - math.floor(math.log10(abs(x))))
    else:
        places = len(mantissa.split(".")[1]) if "." in mantissa else 0

        def rounded(x):
            return round(x, places)
    return any(math.isclose(rounded(c), value, rel_tol=1e-9, abs_tol=1e-12)
               for c in candidates)


def figures(text: str, page_records: str | None = None) -> list[tuple[int, str, str]]:
    """(line number, record pattern, figure) for every figure of a page. Without
    `page_records` (README.md) each "## " section picks its records; with it (a docs page)
    the whole page uses them."""
    found, records = [], page_records or ALL_RECORDS
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("## ") and page_records is None:
            records = SECTION_RECORDS.get(line.split()[1].rstrip(":"), ALL_RECORDS)
        text = re.sub(r"`[^`]*`", " ", line)
        if not (line.lstrip().startswith("|") or "±" in text or "×" in text):
            continue
        text = VERSION.sub(" ", text)
        found += [(number, records, m.group().strip()) for m in NUMBER.finditer(text)]
    return found


def page_records(page: Path) -> str | None:
    """None for README.md (records chosen per section), else the docs page's records."""
    if page.name == "README.md":
        return None
    return DOC_RECORDS.get(page.stem, ALL_RECORDS)


def record_numbers(pattern: str = ALL_RECORDS) -> list[float]:
    values = []
    for path in sorted((ROOT / "bench").glob(pattern)):
        for match in ANY_NUMBER.finditer(path.read_text()):
            try:
                values.append(_value(match.group()))
            except ValueError:
                continue
    return values


def test_the_rule_finds_figures_and_skips_code_and_versions():
    text = ("| v3 | 0.193 | 2.3e-4 | `lr 2e-3` | 60 runs |\n"
            "TensorFlow 2.21 gives 155 ± 45 (sd, n = 5) and 1.43× here\n"
            "a plain sentence with 7.1 min is not a figure line")
    assert [f for _, _, f in figures(text)] == ["0.193", "2.3e-4", "1.43"]
    assert figures("## hac: x\n| 0.9 |")[0][1] == "RESULTS_hac.md"
    assert figures("| 0.9 |\n## Install\n| 0.8 |")[1][1] == ALL_RECORDS
    # a docs page keeps its own records under any heading
    assert figures("## hac: x\n| 0.9 |", "RESULTS_rl.md")[0][1] == "RESULTS_rl.md"
    assert page_records(ROOT / "docs" / "a2c.md") == "RESULTS_rl.md"
    assert page_records(ROOT / "docs" / "grids.md") == "RESULTS_grid_distributed.md"
    assert page_records(ROOT / "docs" / "new_family.md") == ALL_RECORDS
    assert _matches("2.3e-4", [2.28e-4]) and not _matches("2.3e-4", [2.2e-4])
    assert _matches("0.19", [0.189]) and not _matches("0.189", [0.19])


def test_the_pages_checked_are_readme_and_every_docs_page():
    names = [p.relative_to(ROOT).as_posix() for p in PAGES]
    assert names[0] == "README.md" and "docs/mimic.md" in names and len(names) > 2


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_figure_is_in_a_record(page):
    numbers = {}
    missing = []
    name = page.relative_to(ROOT).as_posix()
    for line, pattern, figure in figures(page.read_text(), page_records(page)):
        if pattern not in numbers:
            numbers[pattern] = record_numbers(pattern)
            assert numbers[pattern], f"no record bench/{pattern}"
        if not _matches(figure, numbers[pattern]):
            missing.append(f"{name} line {line}: {figure} (looked in bench/{pattern})")
    assert not missing, f"{name} figures with no record:\n" + "\n".join(missing)
