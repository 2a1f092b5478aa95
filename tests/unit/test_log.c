/*
 * test_log.c - the write loop of log lines and records (fd_write_all)
 * and the log's count of lines it could not write: a non-blocking pipe
 * with a slow reader gets every byte in order, through short writes and
 * EAGAIN; a reader that never reads times the wait out; /dev/full is an
 * error; a log line to a full stderr is counted.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/fdwrite.h"
#include "common/log.h"

#define BIG	(1024 * 1024)	/* sixteen times a pipe's 64 KiB */

/* A pipe whose write end is non-blocking: fds[0] reads, fds[1] writes. */
static void
nb_pipe(int fds[2])
{
	assert_int_equal(pipe(fds), 0);
	assert_int_not_equal(fcntl(fds[1], F_SETFL, O_NONBLOCK), -1);
}

/*
 * The child: reads fd in 1000-byte bites with a pause between some, and
 * exits 0 if it got exactly BIG bytes of the pattern, in order.
 */
static void
slow_reader(int fd)
{
	struct timespec	 nap = { 0, 200000 };
	unsigned char	 b[1000];
	size_t		 got = 0, i;
	ssize_t		 n;

	while ((n = read(fd, b, sizeof(b))) > 0) {
		for (i = 0; i < (size_t)n; i++)
			if (b[i] != (unsigned char)((got + i) % 251))
				_exit(2);
		got += (size_t)n;
		if (got % 16000 < 1000)
			nanosleep(&nap, NULL);
	}
	_exit(got == BIG ? 0 : 1);
}

static void
test_slow_reader(void **state)
{
	unsigned char	*buf;
	size_t		 done = 0, i;
	pid_t		 pid;
	int		 fds[2], st;

	(void)state;
	assert_non_null(buf = malloc(BIG));
	for (i = 0; i < BIG; i++)
		buf[i] = (unsigned char)(i % 251);
	nb_pipe(fds);
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		close(fds[1]);
		slow_reader(fds[0]);
	}
	close(fds[0]);
	assert_int_equal(fd_write_all(fds[1], buf, BIG, 10000, &done), 0);
	assert_int_equal(done, BIG);
	close(fds[1]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	free(buf);
}

static void
test_stuck_reader(void **state)
{
	static char	 buf[BIG];
	size_t		 done = 0;
	int		 fds[2];

	(void)state;
	nb_pipe(fds);
	assert_int_equal(fd_write_all(fds[1], buf, sizeof(buf), 50, &done),
	    -1);
	assert_int_equal(errno, ETIMEDOUT);
	/* What the pipe took, and no more. */
	assert_true(done > 0 && done < sizeof(buf));
	close(fds[0]);
	close(fds[1]);
}

static void
test_full(void **state)
{
	size_t	 done = 1;
	int	 fd;

	(void)state;
	if ((fd = open("/dev/full", O_WRONLY)) == -1)
		skip();
	assert_int_equal(fd_write_all(fd, "x\n", 2, 0, &done), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(done, 0);
	close(fd);
}

static void
test_log_counts(void **state)
{
	unsigned long long	 n0;
	int			 saved, fd;

	(void)state;
	if ((fd = open("/dev/full", O_WRONLY)) == -1)
		skip();
	assert_int_not_equal(saved = dup(STDERR_FILENO), -1);
	n0 = log_write_errors();
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	log_init(LOG_JSON, LOG_INFO);
	log_event(LOG_ERROR, "t", "127.0.0.1:5061", "ok", "a line");
	log_init(LOG_LOGFMT, LOG_INFO);
	log_event(LOG_WARN, "t", NULL, NULL, "another");
	log_event(LOG_DEBUG, "t", NULL, NULL, "below the level: not written");
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(fd);
	assert_int_equal(log_write_errors() - n0, 2);
	/* Written: nothing more counted. */
	log_event(LOG_INFO, NULL, NULL, NULL, "test_log: this line goes out");
	assert_int_equal(log_write_errors() - n0, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slow_reader),
		cmocka_unit_test(test_stuck_reader),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_log_counts),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
