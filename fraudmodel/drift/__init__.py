"""Population stability of the score and the features: the reference distributions recorded at
training, the sliding window of what is scored now, and the index that compares the two."""
