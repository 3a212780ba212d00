"""numpy SVD reference for test/concepts/pca.test.ts.

Run: /usr/bin/python3 bench/reference/make_pca_fixture.py   (numpy; version recorded)
Writes test/fixtures/concepts/numpy-pca.json: two small image sets (N <= D: 12 images of 1x4x5, the
Gram path; N > D: 30 images of 1x2x3, the covariance path), each with the principal directions
(rows of Vt of the centred data's SVD), explained variance S^2 / (N - 1) and its ratio, as
sklearn.decomposition.PCA computes them. Data are rounded to float32 so both sides see the same values.
"""
import json
import os

import numpy as np

rng = np.random.default_rng(4)
cases = []
for name, n, shape in [('gram', 12, (1, 4, 5)), ('covariance', 30, (1, 2, 3))]:
    d = int(np.prod(shape))
    # Correlated pixels: a few latent factors plus noise, so the spectrum falls off.
    x = (rng.normal(size=(n, 3)) @ rng.normal(size=(3, d)) * 1.04 + 0.3 * rng.normal(size=(n, d))).astype(np.float32).astype(np.float64)
    xc = x - x.mean(axis=0)
    u, s, vt = np.linalg.svd(xc, full_matrices=False)
    var = s ** 2 / (n - 1)
    total = var.sum()
    k = 4
    cases.append({
        'name': name, 'shape': [n, *shape], 'data': [float(v) for v in x.ravel()],
        'components': [[float(v) for v in row] for row in vt[:k]],
        'explainedVariance': [float(v) for v in var[:k]],
        'explainedVarianceRatio': [float(v) for v in var[:k] / total],
        'totalVariance': float(total),
    })
out = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'concepts', 'numpy-pca.json')
with open(out, 'w') as f:
    json.dump({'numpy': np.__version__, 'cases': cases}, f)
print([(c['name'], [round(v, 3) for v in c['explainedVarianceRatio']]) for c in cases])
