"""Running work in threads released at the same moment, each on its own database connection:
the races the PostgreSQL-only tests prove are decided by the database."""

import threading

from django.db import connections


def run_at_once(work, count: int) -> tuple[list, list]:
    """Run ``work(i)`` for i in ``range(count)`` in threads released together; answers the
    results and the exceptions raised, for the caller to assert on."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as error:  # collected and asserted on by the caller
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
