"""A qfoundry plugin: a classical bit-flip engine, a backend running it, and a job log."""

import os

import qfoundry


class ClassicalEngine(qfoundry.Engine):
    """Runs x/measure circuits on basis states exactly: every shot gives the same outcome."""
    name = "classical"
    supported_instructions = frozenset({"x", "id", "measure"})

    def run_experiment(self, experiment, options, device=None):
        ones, slots = set(), {}  # the qubits now in |1>; the bit measured into each slot
        for inst in experiment.instructions:
            if inst.name == "x":
                ones ^= set(inst.qubits)
            elif inst.name == "measure":
                slots.update((m, int(q in ones)) for q, m in zip(inst.qubits, inst.memory))
        shots, outcome = options["shots"], hex(sum(bit << m for m, bit in slots.items()))
        memory = {"memory": [outcome] * shots} if options["memory"] else {}
        return qfoundry.ExperimentOutput({"counts": {outcome: shots}, **memory}, shots)


@qfoundry.hookimpl
def register_engines(register):
    register(ClassicalEngine())


@qfoundry.hookimpl
def register_backends(register):
    register(qfoundry.SimulatorBackend(ClassicalEngine(), name="example_classical_simulator",
                                       configuration={"n_qubits": 64, "conditional": False}))


@qfoundry.hookimpl
def job_finished(job, result):
    with open(os.environ.get("QFOUNDRY_EXAMPLE_LOG", os.devnull), "a", encoding="utf-8") as log:
        log.write(f"{job.job_id()} {job.status().name}\n")
