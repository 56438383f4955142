/* SPDX-License-Identifier: MIT */
/* progress.c: a running operation's progress on stderr: a line per step, a bar while a
 * step reports progress, the time each step took. Only on a terminal and never with
 * --quiet or --json; the events come from the local runner or ferryd's event stream. */
#include "cli.h"

#include "ferry/ops/op.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct progress {
	int on;         /* print steps */
	int announce;   /* say "Started operation ..." once */
	int bar;        /* a progress bar is drawn on the current line */
};

static struct progress cli_progress;

static void draw_bar(struct progress *p, const struct ferry_op_event *ev)
{
	int i, w = 30, fill;

	if (ev->total > 0) {
		fill = (int)(ev->done * w / ev->total);
		fputs("\r      [", stderr);
		for (i = 0; i < w; i++)
			fputc(i < fill ? '#' : '.', stderr);
		fprintf(stderr, "] %3d%%", (int)(ev->done * 100 / ev->total));
	} else {
		fprintf(stderr, "\r      %lld done", (long long)ev->done);
	}
	p->bar = 1;
}

static void on_event(const struct ferry_op_event *ev, void *data)
{
	struct progress *p = data;
	char d[32];

	if (ev->type == FERRY_OP_EV_OP_STARTED && p->announce) {
		fprintf(stderr, "Started operation %s (%s)\n", ev->activity_id, ev->kind);
		p->announce = 0;
	}
	if (!p->on)
		return;
	switch (ev->type) {
	case FERRY_OP_EV_STEP_STARTED:
		fprintf(stderr, "[%d/%d] %s%s%s%s\n", ev->step_index, ev->step_count, ev->step,
			ev->message ? ": " : "", ev->message ? ev->message : "",
			ev->attempt > 1 ? " (again)" : "");
		break;
	case FERRY_OP_EV_STEP_PROGRESS:
		draw_bar(p, ev);
		break;
	case FERRY_OP_EV_STEP_FINISHED:
		cli_fmt_ms(ev->elapsed_ms, d, sizeof(d));
		fprintf(stderr, "%s      %s %s in %s\n", p->bar ? "\r\033[K" : "", ev->step,
			ev->state, d);
		p->bar = 0;
		break;
	default:
		break;
	}
}

void cli_op_hooks(struct cli *cli, struct ferry_op_hooks *hooks)
{
	memset(hooks, 0, sizeof(*hooks));
	cli_progress.on = !cli->quiet && !cli->json && isatty(STDERR_FILENO);
	cli_progress.announce = 0;
	cli_progress.bar = 0;
	hooks->on_event = on_event;
	hooks->data = &cli_progress;
}

void cli_op_hooks_announce(struct cli *cli, struct ferry_op_hooks *hooks)
{
	struct progress *p = hooks->data;

	p->announce = !cli->quiet && !cli->json;
}
