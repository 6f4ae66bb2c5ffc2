#!/bin/sh
# Molecule's dependency step for every scenario (.config/molecule/config.yml): check that what the
# scenarios need is already on this machine. Nothing is downloaded: collections come with the
# ansible package in .venv, the platform images from `sharpeyes lab images` (never pulled).
set -eu

missing=""
for image in sharpeyes/systemd:debian12 sharpeyes/systemd:debian13 sharpeyes/systemd:ubuntu2404; do
    docker image inspect "$image" >/dev/null 2>&1 || missing="$missing $image"
done
if [ -n "$missing" ]; then
    echo "missing lab images:$missing; build them with: sharpeyes lab images" >&2
    exit 1
fi
echo "lab images present; collections come with the ansible package"
