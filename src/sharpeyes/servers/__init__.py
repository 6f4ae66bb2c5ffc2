"""The video servers as the server roles need them from NetBox (network, firewall, hosts)."""
