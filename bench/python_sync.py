# Python's multiprocessing.Value under get_lock(), timed on this machine for
# comparison with bench/sync_bench.ts: 2 processes each run N locked
# `value += 1`. Usage: python3 bench/python_sync.py [N]
import sys
import time
from multiprocessing import Event, Process, Value


def increments(value, n, go):
    go.wait()
    for _ in range(n):
        with value.get_lock():
            value.value += 1


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    best = float("inf")
    for _ in range(3):
        value, go = Value("i", 0), Event()
        procs = [Process(target=increments, args=(value, n, go)) for _ in range(2)]
        for p in procs:
            p.start()
        time.sleep(0.2)
        start = time.perf_counter()
        go.set()
        for p in procs:
            p.join()
        best = min(best, time.perf_counter() - start)
        assert value.value == 2 * n, value.value
    print(f"python Value under get_lock(), 2 processes: {2 * n / best / 1e6:.3f} M ops/s")
