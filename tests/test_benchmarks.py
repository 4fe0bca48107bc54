"""The benchmarks run end to end at tiny sizes and write well-formed results.

No timing assertions: only that every suite runs, its JSON parses and has the
keys the report and the plots read.
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(ROOT))

import benchmarks  # noqa: E402


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    res = benchmarks.run(quick=True, tiny=True, out_dir=out, peers=(), progress=False)
    return res, out


def test_every_suite_ran(results):
    res, _ = results
    assert set(res["suites"]) == set(benchmarks.SUITES)
    for name, suite in res["suites"].items():
        assert suite["status"] in ("ok", "skipped"), (name, suite.get("error"))


def test_json_is_well_formed(results):
    res, out = results
    path = out / f"{res['timestamp']}.json"
    assert path.exists()
    data = json.loads(path.read_text())
    for key in ("schema", "timestamp", "level", "machine", "peers", "skipped", "suites"):
        assert key in data
    machine = data["machine"]
    for key in ("cpu", "cores", "python", "numpy", "blas", "peers", "env"):
        assert key in machine
    assert "kernel" in machine["blas"] and "source" in machine["blas"]
    assert data["level"] == "tiny"


def test_suite_keys(results):
    res, _ = results
    s = res["suites"]
    assert {"params", "entries", "summary"} <= set(s["overhead"])
    assert "numpy" in s["overhead"]["entries"]
    assert {"mlp_grad", "jac_256", "jac_4_1024", "jac_1024_4", "hessian_100"} <= set(
        s["engine"]["cases"]
    )
    assert {"mlp", "elementwise", "matmul_chain"} <= set(s["cheap_gradient"]["cases"])
    assert tuple(s["cheap_gradient"]["summary"]["omega"]) == (3.0, 4.0)
    assert {"params", "cells", "summary"} <= set(s["jacobian_sweep"])
    assert {"mlp_hvp", "small_mlp_hvp", "small_mlp_hessian", "rosenbrock_hvp"} <= set(
        s["second_order"]["cases"]
    )
    assert "entries" in s["penalty"] and "hand-written" in s["penalty"]["entries"]
    assert "numpy f" in s["memory"]["series"]


def test_timed_entries_have_times(results):
    res, _ = results
    for case in res["suites"]["engine"]["cases"].values():
        base = case["entries"][case["baseline"]]
        assert base["status"] == "ok"
        assert base["time_s"] > 0 and math.isfinite(base["time_s"])
        for entry in case["entries"].values():
            assert entry["status"] in ("ok", "error", "mismatch")
            if entry["status"] == "ok":
                assert entry["time_s"] > 0


def test_reports_written(results):
    res, out = results
    report = (out / f"{res['timestamp']}.md").read_text()
    assert report.startswith("# adcore benchmarks")
    assert "## Headline" in report
    # a tiny run's verdicts are indicative, never "missed"
    assert "indicative" in report and "missed" not in report
    assert not (out / "latest.md").exists(), "only publish may write the committed report"


def test_publish_writes_latest(results, tmp_path):
    res, out = results
    benchmarks.render(out / f"{res['timestamp']}.json", tmp_path, plots=False, publish=tmp_path)
    assert (tmp_path / "latest.md").read_text().startswith("# adcore benchmarks")


def test_each_run_gets_its_own_folder(tmp_path, monkeypatch):
    committed = benchmarks.RESULTS / "latest.md"
    before = committed.stat().st_mtime if committed.exists() else None
    monkeypatch.setattr(benchmarks, "RUNS", tmp_path / "runs")
    res = benchmarks.run(["overhead"], tiny=True, peers=(), plots=False, progress=False)
    assert Path(res["files"]["json"]) == tmp_path / "runs" / res["timestamp"] / (
        res["timestamp"] + ".json"
    )
    assert "latest" not in res["files"]
    assert (committed.stat().st_mtime if committed.exists() else None) == before


def test_publish_refuses_a_quick_run(capsys):
    from benchmarks.__main__ import main

    with pytest.raises(SystemExit):
        main(["--quick", "--publish"])
    assert "--publish is for the full run" in capsys.readouterr().err


def test_command_line_pins_blas(tmp_path):
    """`python -m benchmarks` pins BLAS to one thread and drops the OpenBLAS overrides."""
    env = dict(os.environ, OPENBLAS_CORETYPE="Haswell", OPENBLAS_L2_SIZE="512")
    env.update(OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    cmd = [sys.executable, "-m", "benchmarks", "--tiny", "--suite", "overhead"]
    cmd += ["--peers", "none", "--no-plots", "--out", str(tmp_path)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (path,) = tmp_path.glob("*.json")
    machine = json.loads(path.read_text())["machine"]
    assert machine["env"]["OPENBLAS_NUM_THREADS"] == "1"
    assert machine["env"]["OMP_NUM_THREADS"] == "1"
    assert machine["env"]["OPENBLAS_CORETYPE"] is None
    assert machine["env"]["OPENBLAS_L2_SIZE"] is None
