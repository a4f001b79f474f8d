#!/bin/sh
# Prints the Debian packages that provide the shared libraries a binary loads, one per line, so the
# runtime image installs exactly what the build linked against (no hand-kept list to drift).
# Usage: runtime-packages.sh BINARY
set -eu
ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
  # Debian's merged /usr: a library found under /lib may be registered under /usr/lib, or the
  # reverse, and may be a symlink to the versioned file the package owns.
  for candidate in "$lib" "$(readlink -f "$lib")" "/usr$lib" "/usr$(readlink -f "$lib")" "${lib#/usr}"; do
    if owner=$(dpkg-query -S "$candidate" 2>/dev/null); then
      printf '%s\n' "${owner%%:*}"
      break
    fi
  done
done | sort -u
