"""QAOA MaxCut on the noisy fake Manila device (docs/algorithms.md, "A complete QAOA")."""

from scipy.optimize import minimize

import qfoundry as qf

edges = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (0, 2)]
g, b = qf.ParameterVector("g", 2), qf.ParameterVector("b", 2)
qaoa = qf.Circuit(5).h(range(5))
for layer in range(2):
    for i, j in edges:
        qaoa.rzz(2 * g[layer], i, j)
    qaoa.rx(2 * b[layer], range(5))
cost = qf.Observable.from_sparse_list([("ZZ", e, 0.5) for e in edges], num_qubits=5)

backend = qf.get_backend("fake_manila")
estimator = qf.Estimator(backend)

def energy(x):       # x follows qaoa.parameters: b[0], b[1], g[0], g[1]
    return float(estimator.run([(qaoa, cost, x)]).result()[0].data.evs)

best = minimize(energy, [0.6, 0.3, 0.4, 0.8], method="COBYLA", options={"maxiter": 100})

measured = qaoa.copy()
measured.measure_all()
counts = qf.Sampler(backend, seed=1).run([(measured, best.x)], shots=2000).result()[0] \
    .data.meas.get_counts()
top = max(counts, key=counts.get)
cut = sum(top[4 - i] != top[4 - j] for i, j in edges)   # bit i is character 4 - i
print(f"energy {best.fun:.3f}, most frequent {top}: cuts {cut} of {len(edges)} edges")
assert cut >= 4                                          # the maximum cut is 5
