"""Independent float64 reference for tokensweep's pca and neighbors analyses, with numpy.

Reads from the directory given as the only argument: meta.json ({count, dim, rows, own}), x.f64
(count x dim number embeddings), values.f64 (the numbers), matrix.f64 (rows x dim). Writes
result.json: PCA by SVD of the centred embeddings (scores U*S, oriented by Pearson correlation
with the numbers, else by the first non-zero score), explained-variance ratios, and for each number
the 10 rows of highest float64 cosine (own ids and zero rows left out, ties to the lower id).
"""
import json
import sys

import numpy as np

NEIGHBORS = 10
COMPONENTS = 10


def pca(x, values):
    n, dim = x.shape
    k = min(COMPONENTS, n - 1, dim)
    if k <= 0:
        return {"k": 0, "scores": [], "ratios": []}
    centred = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    scores = u[:, :k] * s[:k]
    ratios = s[:k] ** 2 / np.sum(s**2)
    for j in range(k):
        c = scores[:, j]
        a = c - c.mean()
        b = values - values.mean()
        denominator = np.sqrt(np.sum(a * a) * np.sum(b * b))
        r = 0.0 if denominator == 0 else float(np.sum(a * b) / denominator)
        if abs(r) >= 1e-12:
            flip = r < 0
        else:
            nonzero = c[c != 0]
            flip = nonzero.size > 0 and nonzero[0] < 0
        if flip:
            scores[:, j] = -c
    return {"k": k, "scores": scores.T.tolist(), "ratios": ratios.tolist()}


def neighbors(x, matrix, own):
    norms = np.sqrt(np.sum(matrix * matrix, axis=1))
    valid = norms > 0
    unit_rows = matrix / np.where(valid, norms, 1.0)[:, None]
    unit_x = x / np.sqrt(np.sum(x * x, axis=1))[:, None]
    ids = np.arange(matrix.shape[0])
    result = []
    for start in range(0, x.shape[0], 64):
        cosines = unit_x[start : start + 64] @ unit_rows.T
        for offset, row in enumerate(cosines):
            row = np.where(valid, row, -np.inf)
            row[own[start + offset]] = -np.inf
            threshold = np.partition(row, -NEIGHBORS)[-NEIGHBORS]
            candidates = np.nonzero(row >= threshold)[0]
            order = np.lexsort((candidates, -row[candidates]))[:NEIGHBORS]
            chosen = candidates[order]
            result.append({"ids": ids[chosen].tolist(), "cosines": row[chosen].tolist()})
    return result


def main(directory):
    with open(f"{directory}/meta.json") as f:
        meta = json.load(f)
    count, dim, rows = meta["count"], meta["dim"], meta["rows"]
    x = np.fromfile(f"{directory}/x.f64", dtype="<f8").reshape(count, dim)
    values = np.fromfile(f"{directory}/values.f64", dtype="<f8")
    matrix = np.fromfile(f"{directory}/matrix.f64", dtype="<f8").reshape(rows, dim)
    result = {"pca": pca(x, values), "neighbors": neighbors(x, matrix, meta["own"])}
    with open(f"{directory}/result.json", "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(sys.argv[1])
