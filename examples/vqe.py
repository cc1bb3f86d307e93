"""VQE on the noisy fake Manila device (docs/algorithms.md, "A complete VQE")."""

import numpy as np
from scipy.optimize import minimize

import qfoundry as qf

H = qf.Observable.from_list([("XX", 1.0), ("YY", 1.0), ("ZZ", 1.0), ("ZI", 0.5)])
t = qf.ParameterVector("t", 4)
ansatz = qf.Circuit(2).ry(t[0], 0).ry(t[1], 1).cx(0, 1).ry(t[2], 0).ry(t[3], 1)

estimator = qf.Estimator(qf.get_backend("fake_manila"))

def energy(x):
    return float(estimator.run([(ansatz, H, x)]).result()[0].data.evs)

best = minimize(energy, np.full(4, 0.1), method="COBYLA", options={"maxiter": 150})
exact = np.linalg.eigvalsh(H.to_matrix()).min()
print(f"VQE on fake_manila: {best.fun:.4f}, exact ground state: {exact:.4f}")
assert best.fun < exact + 0.25        # noise costs a little energy, not much
