"""Numerics the built-in engines share: pure array kernels (:mod:`.kernels`) and gate
fusion (:mod:`.fusion`). Blind to circuits, backends and Qobj; the gate table they work
with is :mod:`qfoundry.gates`, in the core, because the front end and transpiler read it too."""
