"""A stateful simulator of the Huawei VRP 5 and H3C Comware 7 command lines
(docs/switch-simulator.md).

`engine.Session` is the CLI of one switch (views, prompts, grammar, running vs saved
configuration), pure and synchronous; `server` serves many switches over SSH (asyncssh) with a
control socket for fault injection and simulated reboots; `control` is that socket's client.
"""
