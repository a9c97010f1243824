"""Adapters that plug crosswire into other tools; the core never imports them."""
