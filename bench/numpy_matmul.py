"""Times numpy's products for the benchmark's cosine-kernel rows: unit vectors of width 768, float32
(what tokensweep's kernel computes in) and float64, as a @ a.T (numpy hands that to BLAS as one
symmetric product, SYRK) and a @ b.T with b a copy of a (a general product, GEMM).

Prints one JSON object: numpy's version, its BLAS, and per dtype, product and N the median
milliseconds of 7 runs (after 3 warm-up runs, as for tokensweep's kernel), measured inside Python so
process start-up is not counted.
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
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    rng = np.random.default_rng(1234)
    products = {"aat": lambda a, b: a @ a.T, "abt": lambda a, b: a @ b.T}
    out = {"numpy": np.__version__, "blas": blas_name(), "ms": {}}
    for dtype in ("float32", "float64"):
        for name, product in products.items():
            out["ms"].setdefault(dtype, {})[name] = {}
            for n in sizes:
                a = rng.standard_normal((n, dim)).astype(dtype)
                a /= np.linalg.norm(a, axis=1, keepdims=True)
                b = a.copy()
                for _ in range(3):
                    product(a, b)
                times = []
                for _ in range(runs):
                    start = time.perf_counter()
                    product(a, b)
                    times.append((time.perf_counter() - start) * 1000)
                out["ms"][dtype][name][str(n)] = sorted(times)[len(times) // 2]
    print(json.dumps(out))


main()
