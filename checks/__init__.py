"""The check catalogue: one module per check, registered explicitly in ALL_CHECKS."""
