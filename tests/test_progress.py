"""Progress: one plain line per unit of work off a terminal, a tqdm bar on one (not in CI)."""
import io

from tflab.progress import Progress, use_bar


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_when_not_a_terminal():
    stream = io.StringIO()
    with Progress(5, "game", "game", every=2, stream=stream) as progress:
        for seed in range(5):
            progress.step(f"seed {seed}")
    lines = stream.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["game 2/5", "game 4/5", "game 5/5"]
    assert "game/s so far" in lines[0] and "ETA" in lines[0] and "ETA" not in lines[-1]
    assert "\r" not in stream.getvalue()


def test_a_bar_on_a_terminal_but_never_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    terminal = FakeTerminal()
    assert use_bar(terminal)
    with Progress(3, "epoch", "epoch", keep=True, stream=terminal) as progress:
        for _ in range(3):
            progress.step("loss=1.0")
    text = terminal.getvalue()
    assert "\r" in text and "epoch/s" in text  # tqdm redraws with its rate
    assert text.count("epoch 2/3: loss=1.0") == 1  # kept lines are written above the bar
    monkeypatch.setenv("CI", "true")
    assert not use_bar(terminal)


def test_start_excludes_set_up_from_the_rate(monkeypatch):
    clock = iter([0.0, 100.0, 102.0])  # made at 0, work starts at 100, one item at 102
    monkeypatch.setattr("tflab.progress.time.perf_counter", lambda: next(clock))
    stream = io.StringIO()
    progress = Progress(2, "game", "game", stream=stream)
    progress.start()
    progress.step()
    assert "(2 s/game so far, ETA 2 s)" in stream.getvalue()


def test_rl_log_lines_show_steps_done_and_time_left(monkeypatch, capsys, tmp_path):
    from tfmodels.rl.logger import RunLogger

    clock = iter([0.0, 30.0])  # logger made at 0; a quarter of the steps done at 30 s
    monkeypatch.setattr("tfmodels.rl.logger.time.perf_counter", lambda: next(clock))
    logger = RunLogger(tmp_path / "run", verbose=1, total_steps=1000)
    logger.log({"step": 250, "steps_per_sec": 8.3})
    logger.finish({})
    line = capsys.readouterr().out.strip()
    assert line.startswith("step=250  steps_per_sec=8.3")
    assert "[250/1000 env steps, 25 %, ETA 1.5 min at the mean rate so far]" in line
