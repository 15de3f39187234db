"""Machine instructions per request or trigger evaluation: ``python -m bench.instructions
[--only TEXT] [--requests N]``.

``bench.profile_requests`` measures CPU time, which moves by tens of percent with whatever else
the machine runs. The instructions the app's process executes for a request do not: this tool
runs the same requests under valgrind's callgrind, which counts them, so a change can be
compared before and after on a busy machine to within a fraction of a percent. The database
server's work is not counted (another process); the driver's, the ORM's and the template's are.

Each selected request of ``bench.profile_requests`` is run twice under callgrind, once with 1
measured request and once with ``1 + N``; everything else (start-up, warm-up) is the same in
both, so the difference divided by N is one request's count. A run takes about half a minute of
start-up plus about a second a request (callgrind runs Python about 50 times slower).

The ``triggers`` cases count one evaluation of a ``ticket.created`` event by the engine
(``automations.engine.run_triggers``, through ``bench.trigger_evaluations``) in the triggers
benchmark's tenant: with 0 active triggers, and with 100 on a ticket none of them matches and on
one that one of them matches (which tags it). The same subtraction applies: ``1`` and ``1 + N``
evaluations.

Preconditions: valgrind is installed (Debian's ``valgrind``); the queue benchmark's data set is
loaded (``python -m bench --only queue --load-only``) for the requests, the triggers
benchmark's tenant is made (``python -m bench --only triggers --load-only``) for the triggers
cases.
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
    "triggers 0, ticket.created",
    "triggers 100, ticket.created, none match",
    "triggers 100, ticket.created, one fires",
)
# The triggers cases: the arguments of ``bench.trigger_evaluations``.
TRIGGER_CASES = {
    "triggers 0, ticket.created": ("--triggers", "0", "--ticket", "quiet"),
    "triggers 100, ticket.created, none match": ("--triggers", "100", "--ticket", "quiet"),
    "triggers 100, ticket.created, one fires": ("--triggers", "100", "--ticket", "leak"),
}
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
        print(f"  {case:<40} {per_request / 1e6:8.2f} M instructions each", flush=True)
        rows.append((case, per_request))
    print("\n| request or evaluation | M instructions each |\n|---|---:|")
    for case, count in rows:
        print(f"| {case} | {count / 1e6:.2f} |")
    return 0


def _instructions(case: str, iterations: int) -> int:
    """The instructions of a whole profile run of ``case`` with ``iterations`` measured requests
    (or trigger evaluations)."""
    if case in TRIGGER_CASES:
        program = ("bench.trigger_evaluations", *TRIGGER_CASES[case])
    else:
        program = ("bench.profile_requests", "--only", case)
    command = [
        *("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"),
        *(sys.executable, "-m", *program),
        *("--iterations", str(iterations)),
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
