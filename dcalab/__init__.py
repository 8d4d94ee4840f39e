"""dcalab: lab harness and exam trainer for the Docker Certified Associate exam."""

__version__ = "0.1.0"
