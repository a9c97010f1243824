"""Adapters that run crosswire's checks inside other tools (cfn-lint, Checkov).

They import the core and are imported by nothing in it: the flow stays one-way.
"""
