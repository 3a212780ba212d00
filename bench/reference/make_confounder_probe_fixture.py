"""Reference for src/trust/confounder-probe.ts: sklearn's multinomial L2 logistic regression on
standardised features. Our objective mean CE + (lam/2)||W||^2 equals sklearn's C * sum CE + 1/2 ||W||^2
with C = 1 / (lam * n). Prints the fixture's data and sklearn's probabilities (pasted into the test)."""
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

# Deterministic data (no RNG, so the TS test rebuilds it exactly): 12 rows, 3 features, 3 classes.
n, d = 12, 3
x = np.array([[np.sin(1.3 * i + j) + 0.3 * (i % 3) * (j == 0) for j in range(d)] for i in range(n)])
y = np.array([i % 3 for i in range(n)])
lam = 0.05
xs = StandardScaler().fit_transform(x)
m = LogisticRegression(C=1 / (lam * n), tol=1e-12, max_iter=10000).fit(xs, y)
np.set_printoptions(precision=10, suppress=True)
print("proba", m.predict_proba(xs).round(8).tolist())

# Second method: our objective minimised directly by scipy (BFGS to a tight gradient tolerance).
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax
a = np.hstack([np.ones((n, 1)), xs])
def objective(t):
    w = t.reshape(3, d + 1)
    z = a @ w.T
    return np.mean(logsumexp(z, axis=1) - z[np.arange(n), y]) + lam / 2 * np.sum(w[:, 1:] ** 2)
t = minimize(objective, np.zeros(3 * (d + 1)), method="BFGS", options={"gtol": 1e-12}).x
print("scipy", softmax(a @ t.reshape(3, d + 1).T, axis=1).round(8).tolist())
