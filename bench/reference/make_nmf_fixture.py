"""scikit-learn NMF reference objectives for test/concepts/nmf.test.ts.

Run: /usr/bin/python3 bench/reference/make_nmf_fixture.py  (numpy + scikit-learn; version recorded)
Writes test/fixtures/concepts/sklearn-nmf.json: non-negative matrices (a rank-5 product plus noise,
and ReLU-like activations with exact zeros, as ICE factorises), each with sklearn NMF's Frobenius
reconstruction error ||V - WH||_F for several ranks (solver='cd', init='nndsvda', tol=1e-6,
max_iter=2000; the best of that and five random inits), which trustscope's NMF must come within a
few percent of. Data are rounded to float32 so both sides see the same values.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.decomposition import NMF

rng = np.random.default_rng(11)


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def best_error(v, k):
    errs = [NMF(n_components=k, init='nndsvda', solver='cd', tol=1e-6, max_iter=2000).fit(v).reconstruction_err_]
    for seed in range(5):
        errs.append(NMF(n_components=k, init='random', random_state=seed, solver='cd', tol=1e-6, max_iter=2000).fit(v).reconstruction_err_)
    return float(min(errs))


low_rank = f32(rng.random((40, 5)) @ rng.random((5, 30)) + 0.05 * rng.random((40, 30)))
relu = f32(np.maximum(0, rng.normal(size=(120, 16)) @ rng.normal(size=(16, 24)) * 0.5 + 0.2))
cases = []
for name, v in [('low-rank-plus-noise', low_rank), ('relu-activations', relu)]:
    cases.append({
        'name': name,
        'rows': v.shape[0],
        'cols': v.shape[1],
        'data': [float(x) for x in v.ravel()],
        'errors': {str(k): best_error(v, k) for k in (2, 5, 8)},
    })
out = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'concepts', 'sklearn-nmf.json')
with open(out, 'w') as f:
    json.dump({'sklearn': sklearn.__version__, 'cases': cases}, f)
print({c['name']: c['errors'] for c in cases})
