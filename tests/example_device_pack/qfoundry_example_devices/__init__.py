"""An example qfoundry device pack: registers the TOML files shipped in this package."""

from importlib.resources import files

from qfoundry.hookspecs import hookimpl


@hookimpl
def register_devices(register):
    for entry in files(__package__).iterdir():
        if entry.name.endswith(".toml"):
            register(entry)
