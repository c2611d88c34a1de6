"""Generated card transactions from one kind of population: labelled histories with overlapping fraud
patterns (`history.py`, for `fraudctl generate` and training; pandas), and the same kind of
cardholders' endless live stream for the console's traffic (`live_stream.py`, served by scoring; numpy
only). Import the module you need: this package imports neither, so scoring's path stays free of the
offline libraries."""
