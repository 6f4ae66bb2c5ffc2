"""Switch configuration from NetBox: render, diff, push, verify (issue 11), and `sim`, a stateful
simulator of the Huawei VRP 5 and H3C Comware 7 CLIs that the lab serves over SSH."""
