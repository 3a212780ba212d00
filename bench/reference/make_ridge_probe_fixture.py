"""Reference for src/trust/ridge-probe.ts: scikit-learn's RidgeClassifier (alpha = lam * m, m train
rows) on features standardised with the training rows' mean and population sd. Its decision
function uses +-1 targets, i.e. 2 * (our one-hot score) - 1: the same argmax. Prints the decision
function and predicted classes on the test rows (pasted into test/trust/ridge-probe.test.ts)."""
import numpy as np
from sklearn.linear_model import RidgeClassifier

# Deterministic data (no RNG, so the TS test rebuilds it exactly): 14 rows, 3 features, 3 classes.
n, d = 14, 3
x = np.array([[np.sin(1.3 * i + j) + 0.4 * (i % 3) * (j == 0) + 0.1 * j * j for j in range(d)] for i in range(n)])
y = np.array([i % 3 for i in range(n)])
train = [i for i in range(n) if i % 4 != 1]
test = [i for i in range(n) if i % 4 == 1]
lam = 0.05
mu = x[train].mean(axis=0)
sd = x[train].std(axis=0)
xs = (x - mu) / sd
m = RidgeClassifier(alpha=lam * len(train)).fit(xs[train], y[train])
np.set_printoptions(precision=10, suppress=True)
print("decision", m.decision_function(xs[test]).round(10).tolist())
print("predicted", m.predict(xs[test]).tolist())
