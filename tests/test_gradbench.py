"""adcore's GradBench tool: the protocol, a few evals against closed forms, and, when a
GradBench checkout (../shared/gradbench), g++ and the eval harness's pydantic and
dataclasses-json are present, hello, lse, saddle and particle validated end to end by
GradBench's own eval processes.  Bigger inputs and the other evals are `slow`."""

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks.gradbench import driver, snapshot  # noqa: E402
from benchmarks.gradbench.evals import EVALS, load_module  # noqa: E402
from benchmarks.gradbench.protocol import Function, Tool, time_runs  # noqa: E402
from benchmarks.gradbench.runner import python_env, run_pair  # noqa: E402

# ---------------------------------------------------------------- the protocol


def _answers(lines):
    out = io.StringIO()
    Tool(load_module).serve([json.dumps(m) + "\n" for m in lines], out.write)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_start_define_evaluate_answer_with_their_ids():
    answers = _answers([
        {"id": 0, "kind": "start", "eval": "hello"},
        {"id": 1, "kind": "define", "module": "hello"},
        {"id": 2, "kind": "evaluate", "module": "hello", "function": "double", "input": 3.0},
        {"id": 3, "kind": "analysis", "of": 2, "valid": True},
    ])  # fmt: skip
    assert [a["id"] for a in answers] == [0, 1, 2, 3]
    assert answers[0]["tool"] == "adcore"
    assert answers[1] == {"id": 1, "success": True}
    assert answers[2]["success"] and answers[2]["output"] == 6.0
    assert [t["name"] for t in answers[2]["timings"]] == ["evaluate"]


def test_unknown_module_and_function_fail_with_a_message():
    answers = _answers([
        {"id": 0, "kind": "define", "module": "nope"},
        {"id": 1, "kind": "evaluate", "module": "lse", "function": "hessian",
         "input": {"x": [1.0]}},
    ])  # fmt: skip
    assert not answers[0]["success"] and "nope" in answers[0]["error"]
    assert not answers[1]["success"] and "hessian" in answers[1]["error"]


def test_bad_messages_raise():
    with pytest.raises(ValueError, match="kind"):
        Tool(load_module).respond({"id": 0, "kind": "explode"})
    with pytest.raises(ValueError, match="'id' and 'kind'"):
        Tool(load_module).respond({"kind": "start"})


def test_min_runs_and_min_seconds_are_honoured():
    calls = []
    f = Function(run=calls.append, prepare=lambda raw: raw["x"], to_json=lambda _: None)
    result = time_runs(f, {"x": 1, "min_runs": 4, "min_seconds": 0})
    assert len(calls) == 4 and len(result["timings"]) == 4
    calls.clear()
    result = time_runs(f, {"x": 1, "min_runs": 1, "min_seconds": 0.02})
    assert sum(t["nanoseconds"] for t in result["timings"]) >= 0.02e9


def test_every_eval_module_defines_its_functions():
    expected = {
        "hello": {"square", "double"},
        "lse": {"primal", "gradient"},
        "saddle": {"ff", "fr", "rf", "rr"},
        "particle": {"ff", "fr", "rf", "rr"},
        "llsq": {"primal", "gradient"},
        "det": {"primal", "gradient"},
        "ode": {"primal", "gradient"},
        "kmeans": {"cost", "dir"},
        "gmm": {"objective", "jacobian"},
        "lstm": {"objective", "jacobian"},
        "ba": {"objective", "jacobian"},
        "ht": {"objective", "jacobian"},
    }
    assert set(EVALS) == set(expected)
    for name, functions in expected.items():
        assert set(load_module(name)) == functions, name


def test_the_tool_runs_as_a_process():
    lines = [
        {"id": 0, "kind": "start", "eval": "lse"},
        {"id": 1, "kind": "define", "module": "lse"},
        {"id": 2, "kind": "evaluate", "module": "lse", "function": "gradient",
         "input": {"x": [0.0, np.log(3.0)], "min_runs": 1, "min_seconds": 0}},
    ]  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.gradbench"],
        input="".join(json.dumps(m) + "\n" for m in lines),
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert answers[2]["success"], answers[2]
    np.testing.assert_allclose(answers[2]["output"], [0.25, 0.75])


# ------------------------------------------------- evals against closed forms


def _run(module, function, raw):
    f = load_module(module)[function]
    return f.to_json(f.run(f.prepare(raw)))


def test_det_gradient_is_the_cofactor_matrix():
    a = np.random.default_rng(0).random((6, 6))
    raw = {"A": a.ravel().tolist(), "ell": 6}
    assert np.isclose(_run("det", "primal", raw), np.linalg.det(a))
    cofactors = np.linalg.det(a) * np.linalg.inv(a).T
    np.testing.assert_allclose(_run("det", "gradient", raw), cofactors.ravel(), rtol=1e-9)


def test_kmeans_direction_is_centroid_minus_cluster_mean():
    rng = np.random.default_rng(1)
    points = rng.random((60, 3))
    centroids = points[-4:]
    raw = {"points": points.tolist(), "centroids": centroids.tolist()}
    nearest = np.argmin(((points[:, None] - centroids[None]) ** 2).sum(-1), axis=1)
    means = np.array([points[nearest == j].mean(0) for j in range(4)])
    np.testing.assert_allclose(_run("kmeans", "dir", raw), centroids - means, atol=1e-12)


def test_ode_gradient_matches_the_closed_form_of_the_reference():
    x = np.random.default_rng(2).random(4) + 0.5
    # y_i is a polynomial of degree i + 1 in t, so RK4 is exact for n <= 4:
    # y_last(2) = prod(x) 2^n / n!
    raw = {"x": x.tolist(), "s": 10}
    n = len(x)
    y_last = np.prod(x) * 2.0**n / np.prod(np.arange(1, n + 1))
    np.testing.assert_allclose(_run("ode", "gradient", raw), y_last / x, rtol=1e-9)


def test_ba_blocks_match_finite_differences_and_the_csr_layout():
    from benchmarks.gradbench.evals.ba import BLOCK, Problem

    raw = {"n": 3, "m": 4, "p": 5, "w": 0.8, "feat": [1.0, 2.0], "x": [0.3, -0.2, 5.0],
           "cam": [0.1, -0.2, 0.3, 0.5, 0.1, -1.0, 2.0, 0.1, -0.1, 0.01, 0.001]}  # fmt: skip
    problem = Problem(raw)
    indptr, indices, data = problem.jacobian_by_blocks()
    assert len(indptr) == 3 * problem.p + 1 and len(data) == 2 * problem.p * BLOCK + problem.p
    dense = np.zeros((3 * problem.p, len(problem.flat_parameters())))
    for row in range(3 * problem.p):
        span = slice(indptr[row], indptr[row + 1])
        dense[row, indices[span]] = data[span]
    flat, eps = problem.flat_parameters(), 1e-6
    numeric = np.stack(
        [(problem.residuals(flat + eps * e) - problem.residuals(flat - eps * e)) / (2 * eps)
         for e in np.eye(len(flat))], axis=1,
    )  # fmt: skip
    np.testing.assert_allclose(dense, numeric, atol=1e-6)


def test_ba_reads_adcore_sparse_jacobian_into_the_same_layout():
    pytest.importorskip("scipy.sparse")
    import adcore
    from benchmarks.gradbench.evals.ba import Problem

    assert hasattr(adcore, "sparse_jacobian")  # with scipy, ba takes the real sparse path

    raw = {"n": 2, "m": 3, "p": 4, "w": 0.7, "feat": [0.5, -1.0], "x": [0.1, 0.2, 4.0],
           "cam": [0.2, 0.1, -0.3, 0.0, 0.2, -2.0, 1.5, 0.0, 0.1, 0.02, 0.0]}  # fmt: skip
    problem = Problem(raw)
    by_blocks = problem.jacobian_by_blocks()
    by_sparse = problem.jacobian()
    for mine, theirs in zip(by_blocks, by_sparse):
        np.testing.assert_allclose(mine, theirs, atol=1e-12)


def _record(eval_name, tool, seconds, valid=True):
    evaluation = {"function": driver.DERIVATIVES[eval_name][0], "description": "n=1",
                  "success": True, "valid": valid, "error": None, "seconds": seconds}  # fmt: skip
    return {"eval": eval_name, "tool": tool, "defined": True, "define_error": None,
            "evaluations": [evaluation], "outcome": "success", "error": None}  # fmt: skip


def test_summary_ratios_and_merge_of_runs_on_two_cpus():
    def part(cpu, records):
        return {"profile": "quick", "snapshot": "s", "cpu": cpu, "created": "t",
                "derivatives": driver.DERIVATIVES, "records": records}  # fmt: skip

    merged = driver.merge([
        part(1, [_record("gmm", "adcore", [2.0, 1.0, 3.0]), _record("gmm", "pytorch", [4.0])]),
        part(0, [_record("lse", "adcore", [1.0], valid=False), _record("lse", "pytorch", [1.0])]),
    ])  # fmt: skip
    cells = {(c["eval"], c["tool"]): c for c in merged["summary"]}
    assert [r["eval"] for r in merged["records"]][:1] == ["lse"]  # eval order, not run order
    assert cells["gmm", "adcore"]["ratio_to_pytorch"] == 0.5  # median 2 s against 4 s
    assert cells["lse", "adcore"]["status"] == "invalid"
    assert cells["lse", "adcore"]["ratio_to_pytorch"] is None  # no ratio for invalid output
    table = driver.write_markdown(merged)
    assert "| gmm | ok 1/1, 2.00 s, **0.50x** | ok 1/1, 4.00 s |" in table
    with pytest.raises(ValueError, match="profiles"):
        driver.merge([part(0, []), {**part(1, []), "profile": "tiny"}])


# ------------------------------------------------------------- end to end

SNAPSHOT = snapshot.default_snapshot()
MISSING = snapshot.missing_requirements() if SNAPSHOT else ["../shared/gradbench"]
needs_gradbench = pytest.mark.skipif(
    bool(MISSING), reason=f"GradBench end to end needs {', '.join(MISSING)}"
)


def _validated(name, args, timeout=600):
    work = snapshot.workdir(SNAPSHOT)
    errors = snapshot.build_manual(work, [name])
    if errors:
        pytest.skip(f"GradBench's manual tool did not build for {name}: {errors[name][-300:]}")
    cmd, cwd, env = driver.tool_command(SNAPSHOT, "adcore")
    record = run_pair(
        name, "adcore",
        snapshot.eval_command(SNAPSHOT, name, [*args, "--min-runs", "1", "--min-seconds", "0"]),
        str(work), python_env(snapshot.harness_path(SNAPSHOT)), cmd, cwd, env, timeout=timeout,
    )  # fmt: skip
    assert record.defined, record.define_error
    assert record.outcome == "success", record.error
    assert record.evaluations
    for e in record.evaluations:
        assert e.success, (e.function, e.description, e.error)
        assert e.valid, (e.function, e.description, e.error)
    return record


@needs_gradbench
@pytest.mark.parametrize(
    "name, args",
    [
        ("hello", []),
        ("lse", ["-n", "2500", "10000"]),
        # the nested-mode evals build GradBench's C++ tool and run all four nestings:
        # 17 s and 48 s on an idle 2-core machine, so only under -m slow
        pytest.param("saddle", [], marks=pytest.mark.slow),
        pytest.param("particle", [], marks=pytest.mark.slow),
    ],
)
def test_validated_end_to_end(name, args):
    record = _validated(name, args)
    if name in ("saddle", "particle"):
        assert {e.function for e in record.evaluations} == {"ff", "fr", "rf", "rr"}


@pytest.mark.slow
@needs_gradbench
@pytest.mark.parametrize("name", [n for n in EVALS if n not in ("hello", "saddle", "particle")])
def test_quick_profile_validates(name):
    _validated(name, driver.PROFILES["quick"].get(name, []), timeout=1800)


@needs_gradbench
def test_driver_writes_json_markdown_and_plot(tmp_path):
    results = driver.run_suite(
        SNAPSHOT, ["hello"], ["adcore"], "tiny", out_dir=tmp_path, log=lambda _: None
    )
    [cell] = results["summary"]
    assert cell["validated"] and cell["status"] == "validated"
    saved = json.loads(Path(results["files"]["json"]).read_text())
    assert saved["summary"][0]["eval"] == "hello"
    table = Path(results["files"]["markdown"]).read_text()
    assert "| hello | ok 8/8" in table
    for plot in results["files"]["plots"]:
        assert Path(plot).stat().st_size > 0
