"""An app with one migration that does nothing, installed only by `benchmarks.noop.settings`: what
`migrate_schemas` costs per retailer schema when a deployment brings a migration with nothing to
change."""
