"""Reporters: pure functions from findings to text, one module per format."""
