"""qfoundry's built-in plugins.

Each module is registered through an entry point of this distribution, the same path
external plugins take.
"""
