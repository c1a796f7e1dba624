#!/bin/sh
# Run a command (the suite) without the host's /etc/taelleuge.
#
# An installed host (or a tester) has /etc/taelleuge/config.toml; the CLI reads it whatever a test
# says, and as root it could even point the tests at the host's own database. Root gets a private
# mount namespace with an empty tmpfs over the folder, so nothing the suite runs can see or touch
# it. Anyone else runs the command as it is: tests/conftest.py then stops the suite, saying why.
set -e
if [ -e /etc/taelleuge ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then
    exec unshare --mount --propagation private sh -c \
        'mount -t tmpfs -o mode=0755,size=1m taelleuge-hidden /etc/taelleuge || true; exec "$@"' sh "$@"
fi
exec "$@"
