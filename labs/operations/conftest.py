"""The operations lab: its tasks are in lab.toml; the dcalab pytest plugin runs them in file order."""
