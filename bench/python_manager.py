# Python's multiprocessing.Manager().list().append, timed on this machine for
# comparison with bench/manager_bench.ts. Usage: python3 bench/python_manager.py
import time
from multiprocessing import Manager, Process


def appends(lst, n):
    start = time.perf_counter()
    for _ in range(n):
        lst.append(1)
    return (time.perf_counter() - start) / n * 1e6


def child(lst, n, out):
    out.value = appends(lst, n)


if __name__ == "__main__":
    n = 10_000
    with Manager() as manager:
        lst = manager.list()
        appends(lst, 1_000)  # warm up
        main = min(appends(lst, n) for _ in range(3))
        out = manager.Value("d", 0.0)
        p = Process(target=child, args=(lst, n, out))
        p.start()
        p.join()
        print(f"python Manager().list().append main thread: {main:.1f} us/append")
        print(f"python Manager().list().append child process: {out.value:.1f} us/append")
