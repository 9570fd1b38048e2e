"""Kuzet («күзет», "watch, guard"): software of a police Operations Control Center."""

__version__ = "0.1.0"
