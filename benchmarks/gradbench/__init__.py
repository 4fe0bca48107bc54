"""adcore as a GradBench tool, and a small offline driver for GradBench's evals.

    python -m benchmarks.gradbench            # the tool: JSON lines on stdin/stdout
    python -m benchmarks --suite gradbench    # the driver: every eval against adcore (+ peers)

GradBench (github.com/gradbench/gradbench, MIT) pipes an *eval* process to a *tool*
process.  The eval sends `start`, `define` (a module name) and `evaluate` (a function name
and its JSON input, with `min_runs`/`min_seconds`) messages; the tool answers each with the
message's `id`, outputs and per-run timings; the eval checks outputs against its C++
reference tool and reports an `analysis`.  Every function here is written with
`adcore.numpy` and differentiated by adcore's transforms: no derivative is written by hand.
"""
