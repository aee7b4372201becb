"""chitieu: consolidating commune reports into a resolution review."""

__version__ = "0.1.0"
