"""GradBench's tool side of the JSON-lines protocol, independent of what is evaluated.

A message is one JSON object per line; every response carries the message's `id`:

    {"id": 0, "kind": "start", "eval": "lse"}        -> {"id": 0, "tool": "adcore"}
    {"id": 1, "kind": "define", "module": "lse"}     -> {"id": 1, "success": true}
    {"id": 2, "kind": "evaluate", "module": "lse", "function": "gradient",
     "input": {..., "min_runs": 1, "min_seconds": 1}}
        -> {"id": 2, "success": true, "output": [...],
            "timings": [{"name": "evaluate", "nanoseconds": ...}, ...]}
    {"id": 3, "kind": "analysis", "of": 2, "valid": true}  -> {"id": 3}

A function is timed `min_runs` times and until `min_seconds` have passed; converting the
JSON input to arrays (`prepare`) and the result back to JSON (`to_json`) is not timed,
as in GradBench's own Python tools.
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

TOOL_NAME = "adcore"


@dataclass(frozen=True)
class Function:
    """One GradBench function: `run(prepare(input))` is what is timed."""

    run: Callable[[Any], Any]
    prepare: Callable[[Any], Any]
    to_json: Callable[[Any], Any]
    mode: str = ""  # how the derivative is taken, for the report (e.g. "reverse")


def time_runs(function: Function, raw_input: Any) -> dict:
    """Run `function` on a JSON input the number of times the eval asks for."""
    runs = raw_input if isinstance(raw_input, dict) else {}  # hello's input is a bare number
    min_runs = int(runs.get("min_runs", 1))
    min_seconds = float(runs.get("min_seconds", 0))
    prepared = function.prepare(raw_input)
    timings = []
    elapsed_ns = 0
    while len(timings) < min_runs or elapsed_ns < min_seconds * 1e9:
        start = time.perf_counter_ns()
        result = function.run(prepared)
        duration = time.perf_counter_ns() - start
        timings.append({"name": "evaluate", "nanoseconds": duration})
        elapsed_ns += duration
    return {"success": True, "output": function.to_json(result), "timings": timings}


def _failure(exc: BaseException) -> dict:
    return {"success": False, "error": "".join(traceback.format_exception(exc))}


class Tool:
    """Answers GradBench messages; `modules` maps a module name to its functions' loader."""

    def __init__(self, load_module: Callable[[str], dict[str, Function]]):
        self.load_module = load_module
        self.modules: dict[str, dict[str, Function]] = {}

    def respond(self, message: dict) -> dict:
        if "id" not in message or "kind" not in message:
            raise ValueError(f"a GradBench message needs 'id' and 'kind', got {message!r}")
        response: dict = {"id": message["id"]}
        kind = message["kind"]
        if kind == "start":
            response["tool"] = TOOL_NAME
        elif kind == "define":
            response |= self.define(message["module"])
        elif kind == "evaluate":
            response |= self.evaluate(message["module"], message["function"], message["input"])
        elif kind not in ("analysis", "end"):
            raise ValueError(f"unknown GradBench message kind {kind!r}")
        return response

    def define(self, module: str) -> dict:
        try:
            self.modules[module] = self.load_module(module)
        except Exception as exc:  # the eval reports a failed define; the tool keeps going
            return _failure(exc)
        return {"success": True}

    def evaluate(self, module: str, function: str, raw_input: dict) -> dict:
        try:
            functions = self.modules.get(module) or self.load_module(module)
            if function not in functions:
                raise KeyError(
                    f"module {module!r} has no function {function!r} "
                    f"(it has {', '.join(sorted(functions))})"
                )
            return time_runs(functions[function], raw_input)
        except Exception as exc:
            return _failure(exc)

    def serve(self, lines, write: Callable[[str], None]) -> None:
        """Answer each JSON line of `lines`, writing one JSON line per message."""
        for line in lines:
            if not line.strip():
                continue
            message = json.loads(line)
            if message.get("kind") == "end":
                return
            write(json.dumps(self.respond(message)) + "\n")
