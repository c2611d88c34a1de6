"""Who may do what: credentials (API keys, OIDC tokens), the roles each call allows, the audit trail."""
