"""sharpeyes: infrastructure as code for a Sharp Eyes video-surveillance network."""

__version__ = "0.1.0"
