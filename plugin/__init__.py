"""crosswire: finds broken wiring between cloud messaging resources before they are deployed."""

__version__ = "0.1.0"

# where the check pages live when the installed metadata names no Documentation URL (a source checkout)
DOCS_URL = "https://github.com/crosswire-dev/crosswire/blob/main/docs"
