"""python -m benchmarks.gradbench: adcore as a GradBench tool on stdin/stdout.

BLAS and OpenMP are pinned to one thread before numpy is imported (GradBench's default
is single-threaded tools); `--multithreaded` is accepted, as by every GradBench tool,
and leaves the environment alone.
"""

import os
import sys


def main() -> int:
    if "--multithreaded" not in sys.argv[1:] and "numpy" not in sys.modules:
        from benchmarks.__main__ import PIN

        os.environ.update({k: v for k, v in PIN.items() if k not in os.environ})

    from .evals import load_module
    from .protocol import Tool

    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    try:
        Tool(load_module).serve(sys.stdin, write)
    except BrokenPipeError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
