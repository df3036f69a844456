/*
 * The appliance configuration: one libconfig file, validated whole against the schema
 * below before anything uses it. Shared by meshrelay-dp, meshrelay-cp and meshrelayctl.
 */
#ifndef MR_CONFIG_H
#define MR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MR_NAME_MAX 32       /* port and listener names, NUL included */
#define MR_DEVICE_MAX 256    /* DPDK device strings */
#define MR_IFNAME_MAX 16     /* kernel interface names (IFNAMSIZ) */
#define MR_PATH_MAX 108      /* UNIX socket paths (sun_path) */
#define MR_MAX_PORTS 16
#define MR_MAX_LISTENERS 64
#define MR_MAX_EAL_ARGS 48
#define MR_EAL_ARG_MAX 256
#define MR_ERR_MAX 512       /* room for "file:line: reason" */

struct mr_exception_conf {
	bool enabled;                  /* give traffic the fast path does not own to the kernel */
	char device[MR_DEVICE_MAX];    /* tap or virtio-user device string */
	char iface[MR_IFNAME_MAX];     /* kernel interface that carries the port's address */
};

struct mr_port_conf {
	char name[MR_NAME_MAX];
	char device[MR_DEVICE_MAX];    /* PCI address (NIC or SR-IOV VF) or a vdev string */
	uint32_t ipv4;                 /* host byte order */
	uint8_t prefix_len;
	uint32_t gateway;              /* host byte order; 0 when the port has none */
	uint16_t mtu;
	uint16_t queues;               /* rx queues; RSS spreads over them when > 1 */
	uint16_t rx_desc;
	uint16_t tx_desc;
	struct mr_exception_conf exception;
};

struct mr_listener_conf {
	char name[MR_NAME_MAX];
	uint16_t port_index;           /* index into mr_config.ports */
	uint16_t tcp_port;
};

struct mr_neigh_conf {
	uint32_t entries;              /* neighbour cache size per worker */
	uint32_t reachable_ms;         /* how long a learned address is trusted */
	uint32_t retry_ms;             /* interval between ARP requests while resolving */
	uint32_t retries;              /* requests before an entry is marked failed */
	uint32_t pending;              /* packets held per unresolved neighbour */
};

struct mr_dataplane_conf {
	char eal_args[MR_MAX_EAL_ARGS][MR_EAL_ARG_MAX];
	unsigned int n_eal_args;
	uint32_t mbufs;                /* 0: sized from ports, queues and workers */
	uint16_t burst;
	char control_socket[MR_PATH_MAX];
	struct mr_neigh_conf neigh;
};

struct mr_log_conf {
	int level;                     /* enum mr_log_level */
	bool use_syslog;
};

struct mr_config {
	char source[MR_PATH_MAX * 2];  /* file name the config came from, for messages */
	struct mr_dataplane_conf dataplane;
	struct mr_port_conf ports[MR_MAX_PORTS];
	unsigned int n_ports;
	struct mr_listener_conf listeners[MR_MAX_LISTENERS];
	unsigned int n_listeners;
	struct mr_log_conf log;
};

/* Read and validate a file. 0 and *out filled, or -1 with "file:line: reason" in err. */
int mr_config_load_file(const char *path, struct mr_config *out, char *err, size_t errlen);

/* Same, from text in memory; name is used in messages in place of a file name. */
int mr_config_load_string(const char *text, const char *name, struct mr_config *out,
			  char *err, size_t errlen);

/* Index of the port called name, or -1. */
int mr_config_port_index(const struct mr_config *conf, const char *name);

#endif
