#!/bin/sh
# EDITOR for `kubectl edit`: changes the ConfigMap value `color: blue` to `color: green` in the
# file kubectl hands over (its last argument). Fails when there is nothing to change, so that a
# wrong document shows up as an edit error rather than as "no changes made".
set -eu
for file; do :; done
grep -q '^  color: blue$' "$file"
sed -i 's/^  color: blue$/  color: green/' "$file"
