/*
 * suggest.h - "did you mean": the known name nearest to a mistyped one,
 * for command-line options and config keys alike.
 */
#ifndef SC_SUGGEST_H
#define SC_SUGGEST_H

#include <stddef.h>

/*
 * The edit distance (insertions, deletions, substitutions) between a and
 * b, counted up to SUGGEST_FAR: anything further is SUGGEST_FAR.
 */
#define SUGGEST_FAR	3
int	suggest_distance(const char *a, const char *b);

/*
 * Whether name is near enough to word to be suggested for it: within
 * two edits, and fewer edits than word has characters (so that "s" or
 * "x" suggests nothing).
 */
int	suggest_near(const char *word, const char *name);

/*
 * The name in list (names separated by ", " and " or ", as the messages
 * list them) nearest to word, if suggest_near(); copied into buf.
 * Returns buf, or NULL when nothing is near.
 */
const char *suggest_from_list(const char *word, const char *list, char *buf,
	    size_t len);

#endif /* SC_SUGGEST_H */
