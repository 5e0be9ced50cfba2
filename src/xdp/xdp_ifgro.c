/* Whether an interface merges UDP datagrams by GRO before generic XDP sees them: generic
 * XDP runs after GRO, and with rx-gro-list or rx-udp-gro-forwarding on, datagrams bound for
 * a socket that did not ask for UDP_GRO (Tern's relay and listening sockets) or forwarded
 * ones are merged into one frame whose UDP length covers them all. The program would take
 * such a frame for one datagram, so xdp_fast_attach refuses generic mode there. Native XDP
 * runs in the driver before GRO and never sees them. Read with the ethtool ioctls
 * (ETHTOOL_GSSET_INFO, ETHTOOL_GSTRINGS, ETHTOOL_GFEATURES), features found by name. */
#include "xdp/xdp_load.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define XDP_IFGRO_MAX_FEATURES 1024

static int ifgro_ioctl(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/* The number of feature names of ifname, or -errno. */
static int ifgro_count(int fd, const char *ifname)
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t len;
	} info = {.hdr = {.cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_FEATURES}};
	int rc = ifgro_ioctl(fd, ifname, &info);

	if (rc < 0)
		return rc;
	if (!(info.hdr.sset_mask & (1ULL << ETH_SS_FEATURES)) || info.len == 0 ||
	    info.len > XDP_IFGRO_MAX_FEATURES)
		return -EOPNOTSUPP;
	return (int)info.len;
}

/* Whether any of the n features named in names (n * ETH_GSTRING_LEN bytes) that GRO merges
 * UDP with is active in f. */
static int ifgro_active(const struct ethtool_gfeatures *f, const char *names, int n)
{
	static const char *const merging[] = {"rx-gro-list", "rx-udp-gro-forwarding"};

	for (int i = 0; i < n; i++)
		for (size_t j = 0; j < sizeof(merging) / sizeof(merging[0]); j++)
			if (strncmp(names + (size_t)i * ETH_GSTRING_LEN, merging[j],
				    ETH_GSTRING_LEN) == 0 &&
			    (f->features[i / 32].active & (1U << (i % 32))))
				return 1;
	return 0;
}

int xdp_fast_if_udp_gro(const char *ifname)
{
	struct ethtool_gstrings *names = NULL;
	struct ethtool_gfeatures *f = NULL;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), n, rc;

	if (fd < 0)
		return -errno;
	n = rc = ifgro_count(fd, ifname);
	if (rc < 0)
		goto out;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	f = calloc(1, sizeof(*f) + (size_t)(n + 31) / 32 * sizeof(f->features[0]));
	rc = -ENOMEM;
	if (names == NULL || f == NULL)
		goto out;
	*names = (struct ethtool_gstrings){
		.cmd = ETHTOOL_GSTRINGS, .string_set = ETH_SS_FEATURES, .len = (uint32_t)n};
	*f = (struct ethtool_gfeatures){.cmd = ETHTOOL_GFEATURES, .size = (uint32_t)(n + 31) / 32};
	rc = ifgro_ioctl(fd, ifname, names);
	if (rc == 0)
		rc = ifgro_ioctl(fd, ifname, f);
	if (rc == 0)
		rc = ifgro_active(f, (const char *)names->data, n);
out:
	free(names);
	free(f);
	close(fd);
	return rc;
}
