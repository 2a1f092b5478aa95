/*
 * cmd_report.c - `sipcanary report`: work on drill reports after the
 * fact.
 *
 *   sipcanary report merge A.json B.json ... [--report-json OUT.json]
 *       [--report-html OUT.html]
 *   sipcanary report html IN.json --report-html OUT.html
 *
 * Owns: the command line, reading report files (errors name the file),
 * and writing outputs.  Outputs are written to a temporary file next to
 * the target and renamed into place, so a failed run never leaves half
 * a report where a dashboard or a ticket expects a whole one.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "drill/report_html.h"
#include "drill/report_merge.h"

#define REPORT_USAGE	"merge|html [OPTIONS] REPORT.json..."

static void
report_usage(FILE *fp)
{
	fprintf(fp,
"usage: sipcanary report merge [OPTIONS] REPORT.json...\n"
"       sipcanary report html REPORT.json --report-html OUT.html\n"
"\n"
"merge   merges the JSON reports of the shards of one drill (each run\n"
"        with 'sipcanary drill --shard i/N') into one report: counts and\n"
"        verdicts are added, latency histograms merged and percentiles\n"
"        recomputed, timelines aligned on wall-clock time, and the drill\n"
"        verdict recomputed against --max-failure-ratio of the shards.\n"
"        The reports must be of the same scenario with the same steps.\n"
"html    renders a JSON drill report (one shard or merged) as a\n"
"        self-contained HTML page again.\n"
"\n"
"options:\n"
"  --report-json FILE   write the merged JSON report to FILE (merge)\n"
"  --report-html FILE   write the HTML report to FILE\n"
"                       FILE may be - for standard output\n"
"  -h, --help           this help\n"
"\n"
"Exit status: 0 done (merge: the merged drill passed), 1 the merged\n"
"drill failed, 2 usage error or a report that cannot be read.\n"
"\n"
"examples:\n"
"  sipcanary report merge shard-0.json shard-1.json shard-2.json \\\n"
"      --report-json drill.json --report-html drill.html\n"
"  sipcanary report merge results/*.json --report-html - > drill.html\n"
"  sipcanary report html drill.json --report-html drill.html\n");
}

#define report_bad(...) \
	cli_usage_error("report", REPORT_USAGE, EXIT_USAGE, __VA_ARGS__)

static const struct option report_longopts[] = {
	{ "report-json",	required_argument,	NULL, 'j' },
	{ "report-html",	required_argument,	NULL, 'H' },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Reads and checks one report file; NULL after saying why. */
static json_t *
report_load(const char *path, const json_t *ref, const char *refpath)
{
	json_error_t	 jerr;
	json_t		*doc;
	char		 err[256];

	if ((doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr))
	    == NULL) {
		if (jerr.line > 0)
			fprintf(stderr, "sipcanary report: %s:%d:%d: %s\n",
			    path, jerr.line, jerr.column, jerr.text);
		else
			fprintf(stderr, "sipcanary report: %s: %s\n", path,
			    jerr.text);
		return NULL;
	}
	if (report_check(doc, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "sipcanary report: %s: %s\n", path, err);
		goto fail;
	}
	if (ref != NULL && report_check(doc, ref, err, sizeof(err)) == -1) {
		fprintf(stderr, "sipcanary report: %s: %s (the first report "
		    "is %s): not a shard of the same drill\n", path, err,
		    refpath);
		goto fail;
	}
	return doc;
 fail:
	json_decref(doc);
	return NULL;
}

static int
report_write_json(FILE *fp, json_t *doc, char *err, size_t errlen)
{
	if (json_dumpf(doc, fp, JSON_INDENT(1)) == -1 || fputc('\n', fp)
	    == EOF) {
		snprintf(err, errlen, "write error");
		return -1;
	}
	return 0;
}

/*
 * Writes doc to an open stream (standard output, a device, a FIFO) as
 * JSON or HTML; name is for the message.  Returns 0, or -1 after saying
 * why.
 */
static int
report_output_stream(FILE *fp, const char *name, json_t *doc, int html)
{
	char	 err[256];
	int	 rc;

	rc = html ? report_html_write(fp, doc, err, sizeof(err)) :
	    report_write_json(fp, doc, err, sizeof(err));
	if (rc == 0 && fflush(fp) == EOF) {
		snprintf(err, sizeof(err), "%s", strerror(errno));
		rc = -1;
	}
	if (rc == -1) {
		fprintf(stderr, "sipcanary report: %s: %s\n", name, err);
		clearerr(fp);	/* said: the end of the command need not */
	}
	return rc;
}

/*
 * Writes doc to path ("-": stdout) as JSON (html == 0) or HTML.  A file
 * is written beside its place and renamed into it, so that a failed run
 * never leaves half a report; anything else that exists there (a
 * device such as /dev/null, a FIFO) is written to as it is, never
 * replaced.  Returns 0, or -1 after saying why.
 */
static int
report_output(const char *path, json_t *doc, int html)
{
	FILE		*fp = NULL;
	char		*tmp = NULL, err[256];
	int		 fd = -1, rc;
	mode_t		 um;
	struct stat	 st;

	if (strcmp(path, "-") == 0)
		return report_output_stream(stdout, "standard output", doc,
		    html);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if ((fp = fopen(path, "w")) == NULL) {
			fprintf(stderr, "sipcanary report: %s: %s\n", path,
			    strerror(errno));
			return -1;
		}
		rc = report_output_stream(fp, path, doc, html);
		if (fclose(fp) == EOF && rc == 0) {
			fprintf(stderr, "sipcanary report: %s: %s\n", path,
			    strerror(errno));
			rc = -1;
		}
		return rc;
	}
	if (asprintf(&tmp, "%s.XXXXXX", path) == -1) {
		tmp = NULL;
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	if ((fd = mkstemp(tmp)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, sizeof(err), "cannot create %s: %s", tmp,
		    strerror(errno));
		if (fd == -1) {
			free(tmp);
			tmp = NULL;
		}
		goto fail;
	}
	fd = -1;
	/* mkstemp makes 0600; a report is no secret: honour the umask */
	um = umask(0);
	umask(um);
	(void)fchmod(fileno(fp), 0666 & ~um);
	rc = html ? report_html_write(fp, doc, err, sizeof(err)) :
	    report_write_json(fp, doc, err, sizeof(err));
	if (rc == -1)
		goto fail;
	if (fclose(fp) == EOF) {
		fp = NULL;
		snprintf(err, sizeof(err), "%s", strerror(errno));
		goto fail;
	}
	fp = NULL;
	if (rename(tmp, path) == -1) {
		snprintf(err, sizeof(err), "cannot rename %s: %s", tmp,
		    strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
 fail:
	fprintf(stderr, "sipcanary report: %s: %s\n", path, err);
	if (fp != NULL)
		fclose(fp);
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	return -1;
}

/*
 * A merge error names its input as "report N of M: ..."; say which
 * file that is.
 */
static void
report_merge_error(const char *err, char **files, size_t n)
{
	size_t	 i, m;
	int	 off = 0;

	if (sscanf(err, "report %zu of %zu: %n", &i, &m, &off) == 2 &&
	    off > 0 && i >= 1 && i <= n)
		fprintf(stderr, "sipcanary report: merge: %s: %s\n",
		    files[i - 1], err + off);
	else
		fprintf(stderr, "sipcanary report: merge: %s\n", err);
}

/* One line for the terminal or the CI log. */
static void
report_say(FILE *fp, json_t *doc, size_t n)
{
	const json_t *sum = json_object_get(doc, "summary");

	fprintf(fp, "sipcanary report: merged %zu report%s: %lld clients, "
	    "%lld failed, %lld of %lld expectations failed (%.3g%%, max "
	    "%.3g%%): %s\n", n, n == 1 ? "" : "s",
	    (long long)json_integer_value(json_object_get(sum, "clients")),
	    (long long)json_integer_value(json_object_get(sum,
	    "clients_failed")),
	    (long long)json_integer_value(json_object_get(sum,
	    "expectations_failed")),
	    (long long)json_integer_value(json_object_get(sum,
	    "expectations")),
	    100 * json_number_value(json_object_get(sum, "failure_ratio")),
	    100 * json_number_value(json_object_get(json_object_get(doc,
	    "settings"), "max_failure_ratio")),
	    json_is_true(json_object_get(sum, "passed")) ? "passed" :
	    "FAILED");
}

/* What the command line asks of `sipcanary report`. */
struct report_args {
	int		 merge;		/* merge, else html */
	const char	*json_out;
	const char	*html_out;
	char		**files;
	int		 nfiles;
};

/* The options after the subcommand: CLI_CONTINUE or the exit code. */
static int
report_options(struct report_args *a, int argc, char **argv)
{
	int ch;

	/* getopt sees the subcommand as argv[0] */
	optind = 1;
	opterr = 0;	/* getopt would say "merge: ..." */
	while ((ch = getopt_long(argc, argv, ":h", report_longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'j':
			a->json_out = optarg;
			break;
		case 'H':
			a->html_out = optarg;
			break;
		case 'h':
			report_usage(stdout);
			return 0;
		case ':':
			return report_bad("%s needs an argument",
			    argv[optind - 1]);
		default:
			return report_bad("unknown option %s",
			    argv[optind - 1]);
		}
	}
	a->files = argv + optind;
	a->nfiles = argc - optind;
	return CLI_CONTINUE;
}

/* The subcommand, options and files: CLI_CONTINUE or the exit code. */
static int
report_parse(struct report_args *a, int argc, char **argv)
{
	int rc;

	memset(a, 0, sizeof(*a));
	if (argc < 2)
		return report_bad("say merge or html");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		report_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "merge") == 0)
		a->merge = 1;
	else if (strcmp(argv[1], "html") != 0)
		return report_bad("unknown report command \"%s\" (merge or "
		    "html)", argv[1]);
	if ((rc = report_options(a, argc - 1, argv + 1)) != CLI_CONTINUE)
		return rc;
	if (a->merge) {
		if (a->nfiles < 1)
			return report_bad("merge: give the shard reports "
			    "to merge");
		if (a->json_out == NULL && a->html_out == NULL)
			return report_bad("merge: give --report-json and/or "
			    "--report-html");
	} else {
		if (a->nfiles != 1)
			return report_bad("html: give exactly one report "
			    "(got %d)", a->nfiles);
		if (a->json_out != NULL)
			return report_bad("html: --report-json is for merge");
		if (a->html_out == NULL)
			return report_bad("html: give --report-html FILE");
	}
	if (a->json_out != NULL && a->html_out != NULL &&
	    strcmp(a->json_out, a->html_out) == 0)
		return report_bad("--report-json and --report-html are both "
		    "\"%s\"", a->json_out);
	return CLI_CONTINUE;
}

/* Merges the n loaded docs and writes the outputs: the exit code. */
static int
report_merge_out(const struct report_args *a, json_t **docs, size_t n)
{
	json_t	*merged;
	char	 err[512];
	int	 rc = EXIT_USAGE;

	if ((merged = report_merge(docs, n, err, sizeof(err))) == NULL) {
		report_merge_error(err, a->files, n);
		return EXIT_USAGE;
	}
	if (a->json_out != NULL && report_output(a->json_out, merged, 0) == -1)
		goto done;
	if (a->html_out != NULL && report_output(a->html_out, merged, 1) == -1)
		goto done;
	report_say((a->json_out && strcmp(a->json_out, "-") == 0) ||
	    (a->html_out && strcmp(a->html_out, "-") == 0) ? stderr : stdout,
	    merged, n);
	rc = json_is_true(json_object_get(json_object_get(merged, "summary"),
	    "passed")) ? 0 : EXIT_PROBE_FAILED;
 done:
	json_decref(merged);
	return rc;
}

int
cmd_report(int argc, char **argv)
{
	struct report_args	  a;
	json_t			**docs;
	size_t			  n = 0, i;
	int			  rc;

	if ((rc = report_parse(&a, argc, argv)) != CLI_CONTINUE)
		return rc;
	if ((docs = calloc((size_t)a.nfiles, sizeof(*docs))) == NULL) {
		fprintf(stderr, "sipcanary report: out of memory\n");
		return EXIT_USAGE;
	}
	rc = EXIT_USAGE;
	for (i = 0; i < (size_t)a.nfiles; i++, n++)
		if ((docs[i] = report_load(a.files[i], i ? docs[0] : NULL,
		    a.files[0])) == NULL)
			goto done;
	if (a.merge)
		rc = report_merge_out(&a, docs, n);
	else if (report_output(a.html_out, docs[0], 1) == 0)
		rc = 0;
 done:
	for (i = 0; i < n; i++)
		json_decref(docs[i]);
	free(docs);
	return rc;
}
