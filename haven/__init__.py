"""Haven: a school-safety platform."""

__version__ = "0.1.0"
