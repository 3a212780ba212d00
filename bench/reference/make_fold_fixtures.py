"""GroupKFold reference folds from scikit-learn for test/trust/folds.test.ts.

Run: python bench/reference/make_fold_fixtures.py  (needs numpy and scikit-learn; made with 1.9.1)
Writes test/fixtures/folds/sklearn-group-kfold.json: random group layouts (sizes with ties, sparse
and unsorted ids) and the test indices GroupKFold(n_splits=k) yields for each fold.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.model_selection import GroupKFold

rng = np.random.default_rng(2024)
cases = []
while len(cases) < 24:
    n_groups = int(rng.integers(2, 14))
    n = int(rng.integers(n_groups, 70))
    k = int(rng.integers(2, min(n_groups, 6) + 1))
    ids = rng.permutation(100)[:n_groups]
    groups = ids[rng.integers(0, n_groups, size=n)]
    if len(np.unique(groups)) < k:
        continue
    folds = [test.tolist() for _, test in GroupKFold(n_splits=k).split(np.zeros(n), None, groups)]
    cases.append({"groups": groups.tolist(), "folds": k, "test": folds})

out = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "folds", "sklearn-group-kfold.json")
with open(out, "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {out}")
