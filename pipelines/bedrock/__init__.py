"""Bedrock model customization from the control plane: catalog, validation, job client."""
