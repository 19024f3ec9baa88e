"""Chinese word segmentation as BMES character tagging."""
