"""Regenerate the pictures of docs/visualization.md into docs/images/.

    python docs/make_images.py

Needs the plot extra (matplotlib). Seeds are fixed, so the pictures only change when the
code drawing them does.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import qfoundry  # noqa: E402
from qfoundry.visualization import (  # noqa: E402
    plot_density_matrix,
    plot_device,
    plot_histogram,
    plot_state,
)

OUT = Path(__file__).resolve().parent / "images"
OUT.mkdir(exist_ok=True)

ghz = qfoundry.Circuit(3, 3)
ghz.h(0)
ghz.cx(0, 1)
ghz.cx(1, 2)
ghz.measure([0, 1, 2], [0, 1, 2])

paris = qfoundry.get_backend("fake_paris")
ideal = qfoundry.get_backend("qasm_simulator").run(ghz, shots=4000, seed_simulator=7).result()
noisy = paris.run(ghz, shots=4000, seed_simulator=7).result()
fig = plot_histogram([ideal.get_counts(), noisy.get_counts()],
                     legend=["qasm_simulator", "fake_paris"], target={"000": 0.5, "111": 0.5},
                     title="GHZ, 4000 shots")
fig.savefig(OUT / "histogram.png", dpi=100)

ghz6 = qfoundry.Circuit(6, 6)
ghz6.h(0)
for q in range(5):
    ghz6.cx(q, q + 1)
ghz6.measure(range(6), range(6))
counts = qfoundry.get_backend("fake_paris", noise_scale=3.0).run(
    ghz6, shots=4000, seed_simulator=3).result().get_counts()
plot_histogram(counts, number_to_keep=10, sort="value",
               title=f"6-qubit GHZ at 3x Paris noise: {len(counts)} outcomes, 10 kept").savefig(
    OUT / "histogram_other.png", dpi=100)

plot_device(paris).savefig(OUT / "device_paris.png", dpi=100)
plot_device(paris, layout=noisy, qubit_color="t1").savefig(OUT / "device_layout.png", dpi=100)
plot_device("brooklyn").savefig(OUT / "device_brooklyn.png", dpi=100)
plot_device("fez").savefig(OUT / "device_fez.png", dpi=80)

bell = qfoundry.Circuit(2)
bell.h(0)
bell.cx(0, 1)
bell.rz(np.pi / 2, 1)
rho = qfoundry.get_backend("density_matrix_simulator").run(
    bell, save_density_matrix=True).result().get_density_matrix()
plot_density_matrix(rho, title="(|00> + i|11>)/√2").savefig(OUT / "density_city.png", dpi=100)
plot_density_matrix(rho, kind="hinton").savefig(OUT / "density_hinton.png", dpi=100)

state = qfoundry.Circuit(3)
state.h([0, 1, 2])
state.s(0)
state.t(1)
state.cz(0, 2)
psi = qfoundry.get_backend("statevector_simulator").run(state).result().get_statevector()
plot_state(psi).savefig(OUT / "state.png", dpi=100)

circuit = qfoundry.Circuit(3, 3)
circuit.h(0)
circuit.cx(0, 1)
circuit.rz(0.5, 2)
circuit.ccx(0, 1, 2)
circuit.swap(0, 2)
circuit.barrier()
circuit.measure([0, 1, 2], [0, 1, 2])
circuit.draw("mpl").savefig(OUT / "circuit.png", dpi=100)
qfoundry.transpile(ghz, paris, seed=7).draw("mpl").savefig(OUT / "circuit_transpiled.png",
                                                           dpi=100)
print("wrote", ", ".join(sorted(p.name for p in OUT.glob("*.png"))))
