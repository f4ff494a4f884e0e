# Python's multiprocessing.Pool.map of 100,000 numbers with the default
# chunksize, timed on this machine for comparison with bench/map_bench.ts.
# Usage: python3 bench/python_map.py [processes] [items]
import sys
import time
from multiprocessing import Pool


def double(x):
    return x * 2


if __name__ == "__main__":
    processes = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    items = list(range(n))
    with Pool(processes) as pool:
        pool.map(double, items)  # warm up
        times = []
        for _ in range(9):
            start = time.perf_counter()
            pool.map(double, items)
            times.append(time.perf_counter() - start)
    times.sort()
    print(f"python Pool.map default chunksize: {n / times[len(times) // 2] / 1e6:.3f} M items/s")
