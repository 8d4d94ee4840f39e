"""`dcalab exam`: a timed practice exam mixing a lab's hands-on tasks and questions, scored per DCA domain."""
