"""The exam trainer's quiz: the question bank (bank), scoring (engine), the terminal UI and `dcalab quiz`."""
