# Tern in a container: docker build -t tern . && docker run --network host tern
FROM debian:12 AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
	build-essential autoconf automake libtool pkg-config \
	libevent-dev libssl-dev libhiredis-dev libconfig-dev && rm -rf /var/lib/apt/lists/*
COPY . /src
WORKDIR /src
RUN ./autogen.sh && ./configure --prefix=/usr --sysconfdir=/etc && make -j"$(nproc)" && \
	make install DESTDIR=/out

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
	libevent-2.1-7 libevent-pthreads-2.1-7 libssl3 \
	libhiredis0.14 libconfig9 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/usr/bin/ternd /out/usr/bin/ternctl /usr/bin/
COPY etc/ternd.conf /etc/tern/ternd.conf
# The admin socket's directory (admin-socket), the server's own: `docker exec ... ternctl status`.
RUN mkdir -m 0700 /run/ternd && chown nobody:nogroup /run/ternd
EXPOSE 3478/udp 3478/tcp 5349/udp 5349/tcp
USER nobody
ENTRYPOINT ["/usr/bin/ternd"]
CMD ["-c", "/etc/tern/ternd.conf"]
