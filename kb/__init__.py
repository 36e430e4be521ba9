"""kb: an offline, cited-answer knowledge base over statutes and policy texts."""

__version__ = "0.1.0"
