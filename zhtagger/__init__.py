"""zhtagger: Chinese sequence tagging with one shared BiLSTM core."""

__version__ = "0.1.0"
