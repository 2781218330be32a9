/* The husk CLI: global options, the command table and shared helpers.  Only
 * the CLI prints; the library returns errors. */
#ifndef HUSK_CLI_H
#define HUSK_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdbool.h>

#include "libcontainer/error.h"

struct husk_global {
  const char *root;
  const char *log;
  const char *log_format;
  bool debug;
  bool systemd_cgroup;
  bool no_cgroup; /* --cgroup-manager disabled */
  const char *rootless; /* true, false, auto */
};

struct husk_command {
  const char *name;
  const char *summary;
  int (*fn)(struct husk_global *g, int argc, char **argv);
};

/* Report err (one line, or one JSON line with --log-format json), free it
 * and return the exit status 1. */
int husk_fail(hk_error_t *err);
/* A usage error for a command: message, hint, exit status 1. */
int husk_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* getopt_long returned '?' or ':': name the bad option. */
int husk_bad_option(const char *cmd, char **argv);

/* The one ID argument of a command, with arity check. */
int husk_one_id(const char *cmd, int argc, char **argv, int optind_, const char **id);

/* Each command, one file each. */
int husk_cmd_create(struct husk_global *g, int argc, char **argv);
int husk_cmd_exec(struct husk_global *g, int argc, char **argv);
int husk_cmd_start(struct husk_global *g, int argc, char **argv);
int husk_cmd_run(struct husk_global *g, int argc, char **argv);
int husk_cmd_state(struct husk_global *g, int argc, char **argv);
int husk_cmd_kill(struct husk_global *g, int argc, char **argv);
int husk_cmd_delete(struct husk_global *g, int argc, char **argv);
int husk_cmd_list(struct husk_global *g, int argc, char **argv);
int husk_cmd_spec(struct husk_global *g, int argc, char **argv);
int husk_cmd_features(struct husk_global *g, int argc, char **argv);
int husk_cmd_update(struct husk_global *g, int argc, char **argv);
int husk_cmd_pause(struct husk_global *g, int argc, char **argv);
int husk_cmd_resume(struct husk_global *g, int argc, char **argv);
int husk_cmd_ps(struct husk_global *g, int argc, char **argv);
int husk_cmd_events(struct husk_global *g, int argc, char **argv);

/* Print text to stdout entirely; false on a write error. */
bool husk_print(const char *s, size_t len);

#endif
