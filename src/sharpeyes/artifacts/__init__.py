"""The offline artifact repository: vendor .deb files checked against a manifest (SHA-256,
pinned versions) and published as a signed apt repository (`sharpeyes artifacts publish`).

- `manifest`: the manifest model and the check of a delivery directory against it;
- `debfile`: digests and control fields of a .deb;
- `signing`: the lab's archive signing key (under the git-ignored state directory);
- `repo`: building, signing and atomically replacing the repository;
- `listing`: what a run needs (`sharpeyes artifacts list`).
"""
