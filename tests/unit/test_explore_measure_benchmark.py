"""contexture_lab.explore.measure_benchmark: the command hands MiniLM's forward pass to core."""

import contexture_lab as cl
from contexture_lab import measure_benchmark as core
from contexture_lab.explore import measure_benchmark as runner


def test_without_run_the_command_only_prints_help(capsys, monkeypatch):
    monkeypatch.setattr(core, "run_default", lambda *a, **k: (_ for _ in ()).throw(
        AssertionError("must not run")))
    runner.main([])
    assert "--run" in capsys.readouterr().out


def test_run_passes_the_head_forward_pass_and_options(monkeypatch):
    seen = {}
    monkeypatch.setattr(runner, "head_forward", lambda: "FORWARD")
    monkeypatch.setattr(core, "run_default",
                        lambda forward, **kw: seen.update(forward=forward, **kw) or {})
    runner.main(["--run", "--quick", "--out", "x.json"])
    assert seen == {"forward": "FORWARD", "path": "x.json", "quick": True}


def test_the_explore_package_serves_the_runner():
    assert cl.explore.measure_benchmark is runner
