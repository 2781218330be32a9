/* libFuzzer target: the command line.
 *
 * The input is a list of NUL-separated arguments whose first byte picks a
 * command.  The commands run for real, but against a --root that does not
 * exist: each one parses all its options and values (signals, sizes,
 * durations, IDs, users, lists...), reads the files it is told to read,
 * and then stops at "container does not exist" before it could touch
 * anything.  create and run, which would build a container from a bundle,
 * run only their parser (husk_parse_create).  spec (writes config.json)
 * and features (prints a constant) are left out.  Two more selectors check
 * the pure helpers every command relies on: hk_path_clean and
 * hk_id_validate, against their contracts.
 *
 * run.sh passes -close_fd_mask=3: the commands print usage errors. */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libcontainer/container.h"
#include "libcontainer/path.h"
#include "libcontainer/state.h"
#include "libcontainer/utils.h"
#include "src/husk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* In src/create.c, shared by create and run (src/run.c declares them). */
int husk_parse_create(const char *cmd, const char *help, bool is_run, int argc, char **argv,
                      struct hk_create_opts *o);
void husk_create_opts_free(struct hk_create_opts *o);

#define MAX_ARGS 32
#define NO_ROOT  "/nonexistent/husk-fuzz-root"

static const struct {
  const char *name;
  int (*fn)(struct husk_global *g, int argc, char **argv);
} commands[] = {
    {"start", husk_cmd_start},   {"state", husk_cmd_state}, {"kill", husk_cmd_kill},
    {"delete", husk_cmd_delete}, {"pause", husk_cmd_pause}, {"resume", husk_cmd_resume},
    {"update", husk_cmd_update}, {"ps", husk_cmd_ps},       {"events", husk_cmd_events},
    {"list", husk_cmd_list},     {"exec", husk_cmd_exec},
};

/* hk_path_clean: absolute, no empty, "." or ".." component, no trailing
 * slash (but "/"), and cleaning again changes nothing. */
static void check_path_clean(const char *in)
{
  char *out, *again;

  if (in[0] != '/')
    return; /* its contract: absolute paths */
  out = hk_path_clean(in);
  if (out[0] != '/' || strstr(out, "//") || strstr(out, "/./") || strstr(out, "/../"))
    abort();
  {
    size_t n = strlen(out);
    if (n > 1 && (out[n - 1] == '/' || (n >= 2 && strcmp(out + n - 2, "/.") == 0) ||
                  (n >= 3 && strcmp(out + n - 3, "/..") == 0)))
      abort();
  }
  again = hk_path_clean(out);
  if (strcmp(out, again) != 0)
    abort();
  free(out);
  free(again);
}

/* hk_id_validate: what it accepts can name a directory under --root. */
static void check_id(const char *id)
{
  hk_error_t *err = NULL;

  if (hk_id_validate(id, &err) < 0) {
    if (err == NULL || err->msg == NULL)
      abort();
    hk_error_free(err);
    return;
  }
  if (id[0] == '\0' || strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0 ||
      strlen(id) >= 1024)
    abort();
  for (const char *p = id; *p; p++)
    if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
      abort();
}

static void parse_create(bool is_run, int argc, char **argv)
{
  struct hk_create_opts o = {.root = NO_ROOT};
  int r = husk_parse_create(is_run ? "run" : "create", "", is_run, argc, argv, &o);

  if (r == 0 && o.id == NULL)
    abort(); /* a successful parse always has the ID */
  husk_create_opts_free(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *buf, *argv[MAX_ARGS + 1];
  size_t n = HK_ARRAY_SIZE(commands) + 4, pick;
  int argc = 1;
  struct husk_global g = {.root = NO_ROOT};

  if (size < 1)
    return 0;
  pick = data[0] % n;
  /* A NUL-terminated copy, split at each NUL into at most MAX_ARGS. */
  buf = malloc(size);
  memcpy(buf, data + 1, size - 1);
  buf[size - 1] = '\0';
  for (char *p = buf; p < buf + size - 1 && argc < MAX_ARGS; p += strlen(p) + 1)
    argv[argc++] = p;
  argv[argc] = NULL;

  optind = 0; /* a full reset of getopt, as main() does between commands */
  if (pick < HK_ARRAY_SIZE(commands)) {
    argv[0] = (char *)commands[pick].name;
    commands[pick].fn(&g, argc, argv);
  } else if (pick == HK_ARRAY_SIZE(commands)) {
    argv[0] = "create";
    parse_create(false, argc, argv);
  } else if (pick == HK_ARRAY_SIZE(commands) + 1) {
    argv[0] = "run";
    parse_create(true, argc, argv);
  } else if (pick == HK_ARRAY_SIZE(commands) + 2) {
    check_path_clean(buf);
  } else {
    check_id(buf);
  }
  free(buf);
  return 0;
}
