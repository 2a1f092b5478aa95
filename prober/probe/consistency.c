/*
 * consistency.c - grouping frontends by what they show: leaf certificate,
 * TLS version and identity outcome.  Frontends that never finished a
 * handshake show nothing and are left out; they have their own verdict.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/consistency.h"

static int
cons_add(struct cons_dim *d, const char *value, time_t not_after, size_t i)
{
	struct cons_group	*g = NULL;
	size_t			*m, k;

	for (k = 0; k < d->ngroups; k++)
		if (strcmp(d->groups[k].value, value) == 0) {
			g = &d->groups[k];
			break;
		}
	if (g == NULL) {
		if ((g = realloc(d->groups, (d->ngroups + 1) *
		    sizeof(*g))) == NULL)
			return -1;
		d->groups = g;
		g = &d->groups[d->ngroups++];
		memset(g, 0, sizeof(*g));
		g->value = value;
		g->not_after = not_after;
	}
	if ((m = realloc(g->members, (g->nmembers + 1) * sizeof(*m))) == NULL)
		return -1;
	g->members = m;
	m[g->nmembers++] = i;
	return 0;
}

int
consistency_check(const struct sc_result *r, size_t n, int allow_mixed,
    struct consistency *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < n; i++) {
		const struct sc_certreport *cr = &r[i].cert;

		if (r[i].t.tls_handshake < 0 || cr->nchain == 0)
			continue;
		if (cons_add(&c->leaf, cr->chain[0].fingerprint_sha256,
		    cr->chain[0].not_after, i) == -1 ||
		    cons_add(&c->version, r[i].tls_version, 0, i) == -1 ||
		    cons_add(&c->identity, cr->identity_source != NULL ?
		    cr->identity : "(none)", 0, i) == -1)
			return -1;
	}
	c->ok = 1;
	if (c->leaf.ngroups > 1 && !allow_mixed) {
		c->ok = 0;
		snprintf(c->why, sizeof(c->why), "frontends serve %zu "
		    "different leaf certificates", c->leaf.ngroups);
	} else if (c->version.ngroups > 1) {
		c->ok = 0;
		snprintf(c->why, sizeof(c->why), "frontends negotiate %zu "
		    "different TLS versions", c->version.ngroups);
	} else if (c->identity.ngroups > 1) {
		c->ok = 0;
		snprintf(c->why, sizeof(c->why), "frontends differ in the "
		    "identity their certificates carry");
	}
	return 0;
}

static void
cons_dim_clear(struct cons_dim *d)
{
	size_t k;

	for (k = 0; k < d->ngroups; k++)
		free(d->groups[k].members);
	free(d->groups);
	d->groups = NULL;
	d->ngroups = 0;
}

void
consistency_clear(struct consistency *c)
{
	if (c == NULL)
		return;
	cons_dim_clear(&c->leaf);
	cons_dim_clear(&c->version);
	cons_dim_clear(&c->identity);
}
