/*
 * status_html.c - the status page of the daemon (GET /), for whoever
 * is on call: is anything red, which frontend, since when, and is it
 * the incident signature (new connections fail while existing flows are
 * up).
 *
 * Owns: the page's markup and CSS, the wording of relative times and
 * certificate lifetimes, and the SVG strip of the last 60 results.
 *
 * Why so plain: it is opened from a phone in the middle of the night,
 * behind VPNs and on air-gapped vantage points.  No script, no font,
 * no image, no link to fetch; CSS and SVG are inline (the endpoint's
 * Content-Security-Policy allows nothing else), and a meta refresh
 * keeps it current.  Below 720 px each frontend row becomes a card.
 * State is never shown by colour alone: every badge, verdict and cell
 * also has text (the strip has an aria-label and a title).
 *
 * Size: a deployment has hundreds of frontends, and the page reloads
 * every 15 s.  The strip draws one rect per run of equal results and
 * cuts the cells apart with one dashed line, so an all-green strip is
 * two elements rather than sixty.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "web/status_html.h"
#include "common/html.h"
#include "common/timefmt.h"

/* Strip geometry, SVG user units: a cell is SH_CELL wide plus a gap. */
#define SH_CELL		6
#define SH_PITCH	(SH_CELL + 1)
#define SH_HEIGHT	16
#define SH_WIDTH	(STATUS_HISTORY_MAX * SH_PITCH - 1)

static const char	sh_css[] =
":root{color-scheme:light dark;--bg:#fff;--fg:#1d1d1f;--muted:#5f6368;"
"--line:#dadce0;--card:#f6f7f8;--ok:#1e7b34;--warn:#a85d00;"
"--crit:#b3261e;--unk:#5f6368;--none:#c4c7c5}\n"
"@media (prefers-color-scheme:dark){:root{--bg:#131314;--fg:#e6e6e6;"
"--muted:#9aa0a6;--line:#3c4043;--card:#1e1f20;--ok:#5bb974;"
"--warn:#f3a83b;--crit:#f28b82;--unk:#9aa0a6;--none:#5f6368}}\n"
"*{box-sizing:border-box}\n"
"body{margin:0 auto;max-width:1280px;padding:12px 16px 32px;"
"background:var(--bg);color:var(--fg);"
"font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}\n"
"h1{font-size:1.35em;margin:0}h2{font-size:1.15em;margin:0;"
"overflow-wrap:anywhere}\n"
".sub,.meta,.detector,footer{color:var(--muted);font-size:.9em}\n"
".sub{margin:2px 0 12px}.meta{margin:4px 0 8px;overflow-wrap:anywhere}\n"
".summary{padding:8px 12px;border:1px solid var(--line);border-radius:8px;"
"background:var(--card);margin-bottom:16px}\n"
".summary ul{margin:4px 0 0;padding-left:0;list-style:none}"
".summary li{display:inline-block;margin:2px 12px 2px 0}\n"
"a{color:inherit}\n"
".badge{display:inline-block;padding:1px 8px;border-radius:10px;"
"font-size:.8em;font-weight:700;letter-spacing:.04em;color:#fff;"
"vertical-align:2px;margin-right:6px}\n"
".b-ok{background:var(--ok)}.b-warning{background:var(--warn)}"
".b-critical{background:var(--crit)}.b-unknown{background:var(--unk)}\n"
"@media (prefers-color-scheme:dark){.badge{color:#131314}}\n"
".target{border:1px solid var(--line);border-left:6px solid var(--unk);"
"border-radius:8px;padding:10px 14px;margin:0 0 16px}\n"
".target.s-ok{border-left-color:var(--ok)}"
".target.s-warning{border-left-color:var(--warn)}"
".target.s-critical{border-left-color:var(--crit)}\n"
".outage{margin:8px 0;padding:10px 12px;border-radius:6px;"
"background:var(--crit);color:#fff;font-size:1.05em}\n"
"@media (prefers-color-scheme:dark){.outage{color:#131314}}\n"
".reload-failed,.no-sinks,.broken{margin:8px 0;padding:6px 10px;border:2px solid var(--crit);}"
".insecure{margin:8px 0;padding:6px 10px;border:2px dashed var(--warn);"
"border-radius:6px}\n"
".alerts{border:2px solid var(--crit);border-radius:8px;"
"padding:8px 12px;margin-bottom:16px}\n"
"table{border-collapse:collapse;width:100%;font-size:.93em}\n"
"th{text-align:left;font-weight:600;color:var(--muted);white-space:nowrap;"
"border-bottom:1px solid var(--line);padding:4px 8px}\n"
"td{padding:5px 8px;border-bottom:1px solid var(--line);"
"vertical-align:middle}\n"
"td.addr,.verdict{font-family:ui-monospace,Menlo,Consolas,monospace;"
"white-space:nowrap}\n"
"td.error{overflow-wrap:anywhere;max-width:28em}\n"
".v-ok{color:var(--ok)}.v-warn{color:var(--warn)}"
".v-fail{color:var(--crit);font-weight:600}.v-none{color:var(--muted)}\n"
".f-up{color:var(--ok)}.f-partial{color:var(--warn)}"
".f-down{color:var(--crit);font-weight:600}.f-none{color:var(--muted)}\n"
".d-expired{color:var(--crit);font-weight:600}"
".d-unknown{color:var(--muted)}\n"
"svg.strip{display:block;width:100%;max-width:360px;min-width:240px;"
"height:auto}\n"
".c0{fill:var(--none)}.c1{fill:var(--ok)}"
".c2{fill:var(--warn)}.c3{fill:var(--crit)}"
".strip .gaps{stroke:var(--bg);stroke-width:16;"
"stroke-dasharray:0 6 1 0}\n"
".legend{color:var(--muted);font-size:.85em;margin-top:4px}"
".legend span{white-space:nowrap}"
".legend svg{vertical-align:-2px;margin:0 3px 0 8px}\n"
".none{color:var(--muted);font-style:italic}\n"
"@media (max-width:720px){body{padding:8px}"
"table,tbody,tr,td{display:block;width:100%}thead{display:none}"
"tr.frontend{border:1px solid var(--line);border-radius:6px;"
"margin:8px 0;padding:4px 0}"
"td{border:0;padding:3px 10px;display:flex;gap:12px;max-width:none}"
"td::before{flex:0 0 7.5em;color:var(--muted);font-weight:400}"
"td:nth-child(1)::before{content:\"Frontend\"}"
"td:nth-child(2)::before{content:\"Verdict\"}"
"td:nth-child(3)::before{content:\"Error\"}"
"td:nth-child(4)::before{content:\"Last success\"}"
"td:nth-child(5)::before{content:\"Certificate\"}"
"td:nth-child(6)::before{content:\"Flows\"}"
"td:nth-child(7)::before{content:\"Last 60 probes\"}"
"td.error:empty{display:none}"
"svg.strip{flex:1 1 0;min-width:0;max-width:none}}\n";

/* --- escaping and small writers -------------------------------------- */

/* An id from a name: escaped, with whitespace (invalid in ids) as '_'. */
static void
sh_id(struct evbuffer *out, const char *prefix, const char *name)
{
	char	buf[2] = { 0, 0 };

	evbuffer_add(out, prefix, strlen(prefix));
	for (; name != NULL && *name != '\0'; name++) {
		buf[0] = strchr(" \t\n\f\r", *name) != NULL ? '_' : *name;
		html_escape_evbuffer(out, buf);
	}
}

static void
sh_s(struct evbuffer *out, const char *s)
{
	evbuffer_add(out, s, strlen(s));
}

static int
sh_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* The CSS class suffix of a target state; unknown strings are "unknown". */
static const char *
sh_state_class(const char *state)
{
	static const char *const	known[] = {
		"ok", "warning", "critical", "unknown"
	};
	size_t				i;

	for (i = 0; state != NULL && i < 4; i++)
		if (strcmp(state, known[i]) == 0)
			return known[i];
	return "unknown";
}

/* t in UTC, as ISO 8601 (for datetime attributes) or for people. */
static void
sh_time_utc(char *buf, size_t bufsz, time_t t, int iso)
{
	struct tm	tm;
	size_t		n;

	if (iso)
		n = timefmt_rfc3339(t, buf, bufsz);
	else if (gmtime_r(&t, &tm) == NULL)
		n = 0;
	else
		n = strftime(buf, bufsz, "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (n == 0)
		snprintf(buf, bufsz, "?");
}

/* "just now", "42 s ago", "2 min ago", "5 h ago", "3 days ago". */
static void
sh_ago(char *buf, size_t bufsz, time_t now, time_t t)
{
	long long	d = (long long)now - (long long)t;

	if (d < 0)
		snprintf(buf, bufsz, "in the future (clock skew)");
	else if (d < 5)
		snprintf(buf, bufsz, "just now");
	else if (d < 60)
		snprintf(buf, bufsz, "%lld s ago", d);
	else if (d < 3600)
		snprintf(buf, bufsz, "%lld min ago", d / 60);
	else if (d < 2 * 86400)
		snprintf(buf, bufsz, "%lld h ago", d / 3600);
	else
		snprintf(buf, bufsz, "%lld days ago", d / 86400);
}

/* "45 s", "12 min", "3 h 5 min", "4 d 2 h". */
static void
sh_duration(char *buf, size_t bufsz, long long d)
{
	if (d < 0)
		d = 0;
	if (d < 60)
		snprintf(buf, bufsz, "%lld s", d);
	else if (d < 3600)
		snprintf(buf, bufsz, "%lld min", d / 60);
	else if (d < 86400)
		snprintf(buf, bufsz, "%lld h %lld min", d / 3600,
		    d % 3600 / 60);
	else
		snprintf(buf, bufsz, "%lld d %lld h", d / 86400,
		    d % 86400 / 3600);
}

/* --- pieces ---------------------------------------------------------- */

static void
sh_head(struct evbuffer *out, const struct status_view *v, size_t ncrit,
    size_t nwarn)
{
	evbuffer_add_printf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"refresh\" content=\"%d\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width,"
	    "initial-scale=1\">\n"
	    "<meta name=\"color-scheme\" content=\"light dark\">\n"
	    "<meta name=\"robots\" content=\"noindex\">\n<title>",
	    STATUS_REFRESH);
	/* The tab title alone tells whether to look. */
	if (ncrit > 0)
		evbuffer_add_printf(out, "%zu critical \xc2\xb7 ", ncrit);
	if (nwarn > 0)
		evbuffer_add_printf(out, "%zu warning \xc2\xb7 ", nwarn);
	sh_s(out, "sipcanary");
	if (!sh_empty(v->vantage)) {
		sh_s(out, " ");
		html_escape_evbuffer(out, v->vantage);
	}
	sh_s(out, "</title>\n<style>\n");
	evbuffer_add(out, sh_css, sizeof(sh_css) - 1);
	sh_s(out, "</style>\n</head>\n<body>\n");
}

static void
sh_header(struct evbuffer *out, const struct status_view *v)
{
	char	now[64], iso[32], up[32];

	sh_time_utc(now, sizeof(now), v->now, 0);
	sh_time_utc(iso, sizeof(iso), v->now, 1);
	sh_s(out, "<header>\n<h1>sipcanary");
	if (!sh_empty(v->vantage)) {
		sh_s(out, " <span class=\"vantage\">\xc2\xb7 vantage ");
		html_escape_evbuffer(out, v->vantage);
		sh_s(out, "</span>");
	}
	sh_s(out, "</h1>\n<p class=\"sub\">");
	if (!sh_empty(v->version)) {
		sh_s(out, "version ");
		html_escape_evbuffer(out, v->version);
		sh_s(out, " \xc2\xb7 ");
	}
	if (v->started != 0) {
		sh_duration(up, sizeof(up), (long long)v->now -
		    (long long)v->started);
		evbuffer_add_printf(out, "up %s \xc2\xb7 ", up);
	}
	evbuffer_add_printf(out, "updated <time datetime=\"%s\">%s</time> "
	    "\xc2\xb7 refreshes every %d s</p>\n</header>\n", iso, now,
	    STATUS_REFRESH);
}

/* What the strip's colours mean, drawn with the strip's own cells. */
static void
sh_legend(struct evbuffer *out)
{
	static const char *const	names[] = {
		"no result", "ok", "warning", "failed"
	};
	int				i;

	sh_s(out, "<div class=\"legend\">Last 60 probes, oldest left:");
	for (i = 1; i <= 4; i++)
		evbuffer_add_printf(out, "<span><svg class=\"strip-key\" "
		    "viewBox=\"0 0 10 %d\" width=\"8\" height=\"13\" "
		    "aria-hidden=\"true\"><rect class=\"c%d\" y=\"%d\" "
		    "width=\"10\" height=\"%d\"/></svg>%s</span>", SH_HEIGHT,
		    i % 4, i % 4 ? 0 : SH_HEIGHT / 2 - 2,
		    i % 4 ? SH_HEIGHT : 4, names[i % 4]);
	sh_s(out, "</div>");
}

static void
sh_summary(struct evbuffer *out, const struct status_view *v,
    const size_t counts[4])
{
	static const char *const	 states[] = {
		"critical", "warning", "unknown", "ok"
	};
	const struct status_target	*t;
	size_t				 i, j, n = 0;

	evbuffer_add_printf(out, "<nav class=\"summary\" id=\"summary\">"
	    "<strong>%zu target%s</strong>", v->ntargets,
	    v->ntargets == 1 ? "" : "s");
	for (i = 0, j = 0; i < 4; i++) {
		if (counts[i] == 0)
			continue;
		evbuffer_add_printf(out, "%s<span class=\"count c-%s\">%zu %s"
		    "</span>", j++ == 0 ? ": " : ", ", states[i], counts[i],
		    states[i]);
	}
	sh_legend(out);
	/* Only what needs attention is listed: 300 "ok" would hide it. */
	for (i = 0; i < v->ntargets; i++) {
		t = &v->targets[i];
		if (strcmp(sh_state_class(t->state), "ok") == 0 && !t->outage)
			continue;
		if (n++ == 0)
			sh_s(out, "\n<ul>");
		evbuffer_add_printf(out, "<li><span class=\"badge b-%s\">",
		    sh_state_class(t->state));
		html_escape_evbuffer(out, sh_empty(t->state) ? "unknown" : t->state);
		sh_s(out, "</span><a href=\"#");
		sh_id(out, "target-", t->name);
		sh_s(out, "\">");
		html_escape_evbuffer(out, t->name);
		sh_s(out, "</a>");
		if (t->outage)
			sh_s(out, " \xe2\x80\x94 new connections fail");
		sh_s(out, "</li>");
	}
	if (n > 0)
		sh_s(out, "</ul>");
	sh_s(out, "</nav>\n");
}

/*
 * The strip: cells oldest to newest, left to right, the newest always
 * in the last cell (missing history pads the left as "none").
 */
static void
sh_strip(struct evbuffer *out, const struct status_frontend *f)
{
	unsigned char	h[STATUS_HISTORY_MAX];
	char		digits[STATUS_HISTORY_MAX + 1];
	size_t		n, skip, i, run, counts[4] = { 0 };

	n = f->history != NULL ? f->nhistory : 0;
	skip = n > STATUS_HISTORY_MAX ? n - STATUS_HISTORY_MAX : 0;
	n -= skip;
	memset(h, STATUS_HISTORY_NONE, sizeof(h));
	for (i = 0; i < n; i++)
		if (f->history[skip + i] <= STATUS_HISTORY_FAILED)
			h[STATUS_HISTORY_MAX - n + i] = f->history[skip + i];
	for (i = 0; i < STATUS_HISTORY_MAX; i++) {
		counts[h[i]]++;
		digits[i] = (char)('0' + h[i]);
	}
	digits[STATUS_HISTORY_MAX] = '\0';

	/* The <title> is the accessible name and the tooltip. */
	evbuffer_add_printf(out, "<svg class=\"strip\" role=\"img\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "data-history=\"%s\"><title>last %d probes, oldest first: "
	    "%zu ok, %zu warning, %zu failed, %zu no result</title>",
	    SH_WIDTH, SH_HEIGHT, SH_WIDTH / 2 + 1, SH_HEIGHT, digits,
	    STATUS_HISTORY_MAX, counts[1], counts[2], counts[3], counts[0]);
	for (i = 0; i < STATUS_HISTORY_MAX; i += run) {
		for (run = 1; i + run < STATUS_HISTORY_MAX &&
		    h[i + run] == h[i]; run++)
			;
		/* "No result" is a low bar: an absence, not a state. */
		if (h[i] == STATUS_HISTORY_NONE)
			evbuffer_add_printf(out, "<rect class=\"c0\" x=\"%zu\" "
			    "y=\"%d\" width=\"%zu\" height=\"4\"/>",
			    i * SH_PITCH, SH_HEIGHT / 2 - 2,
			    run * SH_PITCH - 1);
		else
			evbuffer_add_printf(out, "<rect class=\"c%d\" "
			    "x=\"%zu\" width=\"%zu\" height=\"%d\"/>", h[i],
			    i * SH_PITCH, run * SH_PITCH - 1, SH_HEIGHT);
	}
	/* One dashed line (see .gaps) draws the 59 gaps between cells. */
	evbuffer_add_printf(out, "<path class=\"gaps\" d=\"M0 %dH%d\"/>"
	    "</svg>", SH_HEIGHT / 2, SH_WIDTH);
}

static void
sh_verdict(struct evbuffer *out, const char *verdict)
{
	const char	*cls;

	if (sh_empty(verdict)) {
		sh_s(out, "<span class=\"verdict v-none\">not probed yet"
		    "</span>");
		return;
	}
	if (strcmp(verdict, "ok") == 0)
		cls = "v-ok";
	else if (strcmp(verdict, "cert_expiring") == 0)
		cls = "v-warn";
	else
		cls = "v-fail";
	evbuffer_add_printf(out, "<span class=\"verdict %s\">", cls);
	html_escape_evbuffer(out, verdict);
	sh_s(out, "</span>");
}

static void
sh_days(struct evbuffer *out, double days)
{
	double	d;

	if (isnan(days))
		sh_s(out, "<td class=\"days d-unknown\">unknown</td>");
	else if (days < 0 && (d = floor(-days)) >= 1)
		evbuffer_add_printf(out, "<td class=\"days d-expired\">"
		    "expired %.0f day%s ago</td>", d, d == 1 ? "" : "s");
	else if (days < 0)
		sh_s(out, "<td class=\"days d-expired\">expired today</td>");
	else if (days < 1)
		evbuffer_add_printf(out, "<td class=\"days d-soon\">%.0f h "
		    "left</td>", floor(days * 24));
	else {
		d = days > 1e6 ? 1e6 : floor(days);
		evbuffer_add_printf(out, "<td class=\"days\">%.0f day%s</td>",
		    d, d == 1 ? "" : "s");
	}
}

static void
sh_frontend(struct evbuffer *out, const struct status_view *v,
    const struct status_frontend *f)
{
	const char	*cls;
	char		 ago[64], iso[32];

	sh_s(out, "<tr class=\"frontend\" data-frontend=\"");
	html_escape_evbuffer(out, f->address);
	sh_s(out, "\" data-verdict=\"");
	html_escape_evbuffer(out, f->verdict);
	sh_s(out, "\">\n<td class=\"addr\">");
	html_escape_evbuffer(out, f->address);
	sh_s(out, "</td><td>");
	sh_verdict(out, f->verdict);
	sh_s(out, "</td><td class=\"error\">");
	html_escape_evbuffer(out, f->error);
	if (f->revocation != NULL) {
		sh_s(out, "<span class=\"revocation\">revocation: ");
		html_escape_evbuffer(out, f->revocation);
		sh_s(out, "</span>");
	}
	sh_s(out, "</td>\n<td class=\"last\">");
	if (f->last_success == 0)
		sh_s(out, "<span class=\"never\">never</span>");
	else {
		sh_ago(ago, sizeof(ago), v->now, f->last_success);
		sh_time_utc(iso, sizeof(iso), f->last_success, 1);
		evbuffer_add_printf(out, "<time datetime=\"%s\" title=\"%s\">"
		    "%s</time>", iso, iso, ago);
	}
	sh_s(out, "</td>");
	sh_days(out, f->days_left);
	if (f->flows_total <= 0)
		sh_s(out, "<td class=\"flows f-none\">none</td>");
	else {
		if (f->flows_up >= f->flows_total)
			cls = "f-up";
		else if (f->flows_up <= 0)
			cls = "f-down";
		else
			cls = "f-partial";
		evbuffer_add_printf(out, "<td class=\"flows %s\">%d/%d up</td>",
		    cls, f->flows_up < 0 ? 0 : f->flows_up, f->flows_total);
	}
	sh_s(out, "\n<td>");
	sh_strip(out, f);
	sh_s(out, "</td></tr>\n");
}

static void
sh_target(struct evbuffer *out, const struct status_view *v,
    const struct status_target *t)
{
	const char	*cls = sh_state_class(t->state);
	size_t		 i;

	evbuffer_add_printf(out, "<section class=\"target s-%s\" id=\"", cls);
	sh_id(out, "target-", t->name);
	sh_s(out, "\" data-target=\"");
	html_escape_evbuffer(out, t->name);
	sh_s(out, "\" data-state=\"");
	html_escape_evbuffer(out, t->state);
	evbuffer_add_printf(out, "\">\n<h2><span class=\"badge b-%s\">", cls);
	html_escape_evbuffer(out, sh_empty(t->state) ? "unknown" : t->state);
	sh_s(out, "</span>");
	html_escape_evbuffer(out, t->name);
	sh_s(out, "</h2>\n<p class=\"meta\"><span class=\"uri\">");
	html_escape_evbuffer(out, t->uri);
	sh_s(out, "</span>");
	if (!sh_empty(t->owner)) {
		sh_s(out, " \xc2\xb7 owner <span class=\"owner\">");
		html_escape_evbuffer(out, t->owner);
		sh_s(out, "</span>");
	}
	evbuffer_add_printf(out, " \xc2\xb7 %zu frontend%s</p>\n",
	    t->nfrontends, t->nfrontends == 1 ? "" : "s");
	if (t->insecure)
		sh_s(out, "<p class=\"insecure\"><strong>TLS verification is "
		    "off</strong> for this target (insecure_skip_verify = yes):"
		    " certificate problems are not failures here.</p>\n");
	if (t->outage) {
		sh_s(out, "<div class=\"outage\" role=\"alert\" id=\"");
		sh_id(out, "outage-", t->name);
		sh_s(out, "\"><strong>New connections fail while existing "
		    "flows are up.</strong> Fresh probes fail at the TLS or "
		    "certificate layer while persistent flows stay registered "
		    "(new_connection_outage).</div>\n");
	} else
		sh_s(out, "<p class=\"detector\">new_connection_outage: not "
		    "firing</p>\n");
	if (t->nfrontends == 0) {
		sh_s(out, "<p class=\"none\">No frontends located.</p>\n"
		    "</section>\n");
		return;
	}
	sh_s(out, "<table class=\"frontends\">\n<thead><tr><th>Frontend</th>"
	    "<th>Verdict</th><th>Error</th><th>Last success</th>"
	    "<th>Certificate</th><th>Flows</th><th title=\"oldest left, "
	    "newest right\">Last 60 probes</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < t->nfrontends; i++)
		sh_frontend(out, v, &t->frontends[i]);
	sh_s(out, "</tbody></table>\n</section>\n");
}

/* A refused reload: the page must not look as if the new file ran. */
static void
sh_reload_failed(struct evbuffer *out, const struct status_view *v)
{
	char	 when[32];

	timefmt_rfc3339(v->reload_failed_at, when, sizeof(when));
	sh_s(out, "<p class=\"reload-failed\"><strong>The last reload was "
	    "refused</strong> (");
	html_escape_evbuffer(out, when);
	sh_s(out, "): ");
	html_escape_evbuffer(out, v->reload_error);
	sh_s(out, ". The configuration loaded before it is still in "
	    "force.</p>\n");
}

/* Targets configured but not probed: never a silent gap on the page. */
static void
sh_broken(struct evbuffer *out, const struct status_view *v)
{
	size_t i;

	sh_s(out, "<section class=\"broken\"><h2>Not probed</h2>\n<ul>\n");
	for (i = 0; i < v->nbroken; i++) {
		sh_s(out, "<li data-target=\"");
		html_escape_evbuffer(out, v->broken[i].name);
		sh_s(out, "\"><strong>");
		html_escape_evbuffer(out, v->broken[i].name);
		sh_s(out, "</strong> (");
		html_escape_evbuffer(out, v->broken[i].uri);
		sh_s(out, "): sipcanary cannot probe it: ");
		html_escape_evbuffer(out, v->broken[i].reason);
		sh_s(out, "</li>\n");
	}
	sh_s(out, "</ul>\n</section>\n");
}

void
status_html_write(struct evbuffer *out, const struct status_view *v)
{
	size_t		counts[4] = { 0 };	/* crit, warn, unknown, ok */
	const char	*c;
	size_t		 i;

	for (i = 0; i < v->ntargets; i++) {
		c = sh_state_class(v->targets[i].state);
		if (strcmp(c, "critical") == 0)
			counts[0]++;
		else if (strcmp(c, "warning") == 0)
			counts[1]++;
		else if (strcmp(c, "unknown") == 0)
			counts[2]++;
		else
			counts[3]++;
	}
	sh_head(out, v, counts[0], counts[1]);
	sh_header(out, v);
	if (!sh_empty(v->reload_error))
		sh_reload_failed(out, v);
	if (v->nbroken > 0)
		sh_broken(out, v);
	if (v->no_sinks)
		sh_s(out, "<p class=\"no-sinks\"><strong>Alerts are delivered "
		    "nowhere:</strong> no sink is configured, so nobody is "
		    "paged. Firing alerts show only here, on /alerts and in "
		    "/metrics.</p>\n");
	if (!sh_empty(v->alerts_html)) {
		sh_s(out, "<section class=\"alerts\" id=\"alerts\">"
		    "<h2>Firing alerts</h2>\n");
		sh_s(out, v->alerts_html);
		sh_s(out, "\n</section>\n");
	}
	sh_summary(out, v, counts);
	if (v->ntargets == 0)
		sh_s(out, "<p class=\"none\">No targets configured.</p>\n");
	for (i = 0; i < v->ntargets; i++)
		sh_target(out, v, &v->targets[i]);
	sh_s(out, "<footer><p>sipcanary");
	if (!sh_empty(v->version)) {
		sh_s(out, " ");
		html_escape_evbuffer(out, v->version);
	}
	sh_s(out, " \xc2\xb7 <a href=\"metrics\">metrics</a> \xc2\xb7 "
	    "<a href=\"healthz\">healthz</a></p></footer>\n</body>\n</html>\n");
}
