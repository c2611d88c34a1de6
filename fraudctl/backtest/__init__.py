"""`fraudctl backtest`: replaying labelled history through the features, the model and a rule set."""
