/*
 * hep.c - where HEP copies go: the hep = URL of sipcanary.conf(5) and
 * --hep of check and drill, "udp://IP[:PORT]" (port 9060 by default, as
 * Homer's collectors listen).  An address, not a name: a collector that
 * cannot be resolved must not hold up a probe, and the URL is read once.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/defaults.h"

int
config_parse_hep(const char *url, struct sockaddr_storage *ss,
    socklen_t *len, char *err, size_t errlen)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;
	char			 host[INET6_ADDRSTRLEN];
	unsigned		 port;

	if (strncmp(url, "udp://", 6) != 0 || config_parse_ipport(url + 6,
	    CF_HEP_PORT, host, sizeof(host), &port) == -1) {
		snprintf(err, errlen, "expected udp://IP[:PORT] (as in "
		    "udp://192.0.2.10:9060 or udp://[2001:db8::10]), an "
		    "address: HEP goes over UDP, and the collector is never "
		    "looked up in DNS");
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		*len = sizeof(*s4);
	} else {
		(void)inet_pton(AF_INET6, host, &s6->sin6_addr);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*s6);
	}
	return 0;
}
