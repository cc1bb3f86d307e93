"""The fake devices shipped with qfoundry, as TOML package data."""
