"""Project root: the dcalab pytest plugin is registered by the package's pytest11 entry point."""
