"""A Bell pair on the ideal simulator and on the noisy fake Paris device.

    python examples/bell.py
"""

import qfoundry

bell = qfoundry.Circuit(2, 2, name="bell")
bell.h(0)
bell.cx(0, 1)
bell.measure([0, 1], [0, 1])

ideal = qfoundry.get_backend("qasm_simulator")
print("qasm_simulator:", ideal.run(bell, shots=1000, seed_simulator=7).result().get_counts())

paris = qfoundry.get_backend("fake_paris")
print("fake_paris:    ", paris.run(bell, shots=1000, seed_simulator=7).result().get_counts())
