"""Pipe one GradBench eval process to one tool process and record what happened.

This does the job of GradBench's Rust CLI (`gradbench run --eval ... --tool ...`) for
offline use: every line the eval writes goes to the tool and the tool's answer goes back,
except `analysis` messages, which the eval addresses to the tool only to report a
validation; they are recorded and answered here.  A tool that does not answer within
`timeout` seconds is killed and the rest of the eval is recorded as a timeout.
"""

from __future__ import annotations

import json
import os
import queue
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Evaluation:
    """One `evaluate` message and what came of it."""

    function: str
    description: str
    success: bool = False
    valid: bool | None = None  # None: the eval sent no analysis (no validation, or failure)
    error: str | None = None
    seconds: list[float] = field(default_factory=list)

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


@dataclass
class RunRecord:
    """Everything recorded while one eval ran against one tool."""

    eval: str
    tool: str
    defined: bool = False
    define_error: str | None = None
    evaluations: list[Evaluation] = field(default_factory=list)
    outcome: str = "success"  # success | timeout | error | interrupted
    error: str | None = None
    wall_seconds: float = 0.0


def _pump(stream, lines: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        lines.put(line)
    lines.put(None)


def _start(cmd, cwd, env, cpu=None) -> tuple[subprocess.Popen, queue.Queue]:
    pin = None if cpu is None else (lambda: os.sched_setaffinity(0, {cpu}))
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        preexec_fn=pin,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    return proc, lines


def _drain(stream, sink: list) -> None:
    for line in iter(stream.readline, ""):
        sink.append(line)
        del sink[:-200]  # keep the tail: a traceback, not a megabyte of warnings


def run_pair(
    eval_name: str,
    tool_name: str,
    eval_cmd: list[str],
    eval_cwd: str,
    eval_env: dict,
    tool_cmd: list[str],
    tool_cwd: str,
    tool_env: dict,
    timeout: float,
    cpu: int | None = None,
    log=None,
) -> RunRecord:
    """Run the eval against the tool (pinned to `cpu`); `log(text)` hears each evaluation."""
    record = RunRecord(eval=eval_name, tool=tool_name)
    started = time.perf_counter()
    evaluator, from_eval = _start(eval_cmd, eval_cwd, eval_env)
    tool, from_tool = _start(tool_cmd, tool_cwd, tool_env, cpu)
    stderr_tail: dict[str, list] = {"eval": [], "tool": []}
    for name, proc in (("eval", evaluator), ("tool", tool)):
        threading.Thread(target=_drain, args=(proc.stderr, stderr_tail[name]), daemon=True).start()
    pending: dict[int, Evaluation] = {}
    try:
        while True:
            line = from_eval.get(timeout=max(timeout, 600))
            if line is None:
                break
            message = json.loads(line)
            kind = message.get("kind")
            if kind == "analysis":
                evaluation = pending.get(message["of"])
                if evaluation is not None:
                    evaluation.valid = bool(message["valid"])
                    evaluation.error = message.get("error")
                    if log:
                        log(_describe(evaluation))
                evaluator.stdin.write(json.dumps({"id": message["id"]}) + "\n")
                evaluator.stdin.flush()
                continue
            if kind == "end":
                break
            tool.stdin.write(line if line.endswith("\n") else line + "\n")
            tool.stdin.flush()
            try:
                answer_line = from_tool.get(timeout=timeout)
            except queue.Empty:
                record.outcome = "timeout"
                record.error = f"no answer within {timeout:g} s to a {kind} message"
                if kind == "evaluate":
                    record.evaluations.append(
                        Evaluation(message["function"], message.get("description", ""))
                    )
                break
            if answer_line is None:
                record.outcome = "error"
                record.error = "tool exited: " + "".join(stderr_tail["tool"][-20:])
                break
            answer = json.loads(answer_line)
            if kind == "define":
                record.defined = bool(answer.get("success"))
                record.define_error = answer.get("error")
            elif kind == "evaluate":
                evaluation = Evaluation(
                    function=message["function"],
                    description=message.get("description", ""),
                    success=bool(answer.get("success")),
                    error=answer.get("error"),
                    seconds=[t["nanoseconds"] / 1e9 for t in answer.get("timings") or []],
                )
                record.evaluations.append(evaluation)
                pending[message["id"]] = evaluation
                if log and not evaluation.success:
                    log(_describe(evaluation))
            evaluator.stdin.write(answer_line if answer_line.endswith("\n") else answer_line + "\n")
            evaluator.stdin.flush()
    except queue.Empty:
        record.outcome = "error"
        record.error = "the eval stopped talking: " + "".join(stderr_tail["eval"][-20:])
    except (BrokenPipeError, json.JSONDecodeError) as exc:
        record.outcome = "error"
        record.error = f"{type(exc).__name__}: {exc}; eval stderr: " + "".join(
            stderr_tail["eval"][-20:]
        )
    except KeyboardInterrupt:
        record.outcome = "interrupted"
        raise
    finally:
        for proc in (tool, evaluator):
            _stop(proc)
        record.wall_seconds = time.perf_counter() - started
    if record.outcome == "success" and evaluator.returncode not in (0, None):
        record.outcome = "error"
        record.error = "eval failed: " + "".join(stderr_tail["eval"][-20:])
    return record


def _stop(proc: subprocess.Popen) -> None:
    for stream in (proc.stdin,):
        try:
            stream.close()
        except (BrokenPipeError, OSError):
            pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _describe(evaluation: Evaluation) -> str:
    verdict = {True: "valid", False: "INVALID", None: "-"}[evaluation.valid]
    if not evaluation.success:
        verdict = "FAILED: " + last_line(evaluation.error)
    median = evaluation.median_seconds
    took = f"{median * 1e3:10.3f} ms" if median is not None else " " * 13
    return f"    {evaluation.function:<10} {evaluation.description:<28} {took}  {verdict}"


def last_line(text: str | None) -> str:
    """The last non-empty line of an error (a traceback's exception), for one-line reports."""
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def python_env(extra_path: list[str], base: dict | None = None) -> dict:
    """The environment for a Python child: one BLAS/OpenMP thread, `extra_path` importable."""
    env = dict(os.environ if base is None else base)
    env.update(
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
        PYTHONUNBUFFERED="1",
    )
    env["PYTHONPATH"] = os.pathsep.join(
        [*extra_path, *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
    )
    return env
