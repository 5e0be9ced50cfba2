#!/usr/bin/env bash
# Makes the Debian 12 base images the Dockerfile starts FROM, without an image registry:
# debootstrap (minbase, bookworm) from the mirror this machine's apt uses, then
# `podman import` as docker.io/library/debian:12 and docker.io/library/debian:12-slim
# (the same tree without documentation, man pages and locales, and a dpkg rule that keeps
# them out of later installs, as Debian's own -slim image does).
#   scripts/container-base.sh           make whatever is missing (cached: see below)
#   scripts/container-base.sh --force   debootstrap again, replacing both images
# Cache: the images stay in podman's storage; the debootstrap tarball stays in
# $TERN_CONTAINER_CACHE (default /var/cache/tern-container) and is imported again when the
# images were removed. Needs root, podman and debootstrap (scripts/install-deps.sh --test).
set -euo pipefail

cache=${TERN_CONTAINER_CACHE:-/var/cache/tern-container}
suite=bookworm
full=docker.io/library/debian:12
slim=docker.io/library/debian:12-slim
tarball=$cache/debian-12-minbase.tar

say() { echo "container-base: $*" >&2; }

# The first repository apt has for SUITE (e.g. bookworm, bookworm-security), from
# sources.list and sources.list.d in either format.
repo_for() {
	# shellcheck disable=SC2016 # apt's own $(FIELD) syntax, not the shell's
	apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
		awk -v s="$1" '$2 == s { print $1; exit }'
}

make_tarball() {
	local mirror security root
	mirror=$(repo_for "$suite")
	mirror=${mirror:-http://deb.debian.org/debian/}
	security=$(repo_for "$suite-security")
	root=$(mktemp -d "$cache/rootfs.XXXXXX")
	say "debootstrap $suite (minbase) from $mirror (a few minutes)..."
	if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$cache/debootstrap.log" 2>&1; then
		say "debootstrap failed; see $cache/debootstrap.log"
		rm -rf "$root"
		return 1
	fi
	{
		echo "deb $mirror $suite main"
		echo "deb $mirror $suite-updates main"
		[ -z "$security" ] || echo "deb $security $suite-security main"
	} >"$root/etc/apt/sources.list"
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
	tar --numeric-owner -C "$root" -cf "$tarball.tmp" .
	mv "$tarball.tmp" "$tarball"
	rm -rf "$root"
}

# The -slim tree: the full one less docs, man pages and locales, with dpkg told to keep
# them out (the path-exclude rules of Debian's debian:*-slim images).
import_slim() {
	local root
	root=$(mktemp -d "$cache/slim.XXXXXX")
	tar -C "$root" -xf "$tarball"
	cat >"$root/etc/dpkg/dpkg.cfg.d/tern-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
	find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
	rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/lintian/*
	# Caches apt and debconf make again, and their backups.
	rm -f "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
	find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias \
		-exec rm -rf {} +
	tar --numeric-owner -C "$root" -cf - . | podman import --quiet \
		--change 'CMD ["/bin/bash"]' - "$slim" >/dev/null
	rm -rf "$root"
}

force=0
[ "${1:-}" = "--force" ] && force=1
mkdir -p "$cache"
# One at a time (the container tests start together): the second waits, then finds the
# images made.
exec 9>"$cache/lock"
flock 9
if [ $force -eq 0 ] && podman image exists "$full" && podman image exists "$slim"; then
	exit 0
fi
if [ $force -eq 1 ] || [ ! -s "$tarball" ]; then
	make_tarball
fi
if [ $force -eq 1 ] || ! podman image exists "$full"; then
	say "importing $full"
	podman import --quiet --change 'CMD ["/bin/bash"]' "$tarball" "$full" >/dev/null
fi
if [ $force -eq 1 ] || ! podman image exists "$slim"; then
	say "importing $slim"
	import_slim
fi
