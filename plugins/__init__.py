"""qfoundry's built-in plugins: each module is registered through an entry point, as external plugins are."""
