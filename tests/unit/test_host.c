/* SPDX-License-Identifier: MIT */
/* test_host.c: the pieces of the SSH driver that need no host: what `host add` accepts
 * and refuses (names, logins, directories: path traversal), the agent's frames and
 * errors across them, directories shipped as package streams and taken in on the
 * other side (byte for byte; links and tampered streams refused), and the paths the
 * agent lets a controller name. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "runtime/host_agent.h"
#include "runtime/host_int.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/package/archive.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_names_logins_dirs(void **state)
{
	struct host_rec h;
	struct ferry_error err;

	(void)state;
	assert_int_equal(host_name_check("web-1", NULL), 0);
	assert_int_equal(host_name_check("1web", NULL), FERRY_EINVAL);
	assert_int_equal(host_name_check("Web", NULL), FERRY_EINVAL);
	assert_int_equal(host_name_check("a;b", NULL), FERRY_EINVAL);
	assert_int_equal(host_name_check("", NULL), FERRY_EINVAL);

	memset(&h, 0, sizeof(h));
	assert_int_equal(host_ssh_parse("deploy@10.0.0.2", &h, NULL), 0);
	assert_string_equal(h.user, "deploy");
	assert_string_equal(h.address, "10.0.0.2");
	assert_int_equal(h.port, 22);
	assert_int_equal(host_ssh_parse("root@db.example.org:2222", &h, NULL), 0);
	assert_string_equal(h.address, "db.example.org");
	assert_int_equal(h.port, 2222);
	assert_int_equal(host_ssh_parse("root@[fd00::2]:22", &h, NULL), 0);
	assert_string_equal(h.address, "fd00::2");
	assert_int_equal(host_ssh_parse("10.0.0.2", &h, NULL), FERRY_EINVAL);
	assert_int_equal(host_ssh_parse("root@-oProxyCommand=x", &h, NULL), FERRY_EINVAL);
	assert_int_equal(host_ssh_parse("root@a b", &h, NULL), FERRY_EINVAL);
	assert_int_equal(host_ssh_parse("ro$ot@a", &h, NULL), FERRY_EINVAL);
	assert_int_equal(host_ssh_parse("root@a:0", &h, NULL), FERRY_EINVAL);
	assert_int_equal(host_ssh_parse("root@a:65536", &h, NULL), FERRY_EINVAL);

	assert_int_equal(host_dir_check("/srv/ferry", NULL), 0);
	assert_int_equal(host_dir_check("/srv/ferry-2/x_y.z", NULL), 0);
	assert_int_equal(host_dir_check("/srv/../etc", &err), FERRY_EUNSAFE);
	assert_non_null(strstr(err.msg, "path traversal"));
	assert_int_equal(host_dir_check("/srv/./x", NULL), FERRY_EUNSAFE);
	assert_int_equal(host_dir_check("/srv//x", NULL), FERRY_EUNSAFE);
	assert_int_equal(host_dir_check("/srv/$(x)", NULL), FERRY_EUNSAFE);
	assert_int_equal(host_dir_check("/srv/a b", NULL), FERRY_EUNSAFE);
	assert_int_equal(host_dir_check("srv", NULL), FERRY_EINVAL);
	assert_int_equal(host_dir_check("/", NULL), FERRY_EINVAL);
	assert_int_equal(host_dir_check("/srv/", NULL), FERRY_EINVAL);
}

static void test_frames_and_errors(void **state)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	struct ferry_error err, back;
	json_t *o, *e;
	char type;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	o = json_pack("{s:s, s:i}", "op", "hello", "proto", HOST_PROTO);
	assert_int_equal(wire_write_json(p[1], o), 0);
	assert_int_equal(wire_write(p[1], WIRE_DATA, "abc", 3), 0);
	assert_int_equal(wire_write(p[1], WIRE_END, NULL, 0), 0);
	close(p[1]);
	assert_int_equal(wire_read(p[0], &type, &b), 1);
	assert_int_equal(type, WIRE_JSON);
	assert_non_null(strstr(b.data, "\"hello\""));
	assert_int_equal(wire_read(p[0], &type, &b), 1);
	assert_int_equal(type, WIRE_DATA);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "abc", 3);
	assert_int_equal(wire_read(p[0], &type, &b), 1);
	assert_int_equal(type, WIRE_END);
	assert_int_equal(wire_read(p[0], &type, &b), 0);      /* EOF between frames */
	close(p[0]);
	json_decref(o);

	/* a frame of an unknown type, or cut short, is broken */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "X\0\0\0\0", 5), 5);
	close(p[1]);
	assert_int_equal(wire_read(p[0], &type, &b), -1);
	close(p[0]);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "D\0\0\0\x09" "abc", 8), 8);
	close(p[1]);
	assert_int_equal(wire_read(p[0], &type, &b), -1);
	close(p[0]);

	ferry_error_set(&err, FERRY_EVERIFY, "its host key changed");
	e = wire_error_json(&err);
	assert_int_equal(wire_error_from(e, &back), FERRY_EVERIFY);
	assert_string_equal(back.msg, "its host key changed");
	json_decref(e);
	o = json_pack("{s:b}", "ok", 1);
	assert_int_equal(wire_error_from(o, &back), 0);
	json_decref(o);
	ferry_buf_release(&b);
}

/* ---- shipping ---- */

static char dir[256];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ferry-test-host-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	(void)state;
	ferry_rm_rf(dir, NULL);
	return 0;
}

static void put(const char *rel, const char *text, unsigned mode)
{
	char p[512], *slash;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	slash = strrchr(p, '/');
	*slash = '\0';
	assert_int_equal(ferry_mkdir_p(p, 0755, NULL), 0);
	*slash = '/';
	assert_int_equal(ferry_write_file_atomic(p, text, strlen(text), mode, NULL), 0);
}

static void same_file(const char *a, const char *b)
{
	struct ferry_buf x = FERRY_BUF_INIT, y = FERRY_BUF_INIT;

	assert_int_equal(ferry_buf_read_file(&x, a), 0);
	assert_int_equal(ferry_buf_read_file(&y, b), 0);
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.data, y.data, x.len);
	ferry_buf_release(&x);
	ferry_buf_release(&y);
}

static void ship(const char *src, const char *stream)
{
	int fd = open(stream, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	struct host_sink sink = { host_fd_write, &fd };
	struct ferry_error err;

	assert_true(fd >= 0);
	if (host_ship_write(src, &sink, &err))
		fail_msg("ship: %s", err.msg);
	close(fd);
}

static int receive(const char *stream, const char *dest, struct ferry_error *err)
{
	struct ferry_intake_limits lim;
	char tmp[600];
	int fd = open(stream, O_RDONLY), rc;
	struct host_src src = { host_fd_read, &fd };

	ferry_intake_limits_init(&lim, NULL);
	snprintf(tmp, sizeof(tmp), "%s.spool", dest);
	rc = host_ship_receive(&src, tmp, dest, &lim, err);
	close(fd);
	assert_false(ferry_path_exists(tmp));
	return rc;
}

static void test_ship_round_trip(void **state)
{
	const char *man = "{\"format\": 1, \"name\": \"app\", \"version\": \"1.0.0\", \"type\": \"application\","
			  " \"product\": \"finance-operations\", \"provides\": {\"release\": \"7.3\"}}\n";
	char src[300], dest[300], stream[300], a[400], b[400];
	struct ferry_error err;
	struct stat st;

	(void)state;
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dest, sizeof(dest), "%s/dest", dir);
	snprintf(stream, sizeof(stream), "%s/stream", dir);
	put("src/manifest.json", man, 0644);
	put("src/bin/app", "#!/bin/sh\necho hi\n", 0755);
	put("src/sql/up.sql", "select 1;\n", 0444);
	put("src/.ferry/release.json", "{}\n", 0444);
	ship(src, stream);
	if (receive(stream, dest, &err))
		fail_msg("receive: %s", err.msg);
	/* the manifest byte for byte, every file, the executable bit; nothing of the stream */
	snprintf(a, sizeof(a), "%s/manifest.json", src);
	snprintf(b, sizeof(b), "%s/manifest.json", dest);
	same_file(a, b);
	snprintf(a, sizeof(a), "%s/bin/app", src);
	snprintf(b, sizeof(b), "%s/bin/app", dest);
	same_file(a, b);
	assert_int_equal(stat(b, &st), 0);
	assert_true(st.st_mode & 0100);
	snprintf(a, sizeof(a), "%s/.ferry/release.json", src);
	snprintf(b, sizeof(b), "%s/.ferry/release.json", dest);
	same_file(a, b);
	snprintf(b, sizeof(b), "%s/.ferry-ship", dest);
	assert_false(ferry_path_exists(b));

	/* the destination must not exist: nothing is merged into a tree */
	assert_int_not_equal(receive(stream, dest, &err), 0);
}

static void test_ship_refusals(void **state)
{
	char src[300], dest[300], stream[300], link[400];
	struct ferry_buf b = FERRY_BUF_INIT;
	struct ferry_error err;
	char *at;
	int fd;

	(void)state;
	snprintf(src, sizeof(src), "%s/src2", dir);
	snprintf(dest, sizeof(dest), "%s/dest2", dir);
	snprintf(stream, sizeof(stream), "%s/stream2", dir);
	put("src2/manifest.json", "{\"format\": 1, \"name\": \"app\", \"version\": \"1.0.0\", "
	    "\"type\": \"application\", \"product\": \"finance-operations\"}\n", 0644);
	put("src2/data.txt", "the original payload of this file\n", 0644);
	ship(src, stream);
	/* a byte of a file changed in transit: its SHA-256 no longer matches */
	assert_int_equal(ferry_buf_read_file(&b, stream), 0);
	{
		/* the stream is compressed: flip a byte in the middle and expect a refusal */
		b.data[b.len / 2] ^= 0x55;
		fd = open(stream, O_WRONLY | O_TRUNC);
		assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
		close(fd);
	}
	assert_int_not_equal(receive(stream, dest, &err), 0);
	assert_false(ferry_path_exists(dest));
	ferry_buf_release(&b);

	/* a tree holding a symbolic link is not shipped */
	snprintf(link, sizeof(link), "%s/evil", src);
	assert_int_equal(symlink("/etc/passwd", link), 0);
	fd = open(stream, O_WRONLY | O_TRUNC);
	{
		struct host_sink sink = { host_fd_write, &fd };
		assert_int_equal(host_ship_write(src, &sink, &err), FERRY_EUNSAFE);
		at = strstr(err.msg, "not a regular file");
		assert_non_null(at);
	}
	close(fd);
}

static void test_agent_paths(void **state)
{
	struct agent a;

	(void)state;
	memset(&a, 0, sizeof(a));
	snprintf(a.dir, sizeof(a.dir), "/srv/ferry");
	assert_true(agent_under(&a, "/srv/ferry/environments/prod", "environments"));
	assert_true(agent_under(&a, "/srv/ferry/environments/prod/upgrade.3/db/app.db", "environments"));
	assert_false(agent_under(&a, "/srv/ferry/environments", "environments"));
	assert_false(agent_under(&a, "/srv/ferry/environments/", "environments"));
	assert_false(agent_under(&a, "/srv/ferry/environments/../bin/ferry", "environments"));
	assert_false(agent_under(&a, "/srv/ferry/environmentsX/prod", "environments"));
	assert_false(agent_under(&a, "/srv/ferry/tmp/x", "environments"));
	assert_false(agent_under(&a, "/etc/passwd", "environments"));
	assert_true(agent_conn_ok(&a, "sqlite:/srv/ferry/environments/prod/db/app.db"));
	assert_false(agent_conn_ok(&a, "/srv/other/app.db"));
	assert_true(agent_rel_ok("logs/app.log"));
	assert_false(agent_rel_ok("../config.json"));
	assert_false(agent_rel_ok("/etc/passwd"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_logins_dirs),
		cmocka_unit_test(test_frames_and_errors),
		cmocka_unit_test_setup_teardown(test_ship_round_trip, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_ship_refusals, setup_dir, teardown_dir),
		cmocka_unit_test(test_agent_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
