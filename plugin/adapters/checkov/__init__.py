"""Checkov external checks: pass this directory to `checkov --external-checks-dir`.

It runs inside Checkov's own environment and imports nothing from crosswire (see crosswire_checks.py for why).
"""
