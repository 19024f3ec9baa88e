"""Cloze: fill a blank from both sides of its context."""
