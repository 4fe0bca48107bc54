"""Run GradBench's own jax tool with each timed call waited for.

GradBench's Python harness times `function(input)` and converts the result to JSON after
the clock stops; JAX dispatches asynchronously, so for jax the recorded time is the
dispatch, not the computation.  This launcher wraps every timed function in
`jax.block_until_ready` (their code is otherwise untouched) and then runs the tool's
`run.py` as its main program:

    python -m benchmarks.gradbench.jax_synced <gradbench>/python/gradbench/.../jax/run.py
"""

import runpy
import sys
from pathlib import Path


def _synced(decorator_factory):
    import jax

    def factory(**options):
        decorate = decorator_factory(**options)

        def decorator(function):
            def waited(value):
                return jax.block_until_ready(function(value))

            wrapped = decorate(waited)
            wrapped.function = function
            return wrapped

        return decorator

    return factory


def main() -> None:
    script = Path(sys.argv[1]).resolve()
    from gradbench import wrap

    wrap.multiple_runs = _synced(wrap.multiple_runs)
    wrap.function = _synced(wrap.function)
    sys.argv = [str(script), *sys.argv[2:]]
    sys.path.insert(0, str(script.parent))  # the tool imports its eval modules by name
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main()
