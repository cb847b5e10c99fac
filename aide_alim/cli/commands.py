"""Imports every command module so that each registers itself on :data:`aide_alim.cli.main`.

Add one import line per command module.
"""
