"""Times numpy's a @ a.T for the benchmark's cosine-kernel rows: unit vectors of width 768, float64
(what tokensweep's kernel computes in) and float32.

Prints one JSON object: numpy's version, its BLAS, and per dtype and N the median milliseconds of
5 runs (after one warm-up), measured inside Python so process start-up is not counted.
"""
import json
import sys
import time

import numpy as np


def blas_name():
    try:
        config = np.show_config(mode="dicts")
        blas = config.get("Build Dependencies", {}).get("blas", {})
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older numpy: no dict mode
        return "unknown"


def main():
    sizes = [int(n) for n in sys.argv[1].split(",")]
    dim = int(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    rng = np.random.default_rng(1234)
    out = {"numpy": np.__version__, "blas": blas_name(), "ms": {"float64": {}, "float32": {}}}
    for dtype in ("float64", "float32"):
        for n in sizes:
            a = rng.standard_normal((n, dim)).astype(dtype)
            a /= np.linalg.norm(a, axis=1, keepdims=True)
            a @ a.T
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                a @ a.T
                times.append((time.perf_counter() - start) * 1000)
            out["ms"][dtype][str(n)] = sorted(times)[len(times) // 2]
    print(json.dumps(out))


main()
