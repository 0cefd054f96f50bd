"""No models: the core app holds health, metrics and the shared API pieces."""
