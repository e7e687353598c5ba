"""Loading and validating machine configurations; well-known settings such as ports."""
