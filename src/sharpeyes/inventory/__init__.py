"""The one inventory: what `ansible-inventory` makes of NetBox (or of a snapshot), normalised.

`source` runs `ansible-inventory --list --export` on the given sources (inventory/netbox.yml,
the lab layer, a snapshot file) after checking NetBox itself; `model` normalises the JSON
(sorted, volatile keys dropped), resolves host variables as Ansible does, filters (site, role,
name) and diffs; `snapshot` writes and verifies offline YAML inventories; `pyinfra` turns the
same inventory into pyinfra's. Nothing here queries NetBox for hosts itself: Ansible's
nb_inventory is the only query logic (docs/inventory.md).
"""
