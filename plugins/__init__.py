"""qfoundry's built-in plugins.

Each engine is a package (``statevector/``, ``density_matrix/``, ``trajectory/``) whose
``__init__`` exposes its hookimpls, registered through an entry point of this distribution,
the same path external plugins take; ``_sim/`` holds the numerics they share (kernels,
fusion). ``qfoundry.plugins.noise`` is kept as an alias of the public :mod:`qfoundry.noise`,
its home since the engines became packages.
"""

import sys

from qfoundry import noise

# One module under two names, so `from qfoundry.plugins.noise import NoiseModel` keeps
# working and its classes are the same objects as qfoundry.noise's (isinstance holds).
sys.modules[f"{__name__}.noise"] = noise
