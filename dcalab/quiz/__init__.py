"""The exam trainer's quiz: the question bank (bank), scoring (engine), the terminal UI and `dcalab quiz`. The DCA
domains and an answer's outcomes, which labs and the history share with it, are in dcalab.dca."""
