"""Whistle (吹哨报到): the application around the pure domain — settings, logging, command line, stack."""
