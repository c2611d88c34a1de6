"""The chaos suite (`make chaos`, docs/reliability.md): steady load against a whole platform while one
fault at a time strikes it, and what each fault cost: lost, stored twice, delivered twice, recovery."""
