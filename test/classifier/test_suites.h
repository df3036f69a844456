/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite registration, one per classifier module; each returns 0 on success. */
#ifndef MR_TEST_SUITES_H
#define MR_TEST_SUITES_H

int suite_sni_parse(void);
int suite_sni_mangle(void);
int suite_route_table(void);
int suite_tls_hello(void);
int suite_dns_msg(void);
int suite_vip_alloc(void);
int suite_route_services(void);
int suite_proxy_v2_read(void);

#endif
