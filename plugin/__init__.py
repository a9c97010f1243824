"""crosswire: finds broken wiring between cloud messaging resources before they are deployed."""

__version__ = "0.1.0"
