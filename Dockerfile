# Tern in a container (README "Container"):
#   podman build -t tern .        (or docker build; no registry: scripts/container-base.sh)
#   podman run --network host -e TERN_USER=alice:SECRET tern
# The image has no user: it refuses to start until one is given (TERN_USER, a config file
# mounted at /etc/tern/ternd.conf, or TERN_REDIS_USERDB).
FROM debian:12 AS build
COPY scripts/install-deps.sh /src/scripts/
RUN /src/scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . /src
WORKDIR /src
RUN ./autogen.sh >/dev/null && ./configure -q --prefix=/usr --sysconfdir=/etc && \
	make -s -j"$(nproc)" src/ternd src/ternctl && \
	install -D -s -m 0755 src/ternd src/ternctl -t /out/usr/bin && \
	install -D -m 0644 etc/ternd.conf /out/etc/tern/ternd.conf

# debian:12-slim plus the four libraries ternd and ternctl link (ldd): about 80 MB. A
# distroless stage (only those libraries and a passwd line) would be ~15 MB, but leaves
# no shell for `podman exec`, and the libraries would be copied by hand instead of
# coming, with their security updates, from apt.
FROM debian:12-slim
RUN apt-get update && \
	apt-get install -y --no-install-recommends libevent-2.1-7 libssl3 libhiredis0.14 \
	libconfig9 && \
	rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
	/var/cache/debconf/*-old /var/lib/dpkg/*-old && \
	useradd --system --uid 999 --user-group --no-create-home --home-dir /nonexistent \
	--shell /usr/sbin/nologin tern && \
	mkdir -m 0700 /run/ternd && chown tern:tern /run/ternd
COPY --from=build /out/ /
# Logs on stdout; SIGTERM (podman/docker stop) drains: new allocations refused, existing
# ones relayed until they end or for 8 s, inside the 10 s `stop` allows by default (raise
# both together: --stop-timeout 65 -e TERN_DRAIN_TIMEOUT=60). /healthz for HEALTHCHECK.
ENV TERN_LOG_FILE=stdout \
	TERN_DRAIN_TIMEOUT=8 \
	TERN_PROMETHEUS=true \
	TERN_ADMIN_SOCKET=/run/ternd/admin.sock
EXPOSE 3478/udp 3478/tcp 5349/tcp 5349/udp 9641/tcp
USER tern
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
	CMD ["/usr/bin/ternctl", "health"]
ENTRYPOINT ["/usr/bin/ternd"]
CMD ["-c", "/etc/tern/ternd.conf"]
