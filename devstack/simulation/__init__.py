"""The population simulator: `make simulate`."""
