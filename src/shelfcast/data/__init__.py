"""Reading, validating, importing and generating the dataset folder."""
