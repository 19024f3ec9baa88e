"""Chinese word segmentation: BMES tags per character, decoded under the BMES rules."""
