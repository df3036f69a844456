/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One HTTP/1.1 connection of meshrelay-cp to an etcd v3 JSON gateway: POST a JSON request
 * and get the answer parsed, or (a watch) get each JSON object of the never-ending chunked
 * answer as it arrives. Non-blocking, driven from the poll loop; one request at a time.
 */
#ifndef ETCD_CONN_H
#define ETCD_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "cp_conn.h"
#include "http_lines.h"
#include "http_resp.h"
#include "json.h"

#define ETCD_BODY_MAX (4u << 20)   /* a range answer: a page of registrations (DISC_PAGE_MAX
                                     * of up to 16 KiB, in base64) */
#define ETCD_ITEM_MAX (1u << 20)   /* one watch event batch */

/* Called with each answer (or watch object); doc is freed after the call. */
typedef void (*etcd_doc_fn)(void *arg, struct json_value *doc);

struct etcd_conn {
	struct cp_conn conn;
	struct http_resp resp;
	bool busy;                 /* a request is out and unanswered (or a watch runs) */
	bool streaming;            /* the request was a watch */
	int64_t deadline_ms;       /* connect and answer, for plain requests */
	char endpoint[128];
	char *body;                /* the answer being collected */
	size_t body_len;
	struct http_lines items;   /* a watch's objects */
	char *items_buf;
	char error[320];
};

/* A closed connection. */
void etcd_conn_init(struct etcd_conn *e);

/* POST json to path at endpoint ("http://ADDRESS:PORT"), connecting first when closed or
 * pointed elsewhere. stream: the answer is a watch. 0, or -1 with e->error. */
int etcd_conn_request(struct etcd_conn *e, const char *endpoint, const char *path,
		      const char *json, bool stream, int64_t now_ms, uint32_t timeout_ms);

/* Poll events wanted on e->conn.fd (0 when closed). */
short etcd_conn_events(const struct etcd_conn *e);

/* Progress after poll; each complete answer or watch object goes to fn. 0, or -1 with
 * e->error (the connection is closed): failed, timed out, refused (HTTP status not 200),
 * or the peer closed a watch. */
int etcd_conn_handle(struct etcd_conn *e, short revents, int64_t now_ms, etcd_doc_fn fn,
		     void *arg);

/* -1 (closed, e->error set) when the request in flight is past its deadline. */
int etcd_conn_check_deadline(struct etcd_conn *e, int64_t now_ms);

/* Close, keeping the buffers for the next request. */
void etcd_conn_close(struct etcd_conn *e);

/* Close and release everything. */
void etcd_conn_free(struct etcd_conn *e);

#endif
