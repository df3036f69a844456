/* SPDX-License-Identifier: BSD-3-Clause */
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
#define MR_SOURCE_ADDRS_MAX 7 /* further IPv4 addresses of a port's own connections */
#define MR_MAX_LISTENERS 64
#define MR_MAX_EAL_ARGS 48
#define MR_EAL_ARG_MAX 256
#define MR_ERR_MAX 512       /* room for "file:line: reason" */
#define MR_CONTROL_SOCKET "/run/meshrelay/dataplane.sock" /* dataplane.control_socket default */

struct mr_exception_conf {
	bool enabled;                  /* give traffic the fast path does not own to the kernel */
	char device[MR_DEVICE_MAX];    /* tap or virtio-user device string */
	char iface[MR_IFNAME_MAX];     /* kernel interface that carries the port's address */
	uint32_t rate;                 /* frames a second each worker may give it (a storm of
					* frames for the host must not take a relay core) */
};

struct mr_port_conf {
	char name[MR_NAME_MAX];
	char device[MR_DEVICE_MAX];    /* PCI address (NIC or SR-IOV VF) or a vdev string */
	uint32_t ipv4;                 /* host byte order */
	uint8_t prefix_len;
	/* source_addresses: more addresses on the port's link (host order) that the relay's
	 * own connections (to backends, pool checks) may come from, each good for another
	 * range of source ports towards one backend address and port */
	uint32_t source_ipv4[MR_SOURCE_ADDRS_MAX];
	uint8_t n_source_ipv4;
	uint32_t gateway;              /* host byte order; 0 when the port has none */
	bool has_ipv6;                 /* the port has an IPv6 address too */
	uint8_t ipv6[16];              /* network byte order */
	uint8_t prefix6_len;
	bool has_gateway6;
	uint8_t gateway6[16];          /* IPv6 next hop for destinations off the port's prefix */
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
	uint32_t unresolved;           /* entries waiting for an answer at once (0: entries/4) */
};

struct mr_dataplane_conf {
	char eal_args[MR_MAX_EAL_ARGS][MR_EAL_ARG_MAX];
	unsigned int n_eal_args;
	uint32_t mbufs;                /* 0: sized from ports, queues and workers */
	uint16_t burst;
	char control_socket[MR_PATH_MAX];
	char control_group[MR_NAME_MAX]; /* may also use the socket; empty: owner only */
	struct mr_neigh_conf neigh;
};

/* The relay: flow table size, timeouts and ClientHello limits (used from the splice on). */
struct mr_relay_conf {
	uint32_t max_flows;            /* per worker; full table refuses new connections */
	uint32_t max_hello;            /* largest ClientHello waited for, bytes */
	uint32_t hello_timeout_ms;     /* client connected but hello incomplete */
	uint32_t connect_timeout_ms;   /* first backend SYN retransmission; doubles each time */
	uint32_t answer_timeout_ms;    /* a TLS member's first byte after it acknowledged the
					* hello, else the next member; 0: waited for */
	uint32_t syn_retries;          /* SYNs to the backend before the client gets a RST */
	uint32_t idle_timeout_ms;      /* established flow with no packet either way */
	uint32_t closing_timeout_ms;   /* after FIN or RST, until the flow is forgotten */
	uint32_t drain_ms;             /* on SIGTERM/SIGINT: time established flows get */
	uint16_t mss;                  /* largest MSS advertised to clients (<= MTU - 40) */
	uint16_t src_port_first;       /* source ports of backend connections; the kernel */
	uint16_t src_port_last;        /* behind the exception path keeps out of them */
	uint16_t peer_mss_floor;       /* a peer's smaller MSS is raised to this (IPv4) ... */
	uint16_t peer_mss_floor6;      /* ... and to this over IPv6 */
	uint32_t kept_mbufs;           /* per worker: mbufs all kept hellos may hold together */
	uint32_t challenge_acks;       /* RFC 5961 challenge ACKs per second per worker */
	uint32_t client_max_flows;     /* per client address (/32, /64) per worker */
	uint32_t client_max_hellos;    /* ... of them not spliced yet */
	uint32_t redispatch;           /* members a connection tries before its client's RST */
};

/* A backend address: IPv4 or IPv6 text as written, validated. */
struct mr_member_conf {
	char address[48];
	uint16_t port;
	uint32_t weight;
};

enum mr_check_kind { MR_CHECK_NONE = 0, MR_CHECK_TCP, MR_CHECK_TLS };

/* How a pool's members are watched: actively (checks the data plane sends, HAProxy's
 * interval/timeout/rise/fall) and passively (consecutive failed connections eject a
 * member, Envoy's outlier detection). */
struct mr_health_conf {
	enum mr_check_kind check;      /* none (default), tcp (SYN answered), tls (ServerHello) */
	char sni[254];                 /* tls: the name the check's ClientHello carries */
	uint32_t interval_ms;          /* between two checks of one member */
	uint32_t timeout_ms;           /* a check unanswered this long failed */
	uint32_t rise, fall;           /* consecutive results that bring a member up / down */
	uint32_t failures;             /* consecutive failed connections that eject (0: never) */
	uint32_t ejection_ms;          /* first ejection; doubles while it keeps failing */
	uint32_t max_ejection_ms;
	uint32_t max_ejected_percent;  /* of the pool at once; never all of it */
};

/* Where the file writes an item: its line, in the top file (file 0) or in the one it
 * @includes that mr_config.files[file - 1] names. */
struct mr_where {
	unsigned int file;
	unsigned int line;
};

struct mr_pool_conf {
	char name[MR_NAME_MAX];
	struct mr_member_conf *members;
	unsigned int n_members;
	struct mr_health_conf health;
	struct mr_where at;            /* where the file writes it */
};

struct mr_port_range {
	uint16_t first, last;
};

struct mr_network_conf {
	char name[MR_NAME_MAX];
	bool local;                    /* this gateway's own network */
	char (*allow)[52];             /* "ADDRESS/PREFIX" texts */
	unsigned int n_allow;
	struct mr_port_range *ports;
	unsigned int n_ports;
	struct mr_health_conf health;  /* of its gateways, as reached from here */
	struct mr_where at;            /* where the file writes it */
};

struct mr_route_conf {
	char *sni;                     /* exact name or "*.suffix"; NULL for the default route;
					* a plain TCP route's service name */
	int pool;                      /* index into pools, or -1 */
	int network;                   /* index into networks (remote), or -1 */
	bool proxy_protocol_v2;
	bool exported;                 /* published through discovery for the other networks */
	bool imported;                 /* another network's export, learned (the 'imported'
					* list meshrelay-cp writes), after every route of the file */
	bool plain;                    /* protocol = "tcp": no ClientHello, reached by VIP:port */
	uint16_t tcp_port;             /* plain: the port clients connect to on the VIP */
	uint32_t vip;                  /* plain: a pinned VIP (host order), 0: from the name */
	struct mr_where at;            /* where the file writes it */
};

struct mr_mangled_conf {
	char suffix[254];
	unsigned int forms;            /* MANGLE_FORM_* bits of the classifier */
	int network;                   /* default network when the name names none, or -1 */
	bool proxy_protocol_v2;
	struct mr_where at;            /* where the file writes it */
};

/* This gateway in the mesh: its id, unique across all networks, and its own network. */
struct mr_gateway_conf {
	char id[64];
	int network;                   /* index of the local network, or -1 without one */
};

#define MR_TURN_MAX_PEERS 16

enum mr_turn_transport { MR_TURN_TCP, MR_TURN_TLS };

/* A TURN server of another network, where this gateway keeps an allocation. */
struct mr_turn_server_conf {
	char name[MR_NAME_MAX];        /* also the key of its credentials */
	int network;                   /* index of the (remote) network it serves */
	char address[48];              /* IPv4 or IPv6 literal */
	uint16_t port;
	enum mr_turn_transport transport; /* to the server */
	uint8_t relay_protocol;        /* REQUESTED-TRANSPORT: 6 TCP (RFC 6062) or 17 UDP */
	char server_name[256];         /* TLS: name verified in the certificate, and SNI */
	char ca_file[MR_PATH_MAX * 2]; /* TLS: trust anchors; empty: the system's */
	char peers[MR_TURN_MAX_PEERS][48]; /* addresses given permission on the relay */
	unsigned int n_peers;
	struct mr_where at;            /* where the file writes it */
};

struct mr_turn_conf {
	char credentials[MR_PATH_MAX * 2]; /* "SERVER USER PASSWORD" lines, owner-only */
	uint32_t lifetime_s;           /* requested allocation lifetime */
	uint32_t refresh_s;            /* refresh at least this often; 0: half the lifetime */
	struct mr_turn_server_conf *servers;
	unsigned int n_servers;
};

#define MR_DISCOVERY_MAX_ENDPOINTS 8

/* etcd v3 through its HTTP/JSON gateway. Empty when n_endpoints is 0. */
struct mr_discovery_conf {
	char endpoints[MR_DISCOVERY_MAX_ENDPOINTS][128]; /* "http://ADDRESS:PORT" */
	unsigned int n_endpoints;
	char prefix[128];              /* keys live under PREFIX/networks/NET/gateways/ID */
	uint32_t lease_ttl_s;
	uint32_t timeout_ms;           /* per request, and to connect */
};

/* Another network's gateway as reached from here: its relayed address on a TURN server
 * of this network. Learned from discovery (meshrelay-cp adds them) or written by hand. */
struct mr_remote_gateway_conf {
	char id[64];
	int network;                   /* index of the gateway's (remote) network */
	char address[48];
	uint16_t port;
	bool client_header;            /* it reads a PROXY v2 header naming the client before
					* a TLS hello: sent one (discovery says so by itself) */
	struct mr_where at;            /* where the file writes it */
};

#define MR_DNS_MAX_ZONES 16

/* DNS answered by the data plane on one client-facing port's address (UDP port 53):
 * A/AAAA with that address for the names the gateway routes, NXDOMAIN for other names
 * in its zones, and names outside them to the host or refused. */
struct mr_dns_conf {
	int port_index;                /* -1: no DNS */
	char zones[MR_DNS_MAX_ZONES][254];
	unsigned int n_zones;
	uint32_t ttl;                  /* of answers, and the zones' negative TTL */
	bool outside_refused;          /* names outside the zones: REFUSED, not the host's */
	uint32_t rate;                 /* answers a second per client address and worker */
	uint32_t vip_base;             /* plain TCP services' addresses: vip_base/vip_prefix_len */
	uint8_t vip_prefix_len;        /* (host order), owned on the DNS port; 0: none */
	struct mr_where vip_at;        /* where vip_range is written (line 0: nowhere) */
};

struct mr_log_conf {
	int level;                     /* enum mr_log_level */
	bool use_syslog;
	/* The connection log: a JSON line per connection at its end and per refusal. */
	char connections[MR_PATH_MAX * 2]; /* file it is appended to, or "syslog" or
					    * "syslog:/SOCKET" (RFC 5424); empty: no log */
	uint32_t connections_ring;     /* records one worker may have waiting (power of 2) */
	uint32_t refused_rate;         /* refusals logged a second per worker; the rest counted */
};

/* The Prometheus endpoints: the data plane's, served by its control thread, and
 * meshrelay-cp's own (TURN, discovery, link). */
struct mr_metrics_conf {
	bool enabled;
	char address[48];              /* IPv4 or IPv6 literal to listen on */
	uint16_t port;
	bool cp_enabled;               /* cp_listen given */
	char cp_address[48];
	uint16_t cp_port;
};

struct mr_config {
	char source[MR_PATH_MAX * 2];  /* file name the config came from, for messages */
	struct mr_dataplane_conf dataplane;
	struct mr_port_conf ports[MR_MAX_PORTS];
	unsigned int n_ports;
	struct mr_listener_conf listeners[MR_MAX_LISTENERS];
	unsigned int n_listeners;
	struct mr_log_conf log;
	struct mr_metrics_conf metrics;
	struct mr_relay_conf relay;
	struct mr_dns_conf dns;
	/* Routing: heap arrays owned by the config, released by mr_config_free. */
	struct mr_network_conf *networks;
	unsigned int n_networks;
	struct mr_pool_conf *pools;
	unsigned int n_pools;
	struct mr_route_conf *routes;
	unsigned int n_routes;
	struct mr_mangled_conf *mangled;
	unsigned int n_mangled;
	/* The mesh: heap arrays too. */
	struct mr_gateway_conf gateway;
	struct mr_turn_conf turn;
	struct mr_discovery_conf discovery;
	struct mr_remote_gateway_conf *remote_gateways;
	unsigned int n_remote_gateways;
	bool learned_lists;            /* the file writes 'gateways' or 'imported', even empty */
	char **files;                  /* the @included files items were written in (heap) */
	unsigned int n_files;
};

/* The host's ephemeral ports (lo..hi) beside the relay's source ports first..last: those
 * above them when 1024 are left there, else those below (a range the loader refuses may
 * leave fewer, or none). */
void mr_config_host_ports(uint16_t first, uint16_t last, unsigned int *lo, unsigned int *hi);

/* Read and validate a file (its @include lines are read too: the data plane's own file
 * at start, or one checked). 0 and *out filled, or -1 with "file:line: reason" in err.
 * *out must be zeroed or hold an earlier result: on success its old routing arrays are
 * released; on failure it is left as it was. */
int mr_config_load_file(const char *path, struct mr_config *out, char *err, size_t errlen);

/* The control socket path's file names (dataplane.control_socket, or the default), read
 * alone: the rest may be wrong (a file half edited) and still tell meshrelayctl where to
 * ask. 0 with the path in out, or -1 with why in err (a syntax error, a relative path). */
int mr_config_control_socket(const char *path, char *out, size_t len, char *err,
			     size_t errlen);

/* Same, from text in memory (a pushed file); name is used in messages in place of a file
 * name. A line that starts with @include is refused ("name:line: @include ..."). */
int mr_config_load_string(const char *text, const char *name, struct mr_config *out,
			  char *err, size_t errlen);

/* Deep copy of src into dst (dst's previous content is not released). 0, or -1 when out
 * of memory (dst is then zeroed). */
int mr_config_clone(struct mr_config *dst, const struct mr_config *src);

/* Release the routing arrays (the rest is plain data); conf is left zeroed. */
void mr_config_free(struct mr_config *conf);

/* The VIPs port i owns (dns.vip_range, on the DNS port), host order: *base and *mask,
 * both 0 when it owns none. */
void mr_config_port_vips(const struct mr_config *conf, unsigned int i, uint32_t *base,
			 uint32_t *mask);

#define MR_WHERE_MAX (MR_PATH_MAX * 2 + 16) /* "FILE:LINE" */

/* "FILE:LINE" of at in buf (len bytes), the file named as it was read; returns buf. */
const char *mr_config_where(const struct mr_config *conf, struct mr_where at, char *buf,
			    size_t len);

/* Index of the port called name, or -1. */
int mr_config_port_index(const struct mr_config *conf, const char *name);

#endif
