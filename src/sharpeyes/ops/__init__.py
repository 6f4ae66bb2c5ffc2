"""pyinfra deploys: bootstrap of bare hosts and day-2 operations (docs/runbooks/bootstrap.md)."""
