"""A second generator, designed apart from `cardholders/` to test the model on data it was not built
for: payment terminals with coordinates and no city name scattered over Brazil, customers who spend
near home, amounts in Brazilian reais, about 5% fraud from compromised terminals, compromised
accounts and card-not-present bursts, and labels known six to ten days after the transaction.
`history.py` assembles it; each other module has one job."""
