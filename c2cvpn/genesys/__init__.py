"""The Genesys Cloud side of the attachment."""
