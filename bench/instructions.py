"""Machine instructions per request: ``python -m bench.instructions [--only TEXT] [--requests N]``.

``bench.profile_requests`` measures CPU time, which moves by tens of percent with whatever else
the machine runs. The instructions the app's process executes for a request do not: this tool
runs the same requests under valgrind's callgrind, which counts them, so a change can be
compared before and after on a busy machine to within a fraction of a percent. The database
server's work is not counted (another process); the driver's, the ORM's and the template's are.

Each selected request of ``bench.profile_requests`` is run twice under callgrind, once with 1
measured request and once with ``1 + N``; everything else (start-up, warm-up) is the same in
both, so the difference divided by N is one request's count. A run takes about half a minute of
start-up plus about a second a request (callgrind runs Python about 50 times slower).

Preconditions: valgrind is installed (Debian's ``valgrind``); the queue benchmark's data set is
loaded (``python -m bench --only queue --load-only``).
"""

import argparse
import re
import shutil
import subprocess
import sys

CASES = (
    "queue open (agent)",
    "queue open (manager)",
    "queue searched (agent)",
    "api ping",
    "api create",
    "api list",
)
COLLECTED = re.compile(r"Collected : (\d+)")


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind).", file=sys.stderr)
        return 2
    selected = [case for case in CASES if args.only is None or args.only in case]
    if not selected:
        print(f"No request matches {args.only!r}; the requests are: {', '.join(CASES)}.")
        return 2
    rows = []
    for case in selected:
        base = _instructions(case, 1)
        more = _instructions(case, 1 + args.requests)
        per_request = (more - base) / args.requests
        print(f"  {case:<24} {per_request / 1e6:8.2f} M instructions a request", flush=True)
        rows.append((case, per_request))
    print("\n| request | M instructions a request |\n|---|---:|")
    for case, count in rows:
        print(f"| {case} | {count / 1e6:.2f} |")
    return 0


def _instructions(case: str, iterations: int) -> int:
    """The instructions of a whole profile run of ``case`` with ``iterations`` measured requests."""
    command = [
        *("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"),
        *(sys.executable, "-m", "bench.profile_requests"),
        *("--only", case, "--iterations", str(iterations)),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{case}: callgrind run failed\n{done.stdout}\n{done.stderr[-2000:]}")
    return int(found.group(1))


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("--only", help="the requests whose name contains this text")
    parser.add_argument("--requests", type=int, default=10, help="measured requests per case")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
