/* Transport addresses (IPv4/IPv6 + port): one value type used by every layer. */
#ifndef TERN_BASE_ADDR_H
#define TERN_BASE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
		struct sockaddr_storage ss;
	} u;
};

/* "[v6]:port" or "v4:port" plus NUL. */
#define ADDR_STR_MAX (INET6_ADDRSTRLEN + 8)

/* Sets *out to a numeric IPv4 or IPv6 address (no name lookup) and port.
 * Returns 0 or -EINVAL. */
int addr_parse(struct addr *out, const char *ip, uint16_t port);
/* Sets *out from raw address bytes: family AF_INET (4 bytes) or AF_INET6 (16). */
int addr_from_raw(struct addr *out, int family, const uint8_t *ip, uint16_t port);
int addr_family(const struct addr *a);
socklen_t addr_len(const struct addr *a);
uint16_t addr_port(const struct addr *a);
void addr_set_port(struct addr *a, uint16_t port);
/* Pointer to the 4 or 16 address bytes inside *a (borrows a). */
const uint8_t *addr_raw(const struct addr *a, size_t *len);
/* Same family, address and port. */
bool addr_eq(const struct addr *a, const struct addr *b);
/* Same family and address, port ignored. */
bool addr_ip_eq(const struct addr *a, const struct addr *b);
bool addr_is_any(const struct addr *a);
/* Writes "1.2.3.4:5" or "[::1]:5" into buf; returns buf (always NUL-terminated). */
const char *addr_to_str(const struct addr *a, char *buf, size_t len);
/* Writes only the address, without port. */
const char *addr_ip_to_str(const struct addr *a, char *buf, size_t len);

#endif
