"""Mapping circuits onto devices: basis translation, layout, routing, optimisation."""
